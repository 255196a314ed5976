"""The search index: made by Pagefind at build time, kept with the site, never a broken box."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from generator import search
from generator.build import BuildOptions
from generator.errors import ContentError
from generator.incremental import Workspace
from generator.search import BUNDLES, Cancelled, bundles, find_pagefind
from tests.conftest import REPO, build_project, copy_content, site_tree

needs_pagefind = pytest.mark.skipif(find_pagefind() is None, reason="the Pagefind program is not installed")


def html_pages(site: Path) -> list[Path]:
    return [path for path in site.rglob("*.html") if not path.is_relative_to(site / "pagefind")]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return copy_content(REPO / "content", tmp_path / "content")


@needs_pagefind
def test_the_site_has_an_index_and_a_search_box_on_every_page(archive: Path) -> None:
    site = archive.parent / "site"
    build_project(archive, out=site, base_url="/archive/")
    [bundle] = json.loads((site / BUNDLES).read_text(encoding="utf-8"))["bundles"]  # a small archive: one
    entry = json.loads((site / "pagefind" / bundle["folder"] / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["it"]  # the site's language: Italian stemming
    assert (site / "pagefind" / "pagefind-ui.js").is_file()
    for page in html_pages(site):
        text = page.read_text(encoding="utf-8")
        assert '<form class="search-form" role="search" action="/archive/search/"' in text, page
    search = (site / "search" / "index.html").read_text(encoding="utf-8")
    assert 'src="/archive/pagefind/pagefind-ui.js"' in search
    assert 'data-base="/archive/"' in search  # results link under the base path


@needs_pagefind
def test_only_the_content_is_indexed_with_names_first(archive: Path) -> None:
    site = archive.parent / "site"
    build_project(archive, out=site)
    article = (site / "articles" / "bytedance-caccia-esperti-ai" / "index.html").read_text(encoding="utf-8")
    assert article.count("data-pagefind-body") == 1
    assert '<article class="article" lang="it" data-pagefind-body>' in article
    entity = (site / "entities" / "bytedance" / "index.html").read_text(encoding="utf-8")
    assert '<h1 data-pagefind-weight="10">ByteDance</h1>' in entity
    assert 'data-pagefind-filter="Tipo"' in entity
    for listing in ("index.html", "entities/index.html", "tags/index.html", "404.html"):
        assert "data-pagefind-body" not in (site / listing).read_text(encoding="utf-8"), listing


@needs_pagefind
def test_a_rebuild_indexes_again_only_when_pages_changed(archive: Path) -> None:
    site = archive.parent / "site"
    build_project(archive, out=site)
    entry = site / BUNDLES
    before = entry.stat().st_mtime_ns, entry.read_bytes()
    result = build_project(archive, out=site)
    assert not any(path.startswith("pagefind/") for path in result.changed)
    assert entry.stat().st_mtime_ns == before[0]
    article = next((archive / "articles").rglob("*.md"))
    article.write_text(article.read_text(encoding="utf-8").replace("ByteDance", "ByteDance Ltd", 1), encoding="utf-8")
    result = build_project(archive, out=site)
    assert any(path.startswith("pagefind/") for path in result.changed)
    assert entry.read_bytes() != before[1]  # the index names its new fragments


@needs_pagefind
def test_an_index_removed_by_hand_is_made_again(archive: Path) -> None:
    site = archive.parent / "site"
    build_project(archive, out=site)
    (site / BUNDLES).unlink()
    build_project(archive, out=site)
    assert (site / BUNDLES).is_file()


@needs_pagefind
def test_search_false_builds_without_index_or_box(archive: Path) -> None:
    site = archive.parent / "site"
    build_project(archive, out=site)
    assert (site / BUNDLES).is_file()
    site_yml = archive / "site.yml"
    site_yml.write_text(site_yml.read_text(encoding="utf-8") + "search: false\n", encoding="utf-8")
    result = build_project(archive, out=site)
    assert not (site / "pagefind").exists()  # the last build's index is gone with its box
    assert not [d for d in result.diagnostics if "search" in d.message]
    assert all('role="search"' not in page.read_text(encoding="utf-8") for page in html_pages(site))


def test_without_pagefind_the_site_has_no_search_box_and_says_why(
    archive: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RASSEGNA_PAGEFIND", str(archive.parent / "no-such-program"))
    site = archive.parent / "site"
    result = build_project(archive, out=site)
    [warning] = [d for d in result.diagnostics if "search" in d.message]
    assert warning.level == "warning" and warning.path.endswith("site.yml")
    assert "pip install 'pagefind[bin]'" in warning.message and "search: false" in warning.message
    assert not (site / "pagefind").exists()
    assert all('role="search"' not in page.read_text(encoding="utf-8") for page in html_pages(site))
    assert "non ha un indice di ricerca" in (site / "search" / "index.html").read_text(encoding="utf-8")


@needs_pagefind
def test_a_failing_indexer_fails_the_build_and_keeps_the_index(archive: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = archive.parent / "site"
    build_project(archive, out=site)
    index = {p.relative_to(site): p.read_bytes() for p in (site / "pagefind").rglob("*") if p.is_file()}
    broken = archive.parent / "pagefind"
    broken.write_text("#!/bin/sh\necho 'Error: out of disk space' >&2\nexit 1\n", encoding="utf-8")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("RASSEGNA_PAGEFIND", str(broken))
    article = next((archive / "articles").rglob("*.md"))
    article.write_text(article.read_text(encoding="utf-8") + "\nUna riga in più.\n", encoding="utf-8")
    with pytest.raises(ContentError) as failure:
        build_project(archive, out=site)
    [problem] = failure.value.diagnostics
    assert problem.path == str(site / "pagefind")
    assert "out of disk space" in problem.message and "search: false" in problem.message
    assert {p.relative_to(site): p.read_bytes() for p in (site / "pagefind").rglob("*") if p.is_file()} == index
    monkeypatch.delenv("RASSEGNA_PAGEFIND")
    build_project(archive, out=site)  # the next build completes it
    assert "Una riga in più" in (site / "articles" / "bytedance-caccia-esperti-ai" / "index.html").read_text("utf-8")
    assert os.path.getsize(site / BUNDLES) > 0


@needs_pagefind
def test_the_server_indexes_again_when_edits_pause(archive: Path) -> None:
    site = archive.parent / "site"
    workspace = Workspace(BuildOptions(content=archive, out=site, templates=REPO / "templates", jobs=1))
    workspace.rebuild()
    assert workspace.index_behind and not (site / BUNDLES).exists()  # the server's first build serves at once
    workspace.index_again()
    assert not workspace.index_behind
    entry = (site / BUNDLES).read_bytes()
    article = next((archive / "articles").rglob("*.md"))
    article.write_text(article.read_text(encoding="utf-8").replace("giganti", "colossi", 1), encoding="utf-8")
    result = workspace.rebuild({str(article)})
    assert result.changed and workspace.index_behind  # a quick rebuild: the pages, not the index
    with pytest.raises(Cancelled):
        workspace.index_again(lambda: True)  # an edit came: the index is made after its rebuild
    assert workspace.index_behind and (site / BUNDLES).read_bytes() == entry
    workspace.index_again()
    assert not workspace.index_behind and (site / BUNDLES).read_bytes() != entry
    clean = archive.parent / "clean"
    build_project(archive, out=clean)
    assert site_tree(site) == site_tree(clean)
    assert build_project(archive, out=site).changed == ()  # the server's manifest knows the new index


@needs_pagefind
def test_a_server_stopped_with_the_index_behind_leaves_it_to_the_next_build(archive: Path) -> None:
    site = archive.parent / "site"
    workspace = Workspace(BuildOptions(content=archive, out=site, templates=REPO / "templates", jobs=1))
    workspace.rebuild()
    workspace.index_again()
    entry = (site / BUNDLES).read_bytes()
    article = next((archive / "articles").rglob("*.md"))
    article.write_text(article.read_text(encoding="utf-8").replace("giganti", "colossi", 1), encoding="utf-8")
    workspace.rebuild({str(article)})
    workspace.save()  # the server stops before the edits pause
    result = build_project(archive, out=site)
    assert any(path.startswith("pagefind/") for path in result.changed)
    assert (site / BUNDLES).read_bytes() != entry


def test_bundles_hold_whole_consecutive_units() -> None:
    pages = [("a1", "m1"), ("a2", "m1"), ("a3", "m2"), ("a4", "m3"), ("a5", "m3"), ("a6", "m3"), ("a7", "m4")]
    made = bundles(pages, size=3)
    assert [(b.folder, b.pages) for b in made] == [
        ("m1", ("a1", "a2", "a3")),
        ("m3", ("a4", "a5", "a6")),
        ("m4", ("a7",)),
    ]
    assert [b.folder for b in bundles([(f"p{n}", "big") for n in range(5)], size=3)] == ["big"]  # never split


@pytest.fixture
def small_bundles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "BUNDLE_PAGES", 4)


def bundle_files(site: Path) -> dict[str, dict[str, int]]:
    """Each bundle's files, with their mtimes."""
    listed = json.loads((site / BUNDLES).read_text(encoding="utf-8"))["bundles"]
    folders = [site / "pagefind" / bundle["folder"] for bundle in listed]
    return {f.name: {p.relative_to(f).as_posix(): p.stat().st_mtime_ns for p in f.rglob("*") if p.is_file()} for f in folders}  # fmt: skip


