"""How the API's result objects show themselves: a one-line ``repr`` (sizes, not
contents) and a notebook view (``_repr_html_``: the repr above the main table).

Here, below both ``experiments`` (the runs) and ``outputs`` (figures and the report of a
folder), so that the result types of both share one way of showing.
"""

from __future__ import annotations

import html
from dataclasses import fields
from pathlib import Path
from typing import Any

import pandas as pd

REPR_MAX = 300  # characters of a result's repr


class Shown:
    """Mixed into a result dataclass: ``_table`` names the data frame a notebook shows
    (None: only the repr)."""

    _table: str | None = "summary"

    def __repr__(self) -> str:
        parts = (f"{f.name}={brief(getattr(self, f.name))}"
                 for f in fields(self))  # type: ignore[arg-type]
        text = f"{type(self).__name__}({', '.join(parts)})"
        return text if len(text) <= REPR_MAX else text[: REPR_MAX - 4] + "...)"

    def _repr_html_(self) -> str:
        head = f"<p><code>{html.escape(repr(self))}</code></p>"
        table = getattr(self, self._table) if self._table else None
        if not isinstance(table, pd.DataFrame):
            return head
        return f"{head}\n" + str(table.to_html(max_rows=20, max_cols=16))


def brief(value: Any) -> str:
    """A value as the repr shows it: a frame's shape, a container's size, a short scalar."""
    if isinstance(value, pd.DataFrame):
        return f"<{len(value)} rows x {len(value.columns)} columns>"
    if isinstance(value, dict):
        return f"<{len(value)} keys>"
    if isinstance(value, list | tuple):
        return f"<{len(value)} items>"
    if isinstance(value, Path):
        return repr(str(value))
    return repr(value) if value is None or isinstance(value, int | float | str) else (
        f"<{type(value).__name__}>")
