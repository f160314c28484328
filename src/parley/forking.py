"""When worker processes may be forked from this one, and forking them quietly.

A forked worker starts in milliseconds with every module this process has
imported; a spawned one is a fresh interpreter that imports them again (about
0.3 s of CPU for the batch kernel) and imports the caller's ``__main__`` again.
Forking is safe only where no other thread of this process can hold a lock that
the child would inherit held: Linux (macOS frameworks are not fork-safe), with
this process running one Python thread.  The figure workers
(:mod:`parley.outputs.figures.workers`) and the batch pools
(:class:`parley.experiments.executors.ProcessExecutor`) both ask here.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import sys
import threading
import warnings
from collections.abc import Iterator

__all__ = ["can_fork", "forking"]


def can_fork() -> bool:
    """Whether forked workers are safe here: Linux, with this process running one thread."""
    return (sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods()
            and threading.active_count() == 1)


@contextlib.contextmanager
def forking() -> Iterator[None]:
    """Around the forks themselves: buffered output written out first (so that no child
    writes a copy of it), and Python 3.12+'s warning about forking a multi-threaded
    process silenced for the block only.  That warning counts the process's OS threads,
    numpy's idle BLAS workers among them (they re-initialise themselves after a fork);
    :func:`can_fork` has checked that no other Python thread runs, so no lock of ours is
    copied held."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):  # None, or closed
            stream.flush()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"This process .* is multi-threaded",
                                DeprecationWarning)
        yield
