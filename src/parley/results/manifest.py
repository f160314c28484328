"""What a results folder records about how it was made, and the terminal's progress bar.

Shared by ``run``/``compare``/``hindcast`` (experiment.py) and ``sweep``.
"""

from __future__ import annotations

import datetime as dt
import platform
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def git_commit() -> str | None:
    """The commit of the source tree parley runs from, when it is a git checkout."""
    root = Path(__file__).resolve().parents[3]
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def versions(*extra: str) -> dict[str, str]:
    """Versions of parley, Mesa, numpy, Python and any ``extra`` distributions."""
    import mesa
    import numpy as np

    from parley import __version__

    out = {"parley": __version__, "mesa": mesa.__version__, "numpy": np.__version__,
           "python": platform.python_version()}
    for pkg in extra:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


class _NoBar:
    def __init__(self, total: int):
        self.total = total

    def update(self, n: int) -> None:
        """No progress bar when output is not a terminal."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def progress(total: int, initial: int = 0, unit: str = "run"):
    """A tqdm bar on a terminal; a silent stand-in otherwise (logs, CI, pipes)."""
    if not sys.stderr.isatty():
        return _NoBar(total)
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
    return tqdm(total=total, initial=initial, unit=unit, unit_scale=True, file=sys.stderr)


def draw_figures(folder: Path) -> None:
    """Draw every applicable figure of a results folder and name the files."""
    from parley.outputs.plotting import save_figures

    for path in save_figures(folder):
        print(f"figure: {path}")
