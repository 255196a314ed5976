"""Every archive in ../shared/corpora builds, and every internal link and #fragment resolves."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.sitecheck import check_links
from tests.conftest import CORPORA, build_project

ARCHIVES = sorted(path.parent for path in CORPORA.glob("*/content/site.yml")) if CORPORA.is_dir() else []

pytestmark = [
    pytest.mark.corpora,
    pytest.mark.skipif(not ARCHIVES, reason=f"no corpora in {CORPORA}"),
]


@pytest.mark.parametrize("content", ARCHIVES, ids=lambda path: path.parent.name)
@pytest.mark.parametrize("base_url, base_path", [(None, "/"), ("https://example.github.io/archive/", "/archive/")])
def test_corpus_builds_with_no_broken_links(
    tmp_path: Path, content: Path, base_url: str | None, base_path: str
) -> None:
    out = tmp_path / "site"
    result = build_project(content, out=out, base_url=base_url)
    assert result.articles == len(list((content / "articles").rglob("*.md")))
    assert [d for d in result.diagnostics if d.level == "error"] == []
    broken = check_links(out, base_path)
    assert broken == [], "\n".join(map(str, broken[:20]))
    # every entity has a page and its articles link to it
    assert result.entities == len(list((content / "entities").glob("*.md")))
    assert len(list((out / "entities").glob("*/index.html"))) == result.entities
