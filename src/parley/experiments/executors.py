"""Pluggable evaluators: in-process, local worker processes, or a Dask cluster.

All share one small interface, used as a ``with`` block: ``imap(fn, tasks)``
yields ``(index, result)`` pairs as tasks complete, keeping at most a few
tasks in flight so memory stays flat however many tasks there are.  Results
never depend on the executor: each task carries its own seeds.

Local workers are forked where that is safe (:func:`parley.forking.can_fork`:
Linux, one thread), else spawned.  Spawned workers re-import the caller's
``__main__``; where that cannot work (code on stdin, a script calling parley
outside ``if __name__ == "__main__":``; see :func:`workers_problem`)
``make_executor("local")`` runs in this process with one log line, and an
explicit spawning ProcessExecutor or local Dask cluster raises one ParleyError
line.
"""

from __future__ import annotations

import ast
import atexit
import concurrent.futures as cf
import contextlib
import gc
import logging
import multiprocessing as mp
import os
import pickle
import signal
import sys
import threading
import time
import tokenize
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from parley import defaults, forking
from parley.errors import ParleyError

log = logging.getLogger("parley.experiments.executors")

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
        self.warm()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        global _active
        _active -= 1
        if exc_type is None:
            self.close()
        else:  # the job ended in an error or Ctrl-C: nothing under way is wanted any more
            self.abort()

    def _check_stop(self) -> None:
        if _STOP.is_set():
            raise KeyboardInterrupt

    def close(self) -> None:
        """Release workers (nothing to do in-process)."""

    def warm(self) -> None:
        """Start the workers now, so they are ready when the first task comes (nothing to
        do in-process)."""

    def abort(self) -> None:
        """Close without waiting for work under way (a job that failed or was interrupted)."""
        self.close()

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

    failed = False  # a task raised (or could not be sent): close() must not wait then

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
        except Exception:
            self.failed = True
            raise
        finally:
            for fut in pending:
                fut.cancel()


class ProcessExecutor(_FutureExecutor):
    """Local worker processes that die with their parent.

    The start method is chosen here, through a context object, never
    process-wide (:func:`default_start_method`): "fork" where that is safe
    (Linux, this process running one thread, so no lock another thread holds
    is copied).  :meth:`warm` forks the workers after this process has
    imported the kernel and before the job opens its results folder: they
    start in milliseconds with the kernel, where a spawned worker imports it
    again (0.3 s of CPU each).  Elsewhere "spawn": fresh interpreters.  Either
    way the workers are direct children of this process.  Not "forkserver":
    its workers hold the server's liveness pipe, so the server outlives a
    killed parent and its workers with it.  Each worker asks the kernel to
    kill it when its parent dies (Linux ``PR_SET_PDEATHSIG``), and elsewhere
    watches its parent's pid, so killing the main process, even with SIGKILL,
    leaves no worker running.  Workers collect garbage every few tasks so their
    memory stays flat over long runs.  Raises ParleyError where spawned workers
    would have to import ``__main__`` again and cannot (:func:`workers_problem`).
    """

    def __init__(self, jobs: int | None = None, start_method: str | None = None):
        self.workers = jobs or os.cpu_count() or 1
        self._warming: list[cf.Future] = []
        self._new_pool(start_method or default_start_method())

    def _new_pool(self, method: str) -> None:
        if why := start_problem(method):
            raise ParleyError(f"worker processes cannot start: {why}; {GUARD_FIX}")
        self.start_method = method
        self.pool = cf.ProcessPoolExecutor(max_workers=self.workers,
                                           mp_context=mp.get_context(method),
                                           initializer=_init_worker,
                                           initargs=(None if method == "forkserver"
                                                     else os.getpid(),))

    def _submit(self, fn, task):
        self.warm()
        # Pickled here, not in the pool's feeder thread: a task that cannot be pickled
        # raises now, in the caller.  In the feeder it would take CPython's feeder-error
        # path, which can deadlock the pool's shutdown or its end as a broken pool
        # (gh-125451, fixed in 3.12.8 and 3.13.1; this machine has 3.11.7, 3.12.1, 3.13.0).
        return self.pool.submit(_run_pickled, pickle.dumps((fn, task), pickle.HIGHEST_PROTOCOL))

    def warm(self) -> None:
        """Start every worker now, with the kernel imported, while this process sets the
        job up; once per pool.  Forked workers get the kernel from this process (imported
        here first: the job needs it anyway); spawned ones import it (0.3 s each)."""
        if self._warming:
            return
        if self.start_method == "fork" and not forking.can_fork():  # a thread started since
            self.pool.shutdown()
            self._new_pool("spawn")
        if self.start_method == "fork":
            _warm_up()  # here: the workers inherit it
            with forking.forking():  # a fork pool starts all its workers at its first submit
                self._warming = [self.pool.submit(_warm_up)]
        else:  # one warm-up a worker: each imports the kernel itself
            self._warming = [self.pool.submit(_warm_up) for _ in range(self.workers)]

    def close(self) -> None:
        if self.failed:  # the caller has its error: the tasks still running are not wanted
            self.abort()
        else:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Kill the workers rather than wait for them (they may be importing still)."""
        workers = list((getattr(self.pool, "_processes", None) or {}).values())
        manager = getattr(self.pool, "_executor_manager_thread", None)  # shutdown drops it
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            with contextlib.suppress(OSError, ValueError):
                process.kill()
        for process in workers:
            with contextlib.suppress(OSError, ValueError, AssertionError):
                process.join(5)
        # The pool's manager thread closes its wake-up pipe once it sees the workers gone;
        # if the interpreter exits meanwhile, concurrent.futures' exit hook writes to that
        # pipe as it closes ("Exception ignored ... Bad file descriptor" on stderr).
        # Waiting for the thread here closes the race (no public API for it).
        if manager is not None:
            manager.join(5)


def default_start_method() -> str:
    """The multiprocessing start method for worker pools (see ProcessExecutor): "fork"
    where :func:`parley.forking.can_fork` says it is safe, else "spawn"."""
    return "fork" if forking.can_fork() else "spawn"


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
            if why := workers_problem():
                raise ParleyError(f"a local Dask cluster cannot start: {why}; {GUARD_FIX}")
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
    # At exit, once the pool has its last result, skip the interpreter's teardown of every
    # module (Mesa, pandas, scipy: most of a second the pool's close would wait for).
    # Registered first, so it runs last: later exit hooks (logging's flush) still run.
    atexit.register(_exit_now)
    if not _die_with_parent():
        threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True,
                         name="parley-parent-watch").start()
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the request above was made


def _exit_now() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


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


def _warm_up() -> None:
    """A worker's first task from :meth:`ProcessExecutor.warm`: import what tasks need."""
    import parley.experiments.engine
    import parley.worlds  # noqa: F401  (the kernel, without Mesa)


