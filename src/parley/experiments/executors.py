"""Pluggable evaluators: in-process, local worker processes, or a Dask cluster.

All share one small interface, used as a ``with`` block: ``imap(fn, tasks)``
yields ``(index, result)`` pairs as tasks complete, keeping at most a few
tasks in flight so memory stays flat however many tasks there are.  Results
never depend on the executor: each task carries its own seeds.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_STOP = threading.Event()
_active = 0  # executors inside their ``with`` block


def request_stop() -> bool:
    """Ask the running executors to stop at the next task boundary.

    For a signal handler (the CLI's Ctrl-C): ``imap`` then raises
    KeyboardInterrupt after the caller has written every result handed to
    it.  Python would otherwise raise it at any bytecode, including inside
    weakref callbacks and destructors, where it is printed and swallowed, so a
    batch would run on to the end.  False when no executor is running (the
    handler should then interrupt at once).
    """
    if not _active:
        return False
    _STOP.set()
    return True


class Executor:
    """Base class: a context manager with ``imap`` that stops when asked (request_stop)."""

    workers = 1

    def __enter__(self) -> Executor:
        global _active
        if not _active:
            _STOP.clear()
        _active += 1
        return self

    def __exit__(self, *exc: object) -> None:
        global _active
        _active -= 1
        self.close()

    def _check_stop(self) -> None:
        if _STOP.is_set():
            raise KeyboardInterrupt

    def close(self) -> None:
        """Release workers (nothing to do in-process)."""

    def imap(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        for i, task in enumerate(tasks):
            self._check_stop()
            yield i, fn(task)


class SerialExecutor(Executor):
    """Runs every task in this process, in order."""


class _FutureExecutor(Executor):
    """Shared windowed submission over anything with ``submit`` returning futures."""

    def _submit(self, fn, task):  # pragma: no cover - overridden
        raise NotImplementedError

    def _wait_first(self, pending):
        done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        return done

    def imap(self, fn, tasks):
        window = 2 * self.workers
        todo = iter(enumerate(tasks))
        pending: dict[Any, int] = {}
        try:
            for i, task in todo:
                pending[self._submit(fn, task)] = i
                if len(pending) >= window:
                    break
            while pending:
                for fut in self._wait_first(list(pending)):
                    self._check_stop()
                    i = pending.pop(fut)
                    nxt = next(todo, None)
                    if nxt is not None:
                        pending[self._submit(fn, nxt[1])] = nxt[0]
                    yield i, fut.result()
        finally:
            for fut in pending:
                fut.cancel()


class ProcessExecutor(_FutureExecutor):
    """Local worker processes.

    Uses its own multiprocessing context rather than the process-wide one,
    because ``import mesa`` forces the global start method to "spawn".  Fork
    (where the OS has it) starts workers in milliseconds with parley loaded.
    """

    def __init__(self, jobs: int | None = None, start_method: str | None = None):
        self.workers = jobs or os.cpu_count() or 1
        method = start_method or ("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self.pool = cf.ProcessPoolExecutor(max_workers=self.workers,
                                           mp_context=mp.get_context(method),
                                           initializer=_ignore_sigint)

    def _submit(self, fn, task):
        return self.pool.submit(fn, task)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor(_FutureExecutor):
    """A Dask distributed cluster: an existing scheduler, or a LocalCluster started here."""

    def __init__(self, scheduler: str | None = None, jobs: int | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError("the dask executor needs: pip install 'parley[dask]'") from exc
        self.cluster = None
        if scheduler:
            self.client = Client(scheduler)
        else:
            self.cluster = LocalCluster(n_workers=jobs or os.cpu_count() or 1,
                                        threads_per_worker=1, processes=True,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        self.workers = max(len(self.client.scheduler_info().get("workers", {})), 1)

    def _submit(self, fn, task):
        return self.client.submit(fn, task, pure=False)

    def _wait_first(self, pending):
        from dask.distributed import wait

        done, _ = wait(pending, return_when="FIRST_COMPLETED")
        return done

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the main process, which stops the batch cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


EXECUTORS = ("local", "dask", "serial")


def make_executor(kind: str = "local", jobs: int | None = None,
                  scheduler: str | None = None) -> Executor:
    """Build the executor named on the command line."""
    if kind == "dask":
        return DaskExecutor(scheduler, jobs)
    if kind == "serial" or jobs == 1:
        return SerialExecutor()
    if kind == "local":
        return ProcessExecutor(jobs)
    raise ValueError(f"unknown executor {kind!r} (allowed: local, dask, serial)")
