"""The plan: pages as data, keyed by their inputs; sitemaps split as the protocol requires."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator import pages, parallel
from generator.model import PageSpec
from generator.render import pickled
from tests.conftest import build_project, site_tree, write_tree

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def archive(root: Path, articles: int) -> Path:
    files = {"site.yml": "title: Archivio\nlanguage: it\nbase_url: https://example.org/a/\n"}
    for n in range(articles):
        files[f"articles/a{n}.md"] = f"---\ntitle: Articolo {n}\ndate: 2024-01-{n % 28 + 1:02d}\n---\nTesto {n}.\n"
    return write_tree(root / "content", files)


def test_past_the_limit_the_sitemap_is_an_index_of_sitemaps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "SITEMAP_URLS", 4)
    result = build_project(archive(tmp_path, 6), out=tmp_path / "site")
    site = tmp_path / "site"
    index = ET.parse(site / "sitemap.xml").getroot()
    assert index.tag == f"{SITEMAP}sitemapindex"
    parts = [entry.findtext(f"{SITEMAP}loc") for entry in index]
    assert parts == [f"https://example.org/a/sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    urls = []
    for n in range(1, len(parts) + 1):
        part = ET.parse(site / f"sitemap-{n}.xml").getroot()
        assert part.tag == f"{SITEMAP}urlset" and 1 <= len(part) <= 4
        urls += [entry.findtext(f"{SITEMAP}loc") for entry in part]
    assert len(urls) == len(set(urls)) == result.pages > 4  # every page once
    assert "https://example.org/a/articles/a3/" in urls
    assert index[0].findtext(f"{SITEMAP}lastmod")  # the newest date of the pages it lists


def test_under_the_limit_one_sitemap(tmp_path: Path) -> None:
    build_project(archive(tmp_path, 3), out=tmp_path / "site")
    assert ET.parse(tmp_path / "site" / "sitemap.xml").getroot().tag == f"{SITEMAP}urlset"
    assert not (tmp_path / "site" / "sitemap-1.xml").exists()


def test_a_spec_pickles_to_the_same_bytes_however_its_values_are_shared() -> None:
    title = "".join(["Tito", "lo"])  # an equal string that is another object
    shared = PageSpec("x/", "home.html", {"a": title, "b": title})
    separate = PageSpec("x/", "home.html", {"a": title, "b": "Titolo"})
    assert pickled(shared) == pickled(separate)
    assert pickled(PageSpec("x/", "home.html", {"a": title, "b": "Altro"})) != pickled(shared)


def test_workers_share_nothing_with_the_parent(tmp_path: Path) -> None:
    """Started by a fork server (safe beside the watch server's threads), they get their work as
    arguments: a parallel build gives the bytes of a one-process build."""
    assert parallel.start_method() == "forkserver"
    assert not hasattr(parallel, "shared")
    content = archive(tmp_path, 300)
    build_project(content, out=tmp_path / "one", jobs=1)
    build_project(content, out=tmp_path / "two", jobs=2)
    assert site_tree(tmp_path / "one") == site_tree(tmp_path / "two")
