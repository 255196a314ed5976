"""Run a function over chunks of work in forked worker processes, results in input order.

Workers are forked after the caller has set `shared`, so they read the whole site
without pickling it; only each chunk's results travel back. One job, or a little
work, runs in this process: the output never depends on the number of jobs.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

shared: dict[str, Any] = {}  # read by the workers; set before they are forked
MIN_ITEMS_PER_JOB = 64


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def map_in_chunks(function: Callable[[Sequence[T]], list[R]], items: Sequence[T], jobs: int) -> list[R]:
    """function(chunk) -> results for that chunk, over `jobs` processes; results in order."""
    jobs = max(1, min(jobs, len(items) // MIN_ITEMS_PER_JOB))
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        return function(items)
    size = -(-len(items) // (jobs * 4))  # several chunks a job, so that a slow chunk does not stall the end
    chunks = [items[start : start + size] for start in range(0, len(items), size)]
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        parts = pool.map(function, chunks, chunksize=1)
    return [result for part in parts for result in part]