@needs_pagefind
def test_a_large_archive_is_indexed_in_bundles_and_an_edit_makes_again_only_its_own(
    archive: Path, small_bundles: None
) -> None:
    site = archive.parent / "site"
    build_project(archive, out=site)
    before = bundle_files(site)
    # 1 article, then 19 entities by initial, at most 4 pages a bundle and never a split initial
    # b c c d | g g | h h h | i i m n | o s s t | v z
    expected = ["articles-2025-02", "entities-b", "entities-g", "entities-h", "entities-i", "entities-o", "entities-v"]
    assert list(before) == expected
    assert sorted(p.name for p in (site / "pagefind").iterdir() if p.is_file()) == [
        "bundles.json", "pagefind-ui.css", "pagefind-ui.js"
    ]  # fmt: skip
    assert not any("-ui." in path for files in before.values() for path in files)  # the box is at the top, once
    tiktok = archive / "entities" / "tiktok.md"
    tiktok.write_text(tiktok.read_text(encoding="utf-8") + "\nÈ stata lanciata nel 2016.\n", encoding="utf-8")
    result = build_project(archive, out=site)
    after = bundle_files(site)
    assert {folder for folder in before if after[folder] != before[folder]} == {"entities-o"}
    assert {path.split("/")[1] for path in result.changed if path.count("/") > 1} & set(before) == {"entities-o"}
    assert not any(path.startswith("pagefind/entities-b/") for path in result.changed)
    assert build_project(archive, out=site).changed == ()


