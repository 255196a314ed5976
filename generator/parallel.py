"""Run a function over chunks of work in worker processes, results in input order.

The function is a picklable object that carries what every chunk needs (a stage's settings,
the entities' names): it reaches each worker once, as the worker starts, and only the chunks
and their results travel after that, each worker on a pipe of its own. Workers come from a
fork server, a clean process started before any thread of ours, so that they are safe to
start from the threaded watch server; nothing reaches them through the parent's memory. One
job, or a little work, runs in this process: the output never depends on the number of jobs.

Not multiprocessing.Pool: its terminate() can wait forever for its task thread, blocked
writing to a pipe that the killed workers no longer read (CPython issue 78178), which made
Ctrl-C hang a build now and then. Here no thread of ours writes, and stopping is a kill.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS_PER_JOB = 64
# Imported once by the fork server, so that its workers start with the generator loaded.
PRELOAD = ["generator.build"]
# Chunks finished ahead of a slow one, a worker, that the parent holds before it waits.
AHEAD_PER_WORKER = 4


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def start_method() -> str:
    """forkserver where the system has it (forking a process that runs threads can copy a held
    lock), else spawn: both start workers that share nothing with the parent."""
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def _context() -> Any:
    context = multiprocessing.get_context(start_method())
    if start_method() == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    return context


def jobs_for(jobs: int, items: int) -> int:
    return max(1, min(jobs, items // MIN_ITEMS_PER_JOB))


def map_in_chunks(
    function: Callable[[Sequence[T]], list[R]],
    items: Sequence[T],
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[R]:
    """function(chunk) -> results for that chunk, over `jobs` processes; results in order.
    `progress(done, total)` is called as chunks finish."""
    jobs = jobs_for(jobs, len(items))
    size = max(1, -(-len(items) // (jobs * 8)))  # several chunks a job: a slow one does not stall the end
    chunks = (items[start : start + size] for start in range(0, len(items), size))
    results: list[R] = []
    for part in stream(function, chunks, jobs):
        results.extend(part)
        if progress:
            progress(len(results), len(items))
    return results


def stream(function: Callable[[Sequence[T]], list[R]], chunks: Iterable[Sequence[T]], jobs: int) -> Iterator[list[R]]:
    """function(chunk) for each chunk as `chunks` yields it, in order. With jobs > 1 the chunks
    are made as workers come free (one made ahead), so a long stream of work is never held in
    memory whole."""
    if jobs <= 1:
        yield from map(function, chunks)
        return
    workers: list[_Worker] = []
    try:
        _start(workers, jobs, function)  # into `workers` as they start: a Ctrl-C meanwhile stops them too
        yield from _dispatch(workers, iter(chunks))
    finally:
        for worker in workers:  # done or stopped midway (an error, Ctrl-C): nothing to wait for
            worker.process.kill()
        for worker in workers:
            worker.process.join()
            worker.connection.close()


class _Worker(NamedTuple):
    process: Any
    connection: Connection


_END = object()


def _dispatch(workers: list[_Worker], chunks: Iterator[Sequence[T]]) -> Iterator[list[R]]:
    """Each free worker gets the next chunk; results come back in order. A worker holds one
    chunk at a time and is sent one only when it waits for it, so neither side ever blocks
    writing to the other; finished chunks wait for the slow one in front of them, at most
    AHEAD_PER_WORKER a worker (the memory a stream may hold)."""
    ready: Any = next(chunks, _END)
    free = [w.connection for w in workers]
    running: dict[Connection, int] = {}
    finished: dict[int, list[R]] = {}
    sent = given = 0
    while ready is not _END or running:
        while free and ready is not _END and sent - given < AHEAD_PER_WORKER * len(workers):
            connection = free.pop()
            connection.send(ready)
            running[connection], sent = sent, sent + 1
            ready = next(chunks, _END)
        for answered in wait(list(running)):
            assert isinstance(answered, Connection)
            finished[running.pop(answered)] = _result(answered)
            free.append(answered)
        while given in finished:
            yield finished.pop(given)
            given += 1


def _result(connection: Connection) -> Any:
    try:
        failed, value = connection.recv()
    except EOFError:
        raise RuntimeError("a worker process stopped without finishing its work") from None
    if failed:
        raise value
    return value


def _serve(function: Callable[[Sequence[Any]], list[Any]], connection: Connection) -> None:
    """A worker: run chunks as they come, until the parent kills it or is gone.
    Ctrl-C is the parent's to handle, which stops the workers (a worker must not print a
    traceback of its own)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (chunk := _next_chunk(connection)) is not None:
        try:
            connection.send((False, function(chunk)))
        except Exception as error:  # a bug in a stage: raised again in the parent, as Pool did
            _send_error(connection, error)


def _send_error(connection: Connection, error: Exception) -> None:
    """The error, or its traceback as text if it cannot be pickled; nothing if the parent is gone."""
    try:
        try:
            connection.send((True, error))
        except Exception:
            connection.send((True, RuntimeError("in a worker: " + "".join(traceback.format_exception(error)))))
    except OSError:
        pass


def _next_chunk(connection: Connection) -> Any:
    try:
        return connection.recv()
    except EOFError:
        return None


def _start(workers: list[_Worker], jobs: int, function: Callable[[Sequence[Any]], list[Any]]) -> None:
    """Worker processes for `function`, into `workers`. The processes started here (the
    forkserver among them, which would print a traceback if Ctrl-C came while it imports the
    generator) start with Ctrl-C ignored, which Python then leaves so; this process holds a
    Ctrl-C that comes meanwhile and gets it once the workers are up (Linux keeps a blocked
    signal pending even while it is ignored)."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        _spawn(workers, jobs, function)
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _spawn(workers, jobs, function)
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _spawn(workers: list[_Worker], jobs: int, function: Callable[[Sequence[Any]], list[Any]]) -> None:
    context = _context()
    for _ in range(jobs):
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve, args=(function, theirs), daemon=True)
        process.start()
        theirs.close()
        workers.append(_Worker(process, ours))
