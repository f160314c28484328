"""The Python API of a results folder: ``parley.plot``, ``parley.report`` and
``parley.verify`` (the commands of the same names), on the path the commands take
(:mod:`parley.outputs.checked`: a folder with a chunk log is verified before it is read).

Here rather than beside the runs in ``parley.experiments.api``: none of them needs the
model, and outputs never import it.  No printing; bad input is one ParleyError line.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parley.errors import ParleyError
from parley.results.shown import Shown as _Shown


@dataclass(frozen=True, eq=False, repr=False)
class FilesResult(_Shown):
    """What ``plot`` and ``report`` return: the results folder and the files written."""

    folder: Path
    files: tuple[Path, ...]

    _table = None

    def _repr_html_(self) -> str:
        items = "".join(f"<li><code>{html.escape(str(f))}</code></li>" for f in self.files)
        return f"<p><code>{html.escape(repr(self))}</code></p>\n<ul>{items}</ul>"


@dataclass(frozen=True, eq=False, repr=False)
class VerifyResult(_Shown):
    """What ``verify`` found: the folder, its kind, its chunks and the runs they cover."""

    folder: Path
    kind: str
    chunks: int
    runs: int

    _table = None


def plot(folder: str | Path, format: str = "png") -> FilesResult:
    """Draw every applicable figure of a results folder into ``folder/figures/``
    (``parley plot``); ``format``: "png" (the default), "svg" or "pdf".  A folder with a
    chunk log is verified first."""
    from parley.outputs import checked
    from parley.outputs.plotting import FORMATS

    if format not in FORMATS:
        raise ParleyError([f"--format {format!r}"[:80] + f": allowed {', '.join(FORMATS)}"])
    return FilesResult(folder=Path(folder),
                       files=tuple(_readable(folder, lambda: checked.figures(folder, format))))


def report(folder: str | Path) -> FilesResult:
    """Write ``folder/report.html``, one offline HTML file with the scenarios, their
    sources, the results, the figures and the manifest (``parley report``).  A folder
    with a chunk log is verified first."""
    from parley.outputs import checked

    return FilesResult(folder=Path(folder),
                       files=(_readable(folder, lambda: checked.report(folder)),))


def verify(folder: str | Path) -> VerifyResult:
    """Check a results folder end to end without changing it (``parley verify``): every
    check ``--resume`` makes, and summary.json against the chunk records.  Raises one
    ``ResultsFolderError`` line on the first check that fails."""
    from parley.outputs import checked

    found = checked.verify(folder)
    return VerifyResult(folder=found.folder, kind=found.kind, chunks=found.chunks,
                        runs=found.runs)


def _readable(folder: str | Path, read: Callable[[], Any]) -> Any:
    """``read()``, with a folder whose files are not what parley writes refused in one
    ``ResultsContentError`` line (the command exits 1 on it)."""
    from parley.errors import ResultsContentError
    from parley.outputs.checked import MALFORMED

    try:
        return read()
    except ParleyError:
        raise
    except MALFORMED as exc:
        raise ResultsContentError([f"malformed results in {folder}: {exc!r}"[:300]]) from None


__all__ = ["FilesResult", "VerifyResult", "plot", "report", "verify"]