def _run_pickled(call: bytes) -> Any:
    """Run a task pickled by :meth:`ProcessExecutor._submit`."""
    return _run_task(*pickle.loads(call))


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
        if why := start_problem(default_start_method()):
            if _importing_main():
                raise ParleyError(f"{why}; {GUARD_FIX}")
            _note_in_process(why)
            return SerialExecutor()
        return ProcessExecutor(jobs)
    raise ValueError(f"unknown executor {kind!r} (allowed: local, dask, serial)")


# ------------------------------------------- can worker processes start from here?

GUARD_FIX = ('put the call under `if __name__ == "__main__":` in a script file '
             "(python FILE.py)")
_noted: set[str] = set()  # notes already given in this process (each is given once)


def start_problem(method: str) -> str | None:
    """Why workers started with ``method`` cannot work from here, or None: forked workers
    import nothing again, so only a spawned worker still importing ``__main__`` (which
    would start the job once more) stops them; spawned ones, :func:`workers_problem`."""
    return workers_problem() if method != "fork" or _importing_main() else None


def workers_problem() -> str | None:
    """Why "spawn" worker processes cannot be started from the caller, or None.

    A spawned worker first imports the caller's ``__main__`` again (as
    ``__mp_main__``) so that it can unpickle what ``__main__`` defines.  That
    fails when ``__main__`` is read from stdin (``python -``: there is no file to
    import), and it starts every worker on a second copy of the whole job when a
    script calls parley outside ``if __name__ == "__main__":`` (multiprocessing
    then refuses, and the pool breaks).  Interactive sessions, notebooks and
    ``python -c`` have nothing to import again; ``python -m PACKAGE`` neither.
    Decided from ``__main__`` as multiprocessing sees it and, for a script file,
    from the line of its top-level code now running, read with ``ast``.
    """
    if _importing_main():
        return "parley was called while a worker process was importing __main__"
    main = sys.modules.get("__main__")
    if main is None:
        return None
    name = getattr(getattr(main, "__spec__", None), "name", None)
    if name is not None and (name == "__main__" or name.endswith(".__main__")):
        return None  # multiprocessing never imports a __main__ module again
    path = getattr(main, "__file__", None)
    if path is None:
        return None  # interactive, a notebook, python -c: nothing is imported again
    if not os.path.isfile(path):
        return f"__main__ is read from {path}, which worker processes cannot import again"
    line = _main_line(main)
    if line is None or _under_main_guard(path, line):
        return None
    return (f"{os.path.basename(path)} calls parley on line {line}, outside "
            '`if __name__ == "__main__":`, which every worker would run again')


