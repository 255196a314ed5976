"""The shipped archive, built once: cross-links both ways, valid feeds, no outside requests."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from generator.pages import initial
from generator.sitecheck import check_links
from tests.conftest import REPO, build_project, write_tree

ATOM = "{http://www.w3.org/2005/Atom}"
SEED = "articles/bytedance-caccia-esperti-ai/index.html"


def seed_entities() -> list[str]:
    text = (REPO / "content/articles/bytedance-caccia-esperti-ai.md").read_text(encoding="utf-8")
    return list(yaml.safe_load(text.split("---")[1])["entities"])


def test_the_seed_article_links_each_of_its_entities(shipped_site: Path) -> None:
    html = (shipped_site / SEED).read_text(encoding="utf-8")
    body = html.split('<div class="body">')[1].split("</article>")[0]
    linked = set(re.findall(r'<a class="mention[^"]*" href="/entities/([a-z0-9-]+)/"', body))
    assert linked == set(seed_entities())


def test_each_entity_page_links_back_with_the_mention_in_context(shipped_site: Path) -> None:
    article = (shipped_site / SEED).read_text(encoding="utf-8")
    for entity in seed_entities():
        page = (shipped_site / f"entities/{entity}/index.html").read_text(encoding="utf-8")
        page = page.split('<section class="mentions"')[1]
        assert '<a href="/articles/bytedance-caccia-esperti-ai/">' in page, entity
        snippet = re.search(
            r'<blockquote class="snippet"><p><a class="passage" href="([^"]+)">(.*?)<mark>(.*?)</mark>(.*?)</a>', page
        )
        assert snippet, f"no mention in context on the page of {entity}"
        anchor = snippet.group(1).split("#")[1]
        assert re.search(rf'<a class="mention[^"]*" href="/entities/{entity}/" id="{anchor}"', article), entity


def test_the_seed_reads_in_italian(shipped_site: Path) -> None:
    html = (shipped_site / SEED).read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html>\n<html lang="it">')
    assert '<article class="article" lang="it" data-pagefind-body>' in html
    assert '<time datetime="2025-02-10">10 febbraio 2025</time>' in html
    assert "Chi e cosa in questo articolo" in html
    assert "Leggi anche" not in html
    assert '<h2 id="i-piani-di-bytedance">I piani di ByteDance</h2>' in html


def test_entities_index_groups_by_type_with_counts(shipped_site: Path) -> None:
    html = (shipped_site / "entities/index.html").read_text(encoding="utf-8")
    for kind, heading in (("organization", "Organizzazioni"), ("place", "Luoghi"), ("product", "Prodotti")):
        assert f'<a href="#type-{kind}">{heading} <span class="count">' in html  # a jump to each type
        assert f'<h2 id="type-{kind}-title" class="type-{kind}">{heading} <span class="count">' in html
    assert '<a href="/entities/bytedance/">ByteDance</a> <span class="count">1</span>' in html
    assert '<details class="a-z" open>' in html  # a short list's A to Z is open


def test_a_long_entities_index_shows_the_most_mentioned_then_a_to_z_folded(tmp_path: Path) -> None:
    names = ["Émile Zola", "Ada Lovelace", "Alan Turing", "Zadie Smith", "1984 Group"] + [f"Bea {n}" for n in range(40)]
    files = {"site.yml": "title: T\nlanguage: en\n"}
    for number, name in enumerate(names):
        kind = "organization" if name[0].isdigit() else "person"
        files[f"entities/e{number}.md"] = f"---\nname: {name}\ntype: {kind}\n---\n"
    files["articles/a.md"] = (
        "---\ntitle: A\ndate: 2025-01-01\nentities: [e1, e1, e2]\n---\nAda Lovelace, Alan Turing.\n"
    )
    build_project(write_tree(tmp_path / "content", files), out=tmp_path / "site")
    html = (tmp_path / "site" / "entities/index.html").read_text(encoding="utf-8")
    people = html.split('id="type-person"')[1].split('<section class="entity-type"')[0]
    top = people.split("<details")[0]
    assert top.index(">Ada Lovelace<") < top.index(">Alan Turing<")  # most mentioned first, then by name
    assert top.count("<li>") == 12
    assert "<summary>All 44, A to Z</summary>" in people
    letters = re.findall(r'<h3 class="letter-mark">(.)</h3>', people)
    assert letters == ["A", "B", "E", "Z"]  # Émile under E, in order
    assert '<a href="#person-1">A</a><a href="#person-2">B</a>' in people and 'id="person-3"' in people
    assert [initial(name) for name in ("1984 Group", "Émile", "ÿ", "«Le Monde»")] == ["#", "E", "Y", "#"]


def test_parent_and_children_link_both_ways(shipped_site: Path) -> None:
    tiktok = (shipped_site / "entities/tiktok/index.html").read_text(encoding="utf-8")
    bytedance = (shipped_site / "entities/bytedance/index.html").read_text(encoding="utf-8")
    assert "<h2>Fa parte di</h2>" in tiktok and 'href="/entities/bytedance/"' in tiktok
    assert "<h2>Comprende</h2>" in bytedance and 'href="/entities/tiktok/"' in bytedance


def test_every_internal_link_resolves(shipped_site: Path) -> None:
    assert check_links(shipped_site) == []


def test_site_files(shipped_site: Path) -> None:
    for name in (".nojekyll", "robots.txt", "404.html", "feed.xml", "assets/style.css", "tags/index.html"):
        assert (shipped_site / name).is_file(), name


def test_no_requests_to_other_hosts(shipped_site: Path) -> None:
    for page in shipped_site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//', html), page
        assert "@import" not in html
    css = (shipped_site / "assets/style.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css


def test_feeds_are_well_formed_atom(shipped_site: Path) -> None:
    feeds = [shipped_site / "feed.xml", *shipped_site.glob("entities/*/feed.xml")]
    assert len(feeds) == 20
    for path in feeds:
        feed = ET.parse(path).getroot()
        assert feed.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated", "author"):
            assert feed.find(f"{ATOM}{required}") is not None, (path, required)
        for entry in feed.findall(f"{ATOM}entry"):
            for required in ("id", "title", "updated", "link"):
                assert entry.find(f"{ATOM}{required}") is not None, (path, required)
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.findtext(f"{ATOM}updated") or "")
            assert (entry.findtext(f"{ATOM}id") or "").startswith(("urn:uuid:", "https://", "http://"))


def test_project_site_uses_the_base_path_and_absolute_feed_urls(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_project(REPO / "content", out=out, base_url="https://example.github.io/archive/")
    assert check_links(out, "/archive/") == []
    not_found = (out / "404.html").read_text(encoding="utf-8")
    assert 'href="/archive/assets/style.css"' in not_found
    feed = ET.parse(out / "feed.xml").getroot()
    assert feed.findtext(f"{ATOM}id") == "https://example.github.io/archive/feed.xml"
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.github.io/archive/articles/bytedance-caccia-esperti-ai/</loc>" in sitemap
    assert "Sitemap: https://example.github.io/archive/sitemap.xml" in (out / "robots.txt").read_text()


HOSTILE = '</script><script>alert("x")</script> & <b>'


def test_user_text_is_escaped_everywhere(tmp_path: Path) -> None:
    content = write_tree(
        tmp_path / "content",
        {
            "site.yml": f"title: '{HOSTILE}'\nlanguage: en\nbase_url: https://example.org/\n",
            "entities/evil.md": f"---\nname: '{HOSTILE}'\ntype: person\ndescription: '{HOSTILE}'\n---\n",
            "articles/a.md": f"---\ntitle: '{HOSTILE}'\ndate: 2025-01-01\nentities: [evil]\ntags: ['{HOSTILE}']\n"
            f"summary: '{HOSTILE}'\nauthors: ['{HOSTILE}']\n---\nText [[evil|{HOSTILE}]].\n",
        },
    )
    out = tmp_path / "site"
    build_project(content, out=out)
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert '<script>alert("x")' not in html, page
        assert "<b>" not in html, page
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
            data = json.loads(block)  # valid JSON, whatever the text holds
            assert data.get("headline", HOSTILE) == HOSTILE and HOSTILE in _strings(data)
    for feed in [out / "feed.xml", *out.glob("entities/*/feed.xml")]:
        root = ET.parse(feed).getroot()  # well-formed despite the markup in every field
        assert root.findtext(f"{ATOM}title", "").startswith(HOSTILE)


def _strings(data: object) -> list[str]:
    """Every text in a JSON value, at any depth."""
    if isinstance(data, str):
        return [data]
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    return [text for value in values for text in _strings(value)]


def test_pagination_splits_long_lists(tmp_path: Path) -> None:
    files = {"site.yml": "title: T\nper_page: 2\n", "entities/e.md": "---\nname: E\ntype: topic\n---\n"}
    for day in range(1, 6):
        files[f"articles/a{day}.md"] = f"---\ntitle: A{day}\ndate: 2025-01-0{day}\nentities: [e]\n---\nAbout E.\n"
    out = tmp_path / "site"
    build_project(write_tree(tmp_path / "content", files), out=out)
    assert (out / "entities/e/page/3/index.html").is_file()
    assert not (out / "entities/e/page/4").exists()
    first = (out / "entities/e/index.html").read_text(encoding="utf-8")
    assert first.index("A5") < first.index("A4") and "A3" not in first
    assert 'rel="next" href="/entities/e/page/2/"' in first
    assert (out / "page/3/index.html").is_file()
    assert check_links(out) == []


@pytest.mark.parametrize("mode, expected", [("first", 1), ("all", 2), ("none", 0)])
def test_autolink_setting(tmp_path: Path, mode: str, expected: int) -> None:
    files = {
        "site.yml": f"title: T\nautolink: {mode}\n",
        "entities/e.md": "---\nname: Acme\ntype: organization\n---\n",
        "articles/a.md": "---\ntitle: A\ndate: 2025-01-01\nentities: [e]\n---\nAcme and Acme.\n",
    }
    out = tmp_path / "site"
    build_project(write_tree(tmp_path / "content", files), out=out)
    html = (out / "articles/a/index.html").read_text(encoding="utf-8")
    assert html.count('class="mention auto is-organization"') == expected


def test_drafts_are_skipped_unless_asked_for(tmp_path: Path) -> None:
    files = {"articles/d.md": "---\ntitle: D\ndate: 2025-01-01\ndraft: true\n---\n", "site.yml": "title: T\n"}
    content = write_tree(tmp_path / "content", files)
    build_project(content, out=tmp_path / "a")
    build_project(content, out=tmp_path / "b", drafts=True)
    assert not (tmp_path / "a/articles/d").exists()
    assert (tmp_path / "b/articles/d/index.html").is_file()


def test_static_files_are_copied(tmp_path: Path) -> None:
    files = {"site.yml": "title: T\n", "static/img/logo.svg": "<svg/>", "static/CNAME": "example.org"}
    out = tmp_path / "site"
    build_project(write_tree(tmp_path / "content", files), out=out)
    assert (out / "img/logo.svg").read_text() == "<svg/>"
    assert (out / "CNAME").read_text() == "example.org"


def test_unchanged_pages_keep_their_files_across_builds(tmp_path: Path) -> None:
    files = {
        "site.yml": "title: T\n",
        "entities/e.md": "---\nname: E\ntype: topic\n---\n",
        "articles/a.md": "---\ntitle: A\ndate: 2025-01-01\nentities: [e]\n---\nAbout E.\n",
        "articles/b.md": "---\ntitle: B\ndate: 2024-01-01\ntags: [x]\n---\nAlone.\n",
    }
    content = write_tree(tmp_path / "content", files)
    out = tmp_path / "site"
    build_project(content, out=out)
    before = {p: p.stat() for p in out.rglob("*") if p.is_file()}
    build_project(content, out=out)
    assert {p: (s.st_ino, s.st_mtime_ns) for p, s in before.items()} == {
        p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in before
    }
    (content / "articles/a.md").write_text(files["articles/a.md"] + "More.\n", encoding="utf-8")
    build_project(content, out=out)
    assert (out / "articles/a/index.html").stat().st_ino != before[out / "articles/a/index.html"].st_ino
    assert "More." in (out / "articles/a/index.html").read_text(encoding="utf-8")
    assert (out / "tags/x/index.html").stat().st_ino == before[out / "tags/x/index.html"].st_ino
