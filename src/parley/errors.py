"""The one family of errors parley raises for bad input, caught once by the CLI.

Each error holds ``problems``: one line per problem, naming the file or
option, the field and what is allowed.  The CLI prints each line after
``error: `` and exits with status 2.
"""

from __future__ import annotations

MAX_LINE = 400  # characters of one error line
MAX_PROBLEMS = 40  # error lines of one error
MAX_PATH = 160  # characters of a file path echoed in an error line


class ParleyError(Exception):
    """Bad input to parley: a scenario, a sweep specification or a results folder.

    Every line is made printable and short, and there are at most MAX_PROBLEMS of
    them, whatever the input (a hostile file cannot flood or forge terminal lines).
    """

    def __init__(self, problems: str | list[str]):
        lines = _bounded([problems] if isinstance(problems, str) else list(problems))
        super().__init__("\n".join(lines))
        self.problems = lines


def printable(text: str, limit: int = MAX_LINE) -> str:
    """``text`` safe for a terminal line: every non-printable character (control,
    format, separator, unassigned) escaped, length bounded."""
    text = text[: 2 * limit]
    text = "".join(ch if ch.isprintable() else _escape(ch) for ch in text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def printable_path(path: object, limit: int = MAX_PATH) -> str:
    """A file path for an error line: printable and at most ``limit`` characters, cut in
    the middle so that the file's own name stays."""
    text = str(path)
    if len(text) > limit:
        keep = limit - 3
        text = text[: keep // 3] + "..." + text[len(text) - (keep - keep // 3):]
    return printable(text, limit)


def _escape(ch: str) -> str:
    return ch.encode("unicode_escape", "backslashreplace").decode("ascii")


def _bounded(problems: list[str]) -> list[str]:
    lines = [printable(str(p)) for p in problems]
    if len(lines) > MAX_PROBLEMS:
        more = len(lines) - MAX_PROBLEMS + 1
        lines = [*lines[: MAX_PROBLEMS - 1], f"... and {more} more problems not shown"]
    return lines




class MissingExtraError(ParleyError, ImportError):
    """An optional dependency is not installed: names the extra of parley that brings it."""

    def __init__(self, what: str, extra: str):
        super().__init__(f"{what} needs the '{extra}' extra: pip install 'parley[{extra}]'")
        self.extra = extra


class ScenarioError(ParleyError):
    """A scenario could not be loaded or run (also: bad batch options)."""


class SweepSpecError(ParleyError):
    """A sweep specification (sweep file or --vary options) is not usable."""


class ResultsFolderError(ParleyError):
    """A results folder cannot be used as asked (already full, not resumable, ...)."""


class ResultsContentError(ParleyError, ValueError):
    """A results folder is missing files or holds nothing that can be read or plotted."""
