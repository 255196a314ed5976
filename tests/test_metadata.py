"""What machines and other sites read of the pages: sharing cards, JSON-LD, feeds, the sitemap."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator import pages
from generator.errors import ContentError
from tests.conftest import build_project, write_tree

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://example.org/archive/"
HOSTILE = 'Acme "quoted" <script>alert(1)</script> & co'
TITLE = 'Titolo "><script>alert(2)</script> & altro'

ARCHIVE = {
    "site.yml": "title: Rassegna & co\nlanguage: it\n",
    "entities/acme.md": f"""\
        ---
        name: '{HOSTILE}'
        type: organization
        aliases: [Acme, {{name: アクメ, lang: ja}}]
        description: Una ditta.
        wikidata: Q42
        website: https://acme.example/
        ---
        """,
    "entities/redazione.md": "---\nname: Redazione Centrale\ntype: organization\n---\n",
    "entities/cina.md": "---\nname: Cina\ntype: place\n---\n",
    "entities/mario.md": "---\nname: Mario Rossi\ntype: person\n---\n",
    "articles/a.md": """\
        ---
        title: Primo
        date: 2025-01-01
        updated: 2025-03-05T10:00:00+01:00
        tags: [Cina, economia]
        authors: [Redazione Centrale, Anna Bianchi]
        entities: [acme, mario]
        ---
        Testo su [[acme|Acme]] e [[mario|Mario Rossi]].[^1]

        [^1]: Una nota.
        """,
    "articles/b.md": "---\ntitle: Secondo\ndate: 2025-02-01\ntags: [economia]\n---\nNiente.\n",
    "articles/c.md": f"---\ntitle: '{TITLE}'\ndate: 2024-06-01\nsummary: '{TITLE}'\n---\nVecchio.\n",
}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    out = tmp_path / "site"
    build_project(write_tree(tmp_path / "content", ARCHIVE), out=out, base_url=BASE)
    return out


def json_ld(page: Path) -> dict:  # type: ignore[type-arg]
    text = page.read_text(encoding="utf-8")
    [data] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    return json.loads(data)  # type: ignore[no-any-return]


def meta(page: Path, name: str) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return [html.unescape(v) for v in re.findall(rf'<meta (?:property|name)="{name}" content="([^"]*)">', text)]


def html_pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html") if "pagefind" not in p.parts]


def test_every_page_has_sharing_cards_escaped(site: Path) -> None:
    for page in html_pages(site):
        for name in ("og:title", "og:description", "og:type", "og:site_name", "og:locale", "twitter:card"):
            assert len(meta(page, name)) == 1, (page, name)
        assert meta(page, "og:locale") == ["it_IT"]
        assert "<script>alert" not in page.read_text(encoding="utf-8")
        assert '"><script>' not in page.read_text(encoding="utf-8")
        assert '<link rel="icon" href="/archive/assets/favicon.svg" type="image/svg+xml">' in page.read_text("utf-8")
    entity = site / "entities/acme/index.html"
    assert meta(entity, "og:title") == meta(entity, "twitter:title") == [HOSTILE]  # the site is og:site_name
    assert meta(entity, "og:description") == ["Una ditta."]
    assert meta(entity, "og:site_name") == ["Rassegna & co"]
    assert meta(site / "entities/cina/index.html", "og:description") == ["Cina"]  # no description: its name
    hostile = site / "articles/c/index.html"
    assert meta(hostile, "og:title") == meta(hostile, "twitter:description") == [TITLE]
    assert meta(site / "index.html", "og:title") == ["Rassegna & co"]
    assert meta(site / "index.html", "og:url") == [BASE]
    assert meta(site / "search/index.html", "og:title") == ["Cerca"]
    assert meta(site / "search/index.html", "og:url") == [BASE + "search/"]
    assert meta(site / "tags/economia/index.html", "og:title") == ["Articoli con il tag «economia»"]
    assert meta(site / "entities/index.html", "og:title") == ["Tutte le entità"]
    assert meta(site / "404.html", "og:title") == ["Pagina non trovata"]
    assert meta(entity, "og:url") == [BASE + "entities/acme/"]
    assert meta(site / "entities/mario/index.html", "og:type") == ["profile"]
    article = site / "articles/a/index.html"
    assert meta(article, "og:type") == ["article"]
    assert meta(site / "tags/cina/index.html", "og:type") == ["website"]
    for page in html_pages(site):
        if "articles" not in page.relative_to(site).parts:
            assert meta(page, "article:published_time") == [], page
    assert meta(site / "404.html", "og:url") == []  # served at every missing address
    assert (site / "assets/favicon.svg").read_text(encoding="utf-8").startswith("<svg")


def test_an_article_says_when_it_was_published_and_changed_once(site: Path) -> None:
    article = site / "articles/a/index.html"
    assert meta(article, "article:published_time") == ["2025-01-01"]
    assert meta(article, "article:modified_time") == ["2025-03-05T10:00:00+01:00"]
    assert meta(article, "article:tag") == ["Cina", "economia"]
    never_updated = site / "articles/b/index.html"
    assert meta(never_updated, "article:modified_time") == ["2025-02-01"]


def test_json_ld_cannot_end_its_script_element(site: Path) -> None:
    text = (site / "articles/a/index.html").read_text(encoding="utf-8")
    [script] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert "<" not in script and "\\u003c/script\\u003e" in script  # the entity's name, escaped
    assert json_ld(site / "articles/c/index.html")["headline"] == TITLE


def test_the_news_article_json_ld_is_complete(site: Path) -> None:
    data = json_ld(site / "articles/a/index.html")
    assert data["@type"] == "NewsArticle" and data["headline"] == "Primo"
    assert data["dateModified"] == "2025-03-05T10:00:00+01:00" and data["datePublished"] == "2025-01-01"
    assert data["description"] and data["mainEntityOfPage"] == BASE + "articles/a/"
    assert data["publisher"] == {"@type": "Organization", "name": "Rassegna & co", "url": BASE}
    assert "about" not in data  # never "about": []
    acme = next(thing for thing in data["mentions"] if thing["url"] == BASE + "entities/acme/")
    assert acme["name"] == HOSTILE
    assert acme["sameAs"] == ["https://www.wikidata.org/wiki/Q42", "https://acme.example/"]
    assert [(a["@type"], a["name"]) for a in data["author"]] == [
        ("Organization", "Redazione Centrale"),  # an organisation of the archive
        ("Person", "Anna Bianchi"),
    ]
    assert json_ld(site / "articles/b/index.html")["dateModified"] == "2025-02-01"


def test_entity_and_list_pages_have_json_ld(site: Path) -> None:
    acme = json_ld(site / "entities/acme/index.html")
    assert acme["@type"] == "CollectionPage" and acme["url"] == BASE + "entities/acme/"
    thing = acme["mainEntity"]
    assert thing["@type"] == "Organization" and thing["alternateName"] == ["Acme", "アクメ"]
    assert thing["description"] == "Una ditta." and thing["sameAs"][0] == "https://www.wikidata.org/wiki/Q42"
    assert json_ld(site / "entities/mario/index.html")["@type"] == "ProfilePage"
    home = json_ld(site / "index.html")
    assert home["@type"] == "CollectionPage"
    assert [(i["position"], i["url"]) for i in home["mainEntity"]["itemListElement"]] == [
        (1, BASE + "articles/b/"),
        (2, BASE + "articles/a/"),
        (3, BASE + "articles/c/"),
    ]
    assert home["mainEntity"]["itemListElement"][2]["name"] == TITLE
    tag = json_ld(site / "tags/economia/index.html")
    assert tag["name"] == "economia" and tag["mainEntity"]["numberOfItems"] == 2
    assert json_ld(site / "entities/index.html")["mainEntity"]["numberOfItems"] == 4
    assert json_ld(site / "tags/index.html")["mainEntity"]["numberOfItems"] == 2


def test_feeds_resolve_in_page_links_carry_tags_and_both_dates(site: Path) -> None:
    feed = ET.parse(site / "feed.xml").getroot()
    assert feed.find(f"{ATOM}updated").text == "2025-03-05T09:00:00Z"  # the latest change, in UTC
    first = feed.findall(f"{ATOM}entry")[1]
    assert first.get("{http://www.w3.org/XML/1998/namespace}base") == BASE + "articles/a/"
    assert first.find(f"{ATOM}published").text == "2025-01-01T00:00:00Z"
    assert first.find(f"{ATOM}updated").text == "2025-03-05T09:00:00Z"
    categories = [(c.get("term"), c.get("label"), c.get("scheme")) for c in first.findall(f"{ATOM}category")]
    assert categories == [("cina", "Cina", BASE + "tags/"), ("economia", "economia", BASE + "tags/")]
    assert 'href="#fn1"' in first.find(f"{ATOM}content").text  # resolved against xml:base: the article


def test_every_tag_has_a_feed_and_links_to_the_entity_of_its_name(site: Path) -> None:
    feed = ET.parse(site / "tags/economia/feed.xml").getroot()
    assert [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")] == ["Secondo", "Primo"]
    tag = (site / "tags/cina/index.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" type="application/atom+xml"' in tag and 'href="/archive/tags/cina/feed.xml"' in tag
    assert '<a href="/archive/entities/cina/">' in tag
    entity = (site / "entities/cina/index.html").read_text(encoding="utf-8")
    assert '<a href="/archive/tags/cina/" rel="tag">' in entity
    assert 'rel="tag"' not in (site / "entities/mario/index.html").read_text(encoding="utf-8")


def test_an_alias_in_another_language_is_marked_with_it(site: Path) -> None:
    page = (site / "entities/acme/index.html").read_text(encoding="utf-8")
    assert '<span data-pagefind-weight="9" lang="ja">アクメ</span>' in page
    assert '<span data-pagefind-weight="9">Acme</span>' in page
    assert '<a href="https://www.wikidata.org/wiki/Q42" rel="external">Wikidata Q42</a>' in page
    assert '<a href="https://acme.example/" rel="external">acme.example</a>' in page


def test_every_sitemap_url_with_a_date_has_lastmod(site: Path) -> None:
    urls = {
        u.find(f"{SITEMAP}loc").text: u.find(f"{SITEMAP}lastmod")
        for u in ET.parse(site / "sitemap.xml").getroot().findall(f"{SITEMAP}url")
    }
    assert all(lastmod is not None for lastmod in urls.values()), [u for u, m in urls.items() if m is None]
    assert urls[BASE + "articles/a/"].text == "2025-03-05"  # updated
    assert urls[BASE + "tags/economia/"].text == "2025-03-05"  # its latest article's change
    assert urls[BASE + "entities/cina/"].text == "2025-03-05"  # not a list: the archive's latest
    assert urls[BASE + "articles/b/"].text == "2025-02-01"
    assert urls[BASE + "entities/mario/"].text == "2025-03-05"  # the latest change of its articles
    assert urls[BASE].text == urls[BASE + "entities/"].text == "2025-03-05"


@pytest.mark.parametrize(
    "updated, message",
    [
        ("2024-12-31", "'updated' is before 'date'"),
        ("yesterday", "'updated'"),
    ],
)
def test_a_bad_updated_is_an_error_on_its_line(tmp_path: Path, updated: str, message: str) -> None:
    files = {
        "site.yml": "title: T\n",
        "articles/a.md": f"---\ntitle: A\ndate: 2025-01-01\nupdated: {updated}\n---\nText.\n",
    }
    with pytest.raises(ContentError) as failure:
        build_project(write_tree(tmp_path / "content", files), out=tmp_path / "site")
    [problem] = failure.value.diagnostics
    assert problem.line == 4 and message in problem.message, problem


def test_a_bad_alias_language_is_an_error(tmp_path: Path) -> None:
    files = {
        "site.yml": "title: T\n",
        "entities/x.md": "---\nname: X\ntype: place\naliases: [{name: Y, lang: 'not a tag'}]\n---\n",
    }
    with pytest.raises(ContentError) as failure:
        build_project(write_tree(tmp_path / "content", files), out=tmp_path / "site")
    assert "BCP 47" in failure.value.diagnostics[0].message


def test_without_a_host_feeds_resolve_links_against_root_relative_urls(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_project(write_tree(tmp_path / "content", ARCHIVE), out=out, base_url="/archive/")
    feed = ET.parse(out / "feed.xml").getroot()
    bases = [e.get("{http://www.w3.org/XML/1998/namespace}base") for e in feed.findall(f"{ATOM}entry")]
    assert bases == ["/archive/articles/b/", "/archive/articles/a/", "/archive/articles/c/"]
    assert not (out / "sitemap.xml").exists()
    page = out / "articles/a/index.html"
    assert meta(page, "og:url") == [] and meta(page, "og:title") == ["Primo"]
    assert json_ld(page)["publisher"]["url"] == "/archive/"


# A theme whose pages print parts of their context, a line each, to check what templates get.
NL = "{{ '\\n' }}"
PRINTING_THEME = {
    "entities.html": "{% for group in types %}{{ group.type }}|{{ group.label }}|{{ group.total }}|"
    "{% for l in group.top %}{{ l.text }}:{{ l.note }},{% endfor %}|"
    "{% for letter, links in group.letters %}{{ letter }}={% for l in links %}{{ l.text }};{% endfor %} {% endfor %}"
    + NL
    + "{% endfor %}",
    "entity.html": "{% for l in co_mentioned %}{{ l.text }}:{{ l.note }}:{{ l.weight }},{% endfor %}"
    + NL
    + "{% for a in aliases %}{{ a.text }}/{{ a.lang }},{% endfor %}"
    + NL
    + "{% for l in external %}{{ l.url }} {{ l.text }},{% endfor %}"
    + NL
    + "{{ tag.url if tag else '-' }}",
    "article.html": "{% for c in cards %}{{ c.url }}|{{ c.name }}|{{ c.type }}|{{ c.label }}|{{ c.description }}"
    + NL
    + "{% endfor %}",
    "tag.html": "{{ entity.url if entity else '-' }} {{ tag_feed_url }}",
}


def test_templates_get_cards_types_ranked_links_and_cross_links(tmp_path: Path) -> None:
    content = write_tree(
        tmp_path / "content",
        {
            "site.yml": "title: T\nlanguage: it\n",
            "entities/eric.md": "---\nname: Éric Zola\ntype: person\naliases: [Eric, {name: Erik, lang: de}]\n---\n",
            "entities/anna.md": "---\nname: anna Bianchi\ntype: person\ndescription: Giornalista.\n---\n",
            "entities/zeta.md": "---\nname: Zeta\ntype: person\nwikidata: Q1\nwebsite: https://zeta.example/x\n---\n",
            "entities/3m.md": "---\nname: 3M\ntype: organization\n---\n",
            "articles/one.md": "---\ntitle: One\ndate: 2025-01-01\ntags: [Zeta]\n---\n[[eric]] [[zeta]] [[3m]] [[anna]]\n",
            "articles/two.md": "---\ntitle: Two\ndate: 2025-01-02\n---\n[[eric]] [[zeta]]\n",
        },
    )
    theme = write_tree(tmp_path / "theme", PRINTING_THEME)
    out = tmp_path / "site"
    build_project(content, out=out, templates=theme)

    def shown(path: str) -> list[str]:
        return (out / path).read_text(encoding="utf-8").rstrip("\n").split("\n")

    person, organization = [line.rstrip() for line in shown("entities/index.html")]
    # by count, then by name; initials without accents, digits under '#'
    assert person == "person|Persone|3|Éric Zola:2,Zeta:2,anna Bianchi:1,|A=anna Bianchi; E=Éric Zola; Z=Zeta;"
    assert organization == "organization|Organizzazioni|1|3M:1,|#=3M;"
    co_mentioned, aliases, external, tag = shown("entities/eric/index.html")
    assert external == ""
    assert co_mentioned == "Zeta:2:1.0,3M:1:0.5,anna Bianchi:1:0.5,"  # by count, then name, not id
    assert aliases == "Eric/,Erik/de,"
    assert (
        shown("entities/zeta/index.html")[2]
        == "https://www.wikidata.org/wiki/Q1 Wikidata Q1,https://zeta.example/x zeta.example,"
    )
    assert shown("entities/zeta/index.html")[3] == "/tags/zeta/" and tag == "-"
    assert shown("tags/zeta/index.html") == ["/entities/zeta/ /tags/zeta/feed.xml"]
    assert shown("articles/one/index.html") == [
        "/entities/eric/|Éric Zola|person|Persona|",
        "/entities/zeta/|Zeta|person|Persona|",
        "/entities/3m/|3M|organization|Organizzazione|",
        "/entities/anna/|anna Bianchi|person|Persona|Giornalista.",
    ]


def test_an_index_of_sitemaps_dates_each_by_its_latest_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "SITEMAP_URLS", 3)
    out = tmp_path / "site"
    build_project(write_tree(tmp_path / "content", ARCHIVE), out=out, base_url=BASE)
    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == f"{SITEMAP}sitemapindex"
    for part in index:
        name = part.findtext(f"{SITEMAP}loc").removeprefix(BASE)
        days = [u.findtext(f"{SITEMAP}lastmod") for u in ET.parse(out / name).getroot()]
        assert all(days) and part.findtext(f"{SITEMAP}lastmod") == max(days)


def test_every_feed_is_valid_atom(site: Path) -> None:
    feeds = [site / "feed.xml", *site.glob("entities/*/feed.xml"), *site.glob("tags/*/feed.xml")]
    assert len(feeds) == 1 + 4 + 2
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    for path in feeds:
        feed = ET.parse(path).getroot()
        assert feed.tag == f"{ATOM}feed"
        for required in ("id", "title", "updated", "author"):
            assert feed.find(f"{ATOM}{required}") is not None, (path, required)
        updated = [entry.findtext(f"{ATOM}updated") or "" for entry in feed.findall(f"{ATOM}entry")]
        assert feed.findtext(f"{ATOM}updated") == max(updated, default="1970-01-01T00:00:00Z"), path
        for entry in feed.findall(f"{ATOM}entry"):
            for required in ("id", "title", "updated", "published", "link"):
                assert entry.find(f"{ATOM}{required}") is not None, (path, required)
            published, changed = entry.findtext(f"{ATOM}published") or "", entry.findtext(f"{ATOM}updated") or ""
            assert re.fullmatch(stamp, published) and re.fullmatch(stamp, changed) and published <= changed
            assert entry.get("{http://www.w3.org/XML/1998/namespace}base") == entry.find(f"{ATOM}link").get("href")
            for category in entry.findall(f"{ATOM}category"):
                assert category.get("term") and category.get("label") and category.get("scheme") == BASE + "tags/"
