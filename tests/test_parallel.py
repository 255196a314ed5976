"""Parallel builds give the same bytes as a one-process build; workers give results in order
and stop on an error, a dead worker, or a stream left midway."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
import types
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from generator import parallel
from tests.conftest import SHARED, build_project, site_tree

MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"


@pytest.mark.skipif(not MAKE_CORPUS.exists(), reason=f"{MAKE_CORPUS} not found")
def test_output_does_not_depend_on_the_number_of_jobs(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, str(MAKE_CORPUS), "--articles", "300", "--entities", "60", "--out", str(corpus)],
        check=True, capture_output=True,
    )  # fmt: skip
    one = build_project(corpus / "content", out=tmp_path / "one", jobs=1)
    two = build_project(corpus / "content", out=tmp_path / "two", jobs=2)
    three = build_project(corpus / "content", out=tmp_path / "three", jobs=3)
    assert one.pages == two.pages == three.pages > 300
    reference = site_tree(tmp_path / "one")
    assert site_tree(tmp_path / "two") == reference
    assert site_tree(tmp_path / "three") == reference


class Slow:
    """Squares a chunk's numbers, slowly for some, or fails as told: picklable, for workers."""

    def __init__(self, fail_at: int | None = None, die_at: int | None = None, odd_at: int | None = None) -> None:
        self.fail_at, self.die_at, self.odd_at = fail_at, die_at, odd_at

    def __call__(self, chunk: Sequence[int]) -> list[int]:
        if self.die_at in chunk:
            os._exit(3)
        if self.fail_at in chunk:
            raise ValueError(f"no {self.fail_at}")
        if self.odd_at in chunk:
            raise Unpicklable(lambda: None)
        time.sleep(0.05 * (chunk[0] % 3 == 0))  # one chunk in three is slow: results finish out of order
        return [n * n for n in chunk]


class Unpicklable(Exception):
    def __init__(self, callback: object) -> None:
        super().__init__("cannot travel")
        self.callback = callback


def _chunks(count: int) -> Iterator[list[int]]:
    return ([n, n + 1000] for n in range(count))


def test_workers_give_every_result_in_order() -> None:
    assert list(parallel.stream(Slow(), _chunks(40), jobs=3)) == [Slow()(c) for c in _chunks(40)]
    assert not multiprocessing.active_children()


@pytest.mark.parametrize(
    ("slow", "error", "message"),
    [
        (Slow(fail_at=17), ValueError, "no 17"),  # raised again in the parent
        (Slow(odd_at=9), RuntimeError, r"(?s)in a worker: Traceback.*Unpicklable: cannot travel\n$"),
        (Slow(die_at=5), RuntimeError, "stopped without finishing"),  # an error, not a hang
    ],
    ids=["failing chunk", "error that cannot be pickled", "worker that dies"],
)
def test_a_chunk_that_fails_is_an_error_in_the_parent_and_stops_the_workers(
    slow: Slow, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        list(parallel.stream(slow, _chunks(40), jobs=2))
    assert not multiprocessing.active_children()


def test_a_stream_left_midway_stops_its_workers() -> None:
    results = parallel.stream(Slow(), _chunks(40), jobs=2)
    assert isinstance(results, types.GeneratorType)
    assert next(results) == [0, 1000000]
    results.close()
    assert not multiprocessing.active_children()
