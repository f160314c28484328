"""Pluggable evaluators: in-process, local worker processes, or a Dask cluster.

All share one small interface, used as a ``with`` block: ``imap(fn, tasks)``
yields ``(index, result)`` pairs as tasks complete, keeping at most a few
tasks in flight so memory stays flat however many tasks there are.  Results
never depend on the executor: each task carries its own seeds.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from parley import defaults

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

    def map_ordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """``fn`` over ``tasks``, results in task order (an ordered ``map``, e.g. for pyabc)."""
        waiting: dict[int, Any] = {}
        next_index = 0
        for i, result in self.imap(fn, tasks):
            waiting[i] = result
            while next_index in waiting:
                yield waiting.pop(next_index)
                next_index += 1


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
    """Local worker processes that die with their parent.

    The start method is chosen here, through a context object, never
    process-wide: "spawn", so workers are fresh interpreters (no threads,
    locks or open files of the caller copied, as "fork" would; 3.12+ warns
    about fork after threads, and 3.14 changes the default) and direct
    children of this process.  Not "forkserver": its workers hold the
    server's liveness pipe, so the server outlives a killed parent and its
    workers with it.  Each worker asks the kernel to kill it when its
    parent dies (Linux ``PR_SET_PDEATHSIG``), and elsewhere watches its
    parent's pid, so killing the main process, even with SIGKILL, leaves no
    worker running.  Workers collect garbage every few tasks so their memory
    stays flat over long runs.
    """

    def __init__(self, jobs: int | None = None, start_method: str | None = None):
        self.workers = jobs or os.cpu_count() or 1
        method = start_method or default_start_method()
        context = mp.get_context(method)
        self.pool = cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                           initializer=_init_worker,
                                           initargs=(None if method == "forkserver"
                                                     else os.getpid(),))

    def _submit(self, fn, task):
        return self.pool.submit(_run_task, fn, task)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def default_start_method() -> str:
    """The multiprocessing start method for worker pools (see ProcessExecutor)."""
    return "spawn"


class DaskExecutor(_FutureExecutor):
    """A Dask distributed cluster: an existing scheduler, or a LocalCluster started here."""

    def __init__(self, scheduler: str | None = None, jobs: int | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            from parley.errors import MissingExtraError

            raise MissingExtraError("--executor dask", "dask") from None
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


GC_EVERY = 20  # tasks between garbage collections in a worker
_tasks_run = 0
_PR_SET_PDEATHSIG = 1


def _init_worker(parent_pid: int | None) -> None:
    """Worker set-up: leave Ctrl-C to the main process; die when the parent dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _die_with_parent():
        threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True,
                         name="parley-parent-watch").start()
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the request above was made


def _die_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent exits; False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int, period: float = 1.0) -> None:
    """Exit as soon as the parent process is gone (systems without PDEATHSIG)."""
    while os.getppid() == parent:
        time.sleep(period)
    os._exit(1)


def _run_task(fn: Callable[[Any], Any], task: Any) -> Any:
    """Run one task in a worker, collecting garbage every GC_EVERY tasks."""
    global _tasks_run
    result = fn(task)
    _tasks_run += 1
    if _tasks_run % GC_EVERY == 0:
        gc.collect()
    return result


EXECUTORS = defaults.EXECUTORS


def max_jobs() -> int:
    """The most worker processes allowed: 4 per core, at least 16."""
    return max(16, 4 * (os.cpu_count() or 1))


def jobs_problem(jobs: int | None) -> str | None:
    """Why ``--jobs`` cannot be used, or None."""
    if jobs is not None and not 1 <= jobs <= max_jobs():
        return f"--jobs {jobs}: allowed 1 to {max_jobs()} (4 per core, at least 16)"
    return None


def make_executor(kind: str = "local", jobs: int | None = None,
                  scheduler: str | None = None) -> Executor:
    """Build the executor named on the command line."""
    if problem := jobs_problem(jobs):
        raise ValueError(problem)
    if kind == "dask":
        return DaskExecutor(scheduler, jobs)
    if kind == "serial" or jobs == 1:
        return SerialExecutor()
    if kind == "local":
        return ProcessExecutor(jobs)
    raise ValueError(f"unknown executor {kind!r} (allowed: local, dask, serial)")
