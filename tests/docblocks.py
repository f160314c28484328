"""The fenced code blocks of a Markdown page, for the tests that run or check docs examples."""

from __future__ import annotations

import re


def code_blocks(text: str, language: str) -> list[str]:
    """The bodies of the fenced code blocks of ``language``, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.M | re.S)
