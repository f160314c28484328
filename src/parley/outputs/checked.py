"""What ``plot``, ``report`` and ``verify`` do with a results folder, on one path for the
command and the Python API: a folder with a chunk log is verified before anything reads it,
so a damaged folder is refused (one ``ResultsFolderError`` line) rather than drawn."""

from __future__ import annotations

import os
from pathlib import Path

from parley.results.verify import Verified, verify_folder

#: what reading a folder whose files are not what parley writes raises, besides ParleyError
MALFORMED = (KeyError, ValueError, TypeError, IndexError)

Folder = str | os.PathLike[str]


def verify(folder: Folder) -> Verified:
    """Every check ``--resume`` makes and summary.json against the chunk records;
    read-only, no lock taken; ``ResultsFolderError`` on the first that fails."""
    return verify_folder(Path(folder))


def verify_before_reading(folder: Folder) -> None:
    """Verify a folder that has a chunk log (a hindcast or calibration folder has none)."""
    if (Path(folder) / "chunks.jsonl").is_file():
        verify_folder(Path(folder))


def figures(folder: Folder, fmt: str = "png") -> list[Path]:
    """Every applicable figure of a verified folder, drawn into ``folder/figures/``."""
    from parley.outputs.plotting import save_figures

    verify_before_reading(folder)
    return save_figures(folder, fmt)


def report(folder: Folder) -> Path:
    """``folder/report.html`` of a verified folder, written atomically; its path."""
    from parley.outputs.report import write_report

    verify_before_reading(folder)
    return write_report(folder)