@needs_pagefind
def test_bundles_follow_the_archive_when_a_month_goes(archive: Path, small_bundles: None) -> None:
    site = archive.parent / "site"
    build_project(archive, out=site)
    article = next((archive / "articles").rglob("*.md"))
    text = article.read_text(encoding="utf-8")
    assert "date: 2025-02-" in text
    article.write_text(text.replace("date: 2025-02-", "date: 2024-07-", 1), encoding="utf-8")
    build_project(archive, out=site)
    assert list(bundle_files(site))[0] == "articles-2024-07"
    assert not (site / "pagefind" / "articles-2025-02").exists()  # the old month's bundle is gone
    clean = archive.parent / "clean"
    build_project(archive, out=clean)
    # Pagefind names filter files (and so its meta file) differently from run to run
    # (pagefind#638): the pages' fragments and the word index are compared
    made, fresh = ({k: sorted(p for p in v if p.startswith(("fragment/", "index/"))) for k, v in bundle_files(s).items()} for s in (site, clean))  # fmt: skip
    assert made == fresh
    assert site_tree(site) == site_tree(clean)


@needs_pagefind
def test_after_the_server_the_next_build_makes_again_only_the_bundles_behind(
    archive: Path, small_bundles: None
) -> None:
    site = archive.parent / "site"
    workspace = Workspace(BuildOptions(content=archive, out=site, templates=REPO / "templates", jobs=1))
    workspace.rebuild()
    assert workspace.index_again() == (7, 7)
    before = bundle_files(site)
    tiktok = archive / "entities" / "tiktok.md"
    tiktok.write_text(tiktok.read_text(encoding="utf-8") + "\nÈ stata lanciata nel 2016.\n", encoding="utf-8")
    workspace.rebuild({str(tiktok)})
    workspace.save()  # the server stops before the edits pause
    result = build_project(archive, out=site)
    assert result.indexed[:2] == (1, 7)
    assert {folder for folder, files in bundle_files(site).items() if files != before[folder]} == {"entities-o"}
