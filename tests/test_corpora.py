"""Every archive in ../shared/corpora builds, and every internal link and #fragment resolves."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import BuildResult
from generator.sitecheck import check_links
from tests.conftest import CORPORA, build_project

ARCHIVES = sorted(path.parent for path in CORPORA.glob("*/content/site.yml")) if CORPORA.is_dir() else []

pytestmark = [
    pytest.mark.corpora,
    pytest.mark.skipif(not ARCHIVES, reason=f"no corpora in {CORPORA}"),
]


@pytest.mark.parametrize("content", ARCHIVES, ids=lambda path: path.parent.name)
@pytest.mark.parametrize("project_site", [False, True], ids=["root", "project-site"])
def test_corpus_builds_with_no_broken_links(
    tmp_path: Path,
    content: Path,
    project_site: bool,
    project_site_build: Callable[[Path], tuple[BuildResult, Path]],
) -> None:
    """At a domain's root, and as a project site under /archive/ (the build the crawl test reads)."""
    if project_site:
        (result, out), base_path = project_site_build(content), "/archive/"
    else:
        out, base_path = tmp_path / "site", "/"
        result = build_project(content, out=out)
    assert result.articles == len(list((content / "articles").rglob("*.md")))
    assert [d for d in result.diagnostics if d.level == "error"] == []
    broken = check_links(out, base_path)
    assert broken == [], "\n".join(map(str, broken[:20]))
    # every entity has a page and its articles link to it
    assert result.entities == len(list((content / "entities").glob("*.md")))
    assert len(list((out / "entities").glob("*/index.html"))) == result.entities
