"""Independent tasks (figures to draw and save) run by forked workers, a few at a time.

:func:`save_figures` with ``jobs`` above 1 uses this.  The figures of a folder
do not depend on each other and drawing them is CPU-bound Python, so two
workers on two cores draw them in about half the time; and a worker, unlike
the caller's process, may leave its garbage collector off (full collections
took a sixth of the drawing time in the main job's process).

The workers are forked, not spawned: a spawned worker would first spend as long
importing matplotlib and pandas as the smaller figures take to draw, and would
import the caller's ``__main__`` again.  Forking is done only where it is safe
(:func:`parley.forking.can_fork`: Linux, with this process running a single
thread, so that no lock held by another thread is copied); elsewhere the tasks
run here, one by one.  Nothing of this process is changed: the start method is
chosen through a context object, and the workers' settings die with them when
their tasks are done.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from parley.forking import can_fork, forking

__all__ = ["can_fork", "share_out"]

T = TypeVar("T")


def _take(tasks: Sequence[Callable[[], T]], order: Sequence[int],
          turn: Any) -> Iterator[tuple[int, T]]:
    """Run the next task in ``order`` not yet taken by any process, until none is left."""
    while True:
        with turn.get_lock():
            k = turn.value
            turn.value = k + 1
        if k >= len(order):
            return
        yield order[k], tasks[order[k]]()


def _work(tasks: Sequence[Callable[[], Any]], order: Sequence[int], turn: Any,
          conn: Any) -> None:
    """A worker: report each task it finished; on any failure, stop quietly.

    What a worker did not report is run again by the parent, so a failing task
    raises there, with its own traceback, as it would have without workers.
    The worker's cyclic garbage collector is off (in the worker only, which
    exits when the tasks are done): a figure's tens of thousands of objects set
    off full collections, each walking them and the heap the worker inherited
    (copying its pages), while a dropped Figure is freed by reference counting.
    """
    gc.disable()
    with conn, contextlib.suppress(BaseException):  # Ctrl-C included: the parent has it
        for i, result in _take(tasks, order, turn):
            conn.send((i, result))


def _received(conn: Any) -> dict[int, Any]:
    out = {}
    with conn, contextlib.suppress(EOFError, OSError):  # EOF: the worker is done (or died)
        while True:
            i, result = conn.recv()
            out[i] = result
    return out


def _start(ctx: Any, tasks: Sequence[Callable[[], Any]], order: Sequence[int],
           turn: Any) -> tuple[Any, Any]:
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_work, args=(tasks, order, turn, send), daemon=True,
                       name="parley-figures")
    proc.start()
    send.close()  # the worker's end: EOF here once the worker exits
    return proc, receive


def share_out(tasks: Sequence[Callable[[], T]], jobs: int = 1,
              costs: Sequence[float] | None = None) -> list[T]:
    """Every task's result, in task order, with up to ``jobs`` tasks running at once.

    ``jobs`` forked workers take the tasks one at a time, the costliest first
    (``costs``, a guess; ties in task order), while this process waits.  With
    ``jobs=1``, a single task, or where forking is not safe (:func:`can_fork`),
    the tasks run here in order, exactly as a plain loop.  A task no worker
    finished (it raised, or its worker died) is run here after the others.
    """
    if jobs < 2 or len(tasks) < 2 or not can_fork():
        return [task() for task in tasks]
    costs = list(costs) if costs is not None else [1.0] * len(tasks)
    order = sorted(range(len(tasks)), key=lambda i: -costs[i])
    ctx = mp.get_context("fork")
    turn = ctx.Value("l", 0)
    with forking():
        started = [_start(ctx, tasks, order, turn) for _ in range(min(jobs, len(tasks)))]
    done: dict[int, T] = {}
    try:
        for proc, receive in started:
            done.update(_received(receive))
            proc.join()
    finally:
        for proc, receive in started:
            receive.close()
            if proc.is_alive():
                proc.terminate()
                proc.join()
    return [done[i] if i in done else tasks[i]() for i in range(len(tasks))]
