"""Parallel builds give the same bytes as a one-process build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED, build_project

MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


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
    reference = tree(tmp_path / "one")
    assert tree(tmp_path / "two") == reference
    assert tree(tmp_path / "three") == reference
