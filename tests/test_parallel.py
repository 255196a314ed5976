"""Parallel builds give the same bytes as a one-process build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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