def _importing_main() -> bool:
    """True in a worker process that is still importing the parent's ``__main__``."""
    return bool(getattr(mp.current_process(), "_inheriting", False))


def _main_line(main: Any) -> int | None:
    """The line of ``__main__``'s top-level code now running in the main thread (the
    caller may be another thread started by it), or None when that code has finished."""
    frame = sys._current_frames().get(threading.main_thread().ident or -1, sys._getframe(1))
    line = None
    while frame is not None:
        if frame.f_globals is vars(main) and frame.f_code.co_name == "<module>":
            line = frame.f_lineno  # the outermost wins (code exec'd from the script)
        frame = frame.f_back
    return line


def _under_main_guard(path: str, line: int) -> bool:
    """Whether ``line`` of the script ``path`` lies inside ``if __name__ == "__main__":``
    (at any depth of top-level ``if``/``with``/``try``/loops); False if unreadable."""
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return False
    return _guarded_lines(path, stamp)(line)


@lru_cache(maxsize=8)
def _guarded_lines(path: str, stamp: int) -> Callable[[int], bool]:
    try:
        with tokenize.open(path) as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return lambda line: False
    spans: list[tuple[int, int]] = []
    _collect_guards(tree.body, spans)
    return lambda line: any(lo <= line <= hi for lo, hi in spans)


def _collect_guards(body: list[ast.stmt], spans: list[tuple[int, int]]) -> None:
    """The line spans of the bodies of main guards among top-level statements."""
    for node in body:
        if isinstance(node, ast.If) and _is_main_test(node.test):
            spans += [(n.lineno, n.end_lineno or n.lineno) for n in node.body]
            _collect_guards(node.orelse, spans)
            continue
        for field in ("body", "orelse", "finalbody"):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                break  # a def's body does not run on import; a class body does, unguarded
            _collect_guards(getattr(node, field, []), spans)
        for handler in getattr(node, "handlers", []):
            _collect_guards(handler.body, spans)


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round), alone or one term of an ``and``."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_is_main_test(v) for v in test.values)
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides))


def _note_in_process(why: str) -> None:
    """One log line (once per process and reason): the job runs in this process."""
    if why in _noted:
        return
    _noted.add(why)
    log.warning("parley: running in this process, not in worker processes (same results): "
                "%s; to use workers, %s", why, GUARD_FIX)


# ------------------------------------------------ the options, and an ordered map


def options_problem(kind: str, jobs: int | None, scheduler: str | None) -> str | None:
    """Why these executor options cannot be used together, or None: ``--jobs`` out of
    range, an unknown executor, or a Dask scheduler address given without the Dask
    executor (it would be silently ignored)."""
    from parley.errors import printable

    if problem := jobs_problem(jobs):
        return problem
    if kind not in EXECUTORS:
        return f"--executor {printable(str(kind), 40)}: allowed {', '.join(EXECUTORS)}"
    if scheduler is not None and kind != "dask":
        return (f"--scheduler {printable(str(scheduler), 80)}: a Dask scheduler address "
                f"needs --executor dask (got --executor {kind}); drop --scheduler or add "
                "--executor dask")
    return None


@contextlib.contextmanager
def ordered_map(executor: str | Executor = "local", jobs: int | None = None,
                scheduler: str | None = None) -> Iterator[Callable[..., Iterator[Any]]]:
    """An order-preserving ``map(fn, tasks)`` over one executor, as a ``with`` block.

    ``executor`` is a name (:data:`EXECUTORS`, built by :func:`make_executor` with
    ``jobs`` and ``scheduler``) or an executor object; either is closed when the
    block ends, so its worker processes end with it (and die with their parent, see
    :class:`ProcessExecutor`).  Results come in task order whatever order the workers
    finish in (:meth:`Executor.map_ordered`): pyabc's seeded sampler maps through it.
    """
    if isinstance(executor, Executor):
        runner = executor
    else:
        if problem := options_problem(executor, jobs, scheduler):
            raise ParleyError(problem)
        runner = make_executor(executor, jobs, scheduler)
    with runner:
        yield runner.map_ordered
