"""The terminal's progress bar (used by the command line; silent when not on a terminal)."""

from __future__ import annotations

import sys


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

    return tqdm(total=total, initial=initial, unit=unit, unit_scale=True, file=sys.stderr)
