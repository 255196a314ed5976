"""Annotations: anchored on the rendered text, highlighted well nested, notes beside their
paragraph, tied to entities, exported as W3C Web Annotations that pass the W3C schemas."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.errors import Diagnostics
from generator.i18n import load_language
from generator.markdown import Linker, render_article
from generator.model import Annotation
from generator.project import PACKAGED_THEME
from tests.conftest import REPO, SHARED, build_project, write_tree

CHECKER = SHARED / "annotation-schemas" / "check_annotations.py"
LINKER = Linker(
    resolve=lambda text: {"acme": "acme"}.get(text.lower()),
    url=lambda e: f"/e/{e}/",
    names={"Acme": "acme"},
    mode="first",
)
ITALIAN = load_language("it", [PACKAGED_THEME / "locale"], Diagnostics(), Path("site.yml"))


def note(quote: str, **fields: str) -> Annotation:
    return Annotation(quote=quote, note=fields.pop("text", "Nota."), line=fields.pop("line", 7), **fields)  # type: ignore[arg-type]


def render(body: str, *notes: Annotation):  # type: ignore[no-untyped-def]
    return render_article(body, LINKER, notes, ITALIAN)


class NestingChecker(HTMLParser):
    """Fails on any end tag that does not close the innermost open element."""

    VOID = {"br", "hr", "img", "input", "meta", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()


def assert_well_nested(html: str) -> None:
    checker = NestingChecker()
    checker.feed(html)
    assert checker.stack == []


def marked(html: str, number: int) -> str:
    return "".join(
        re.findall(rf'<mark class="annotated" aria-details="[^"]*\bnote-{number}\b[^"]*">(.*?)</mark>', html)
    )


def test_a_quote_may_cross_inline_markup_with_one_mark_per_text_node() -> None:
    page = render(
        "Ha speso **circa 11 miliardi** di *dollari* con [[acme|Acme]] oggi.", note("11 miliardi di dollari con Acme")
    )
    assert page.problems == ()
    assert_well_nested(page.html)
    assert page.html.count('aria-details="note-1"') == 5  # in strong, plain, em, plain, mention
    assert re.sub(r"<[^>]+>", "", marked(page.html, 1)) == "11 miliardi di dollari con Acme"
    assert '<a class="mention" href="/e/acme/" id="m1" data-entity="acme"><mark' in page.html


def test_quotes_match_nfc_and_folded_white_space() -> None:
    decomposed = "Cafe\u0301   e\nperché"
    page = render(decomposed, note("Café e perché"))
    assert page.problems == ()
    assert page.notes[0].exact == "Café e perché"


def test_prefix_and_suffix_pick_one_of_several_matches() -> None:
    body = "Uno: 11 miliardi. Due: circa 11 miliardi. Tre: 11 miliardi."
    page = render(body, note("11 miliardi", prefix="circa "), note("11 miliardi", suffix=". Tre", line=9))
    assert page.problems == ()
    assert len(page.notes) == 2
    # both name the second: the one after "circa ", the one before ". Tre"
    assert "Uno: 11 miliardi. Due: circa <mark" in page.html and "Tre: 11 miliardi." in page.html


def test_overlapping_annotations_share_text_nodes_and_stay_nested() -> None:
    page = render("Alfa beta gamma delta.", note("Alfa beta gamma"), note("beta gamma delta", line=8))
    assert_well_nested(page.html)
    assert (
        '<mark class="annotated" aria-details="note-1"><mark class="annotated" aria-details="note-2">beta gamma</mark></mark>'
        in page.html
    )
    assert [n.number for n in page.notes] == [1, 2]


def test_a_quote_that_crosses_a_block_is_refused() -> None:
    page = render("Fine del primo.\n\nInizio del secondo.", note("primo. Inizio"))
    assert page.notes == ()
    assert "runs from one block" in page.problems[0][1]


def test_the_notes_go_with_their_top_level_block_linked_both_ways() -> None:
    page = render(
        "- uno\n- due con Acme\n\nDopo la lista.", note("due con Acme", kind="fact-check", text="Vero [[acme|Acme]].")
    )
    html = page.html
    group, notes, listing = html.index('<div class="annotated-block">'), html.index('id="note-1"'), html.index("<ul>")
    assert group < notes < listing < html.index("</ul>\n</div>\n<p>Dopo")  # before the block: a float's place
    assert '<a href="#note-1" id="ann-1" aria-label="Nota 1" data-n="1"></a>' in html  # the number: not text
    assert '<a class="note-back" href="#ann-1"' in html
    assert '<span class="kind">Verifica</span></p>' in html  # one label for the archive's notes, in the page
    assert '<a class="mention" href="/e/acme/" data-entity="acme">Acme</a>' in html  # the note's own mention
    assert_well_nested(html)


def test_translation_notes_carry_their_language() -> None:
    page = render("Una frase.", note("Una frase", kind="translation", lang="en", text="A sentence."))
    assert '<div class="annotation-body" lang="en">' in page.html


def test_footnotes_and_annotations_together() -> None:
    page = render("Testo[^1] con nota.\n\n[^1]: Piè di pagina.", note("con nota"))
    assert page.problems == () and 'id="fn1"' in page.html and 'id="note-1"' in page.html


BROKEN = """
---
title: Annotata
date: 2025-02-10
annotations:
- quote: "dieci miliardi"
  note: Manca.
- quote: "Volcano Engine"
  note: Due volte.
---
Volcano Engine è nato nel 2020. Nel 2021 Volcano Engine offre il cloud con 11 miliardi.
"""


def test_missing_and_ambiguous_quotes_fail_the_build_with_their_lines(tmp_path: Path) -> None:
    write_tree(tmp_path / "content", {"site.yml": "title: T\nlanguage: it\n", "articles/a.md": BROKEN})
    result = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--templates", str(REPO / "templates")],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "content/articles/a.md:5: error: annotation quote «dieci miliardi» is not in the text; "
        "the closest passage is «11 miliardi.»",
        "content/articles/a.md:7: error: annotation quote «Volcano Engine» matches 2 times; add a 'prefix' or "
        "'suffix' (the words just before or after the passage you mean) to pick one",
    ]
    assert not (tmp_path / "site").exists()


def test_shipped_article_shows_its_annotations(shipped_site: Path) -> None:
    html = (shipped_site / "articles/bytedance-caccia-esperti-ai/index.html").read_text(encoding="utf-8")
    kinds = set(re.findall(r'<aside class="annotation kind-([a-z-]+)"', html))
    assert kinds >= {"fact-check", "translation", "context", "note", "correction"}
    assert 'class="by"' not in html and html.count('<p class="notes-legend">') == 1
    markers = [int(n) for n in re.findall(r'<sup class="note-ref"><a href="#note-\d+" id="ann-(\d+)"', html)]
    assert markers == list(range(1, 8))  # numbered in reading order
    notes = [int(n) for n in re.findall(r'<aside class="annotation [a-z-]+" id="note-(\d+)"', html)]
    assert notes == list(range(1, 8))
    assert (
        '<link rel="alternate" type="application/ld+json" title="W3C Web Annotations" href="/articles/bytedance-caccia-esperti-ai/annotations.jsonld">'
        in html
    )
    assert_well_nested(html.split('<div class="body">')[1].split("<footer>")[0].rsplit("</div>", 1)[0])


def test_entity_pages_list_their_notes_with_a_link_to_the_passage(shipped_site: Path) -> None:
    html = (shipped_site / "entities/volcano-engine/index.html").read_text(encoding="utf-8")
    section = html.split('<section class="entity-annotations"')[1].split("</section>")[0]
    assert "Note dell&#39;archivio" in section or "Note dell'archivio" in section
    assert "<mark>Nel 2021, ByteDance ha lanciato Volcano Engine</mark>" in section
    anchor = re.search(r'href="/articles/bytedance-caccia-esperti-ai/#(ann-\d+)"', section)
    assert anchor
    article = (shipped_site / "articles/bytedance-caccia-esperti-ai/index.html").read_text(encoding="utf-8")
    assert f'id="{anchor.group(1)}"' in article


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("w3c") / "site"
    build_project(REPO / "content", out=out, base_url="https://example.github.io/archive/")
    return out


def check(*documents: Path, expect_invalid: bool = False) -> subprocess.CompletedProcess[str]:
    if not CHECKER.exists():
        pytest.skip(f"W3C annotation schemas not found at {CHECKER.parent}")
    flags = ["--expect-invalid"] if expect_invalid else []
    return subprocess.run([sys.executable, str(CHECKER), *flags, *map(str, documents)], capture_output=True, text=True)


def test_exports_validate_against_the_w3c_schemas(exported: Path) -> None:
    page = exported / "articles/bytedance-caccia-esperti-ai/annotations.jsonld"
    collection = exported / "annotations.jsonld"
    result = check(page, collection)
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(page.read_text(encoding="utf-8"))
    assert data["type"] == "AnnotationPage" and len(data["items"]) == 7
    item = data["items"][0]
    assert item["id"].startswith("https://example.github.io/archive/articles/bytedance-caccia-esperti-ai/#note-")
    assert item["target"]["source"] == "https://example.github.io/archive/articles/bytedance-caccia-esperti-ai/"
    assert [selector["type"] for selector in item["target"]["selector"]] == [
        "TextQuoteSelector",
        "TextPositionSelector",
    ]
    assert [(body["type"], body.get("format")) for body in item["body"]][:3] == [
        ("TextualBody", "text/html"), ("TextualBody", "text/markdown"), ("TextualBody", None)
    ]  # fmt: skip
    by_quote = {i["target"]["selector"][0]["exact"]: i for i in data["items"]}
    # prefix and suffix stay in the passage's block: this one begins its paragraph, after a heading
    assert "prefix" not in by_quote["Nel 2021, ByteDance ha lanciato Volcano Engine"]["target"]["selector"][0]
    long = by_quote[next(q for q in by_quote if q.startswith("si prevede"))]["target"]["selector"][0]
    assert long["suffix"] == "."  # the end of its paragraph
    # a note's links point at the site, not at wherever the annotation is read
    with_link = next(
        i for i in data["items"] if "New York Times" in i["body"][0]["value"] and "href" in i["body"][0]["value"]
    )
    assert 'href="https://example.github.io/archive/entities/new-york-times/"' in with_link["body"][0]["value"]
    assert with_link["body"][3] == {
        "type": "SpecificResource", "purpose": "identifying", "source": "https://example.github.io/archive/entities/new-york-times/"
    }  # fmt: skip
    assert {i["motivation"] for i in data["items"]} >= {"assessing", "commenting", "describing", "editing"}
    assert json.loads(collection.read_text(encoding="utf-8"))["total"] == 7


def test_the_checker_rejects_a_broken_export(exported: Path, tmp_path: Path) -> None:
    data = json.loads(
        (exported / "articles/bytedance-caccia-esperti-ai/annotations.jsonld").read_text(encoding="utf-8")
    )
    data["items"][0]["id"] = "not a uri"
    broken = tmp_path / "broken.jsonld"
    broken.write_text(json.dumps(data), encoding="utf-8")
    assert check(broken, expect_invalid=True).returncode == 0


def test_exports_without_a_host_use_stable_urns(shipped_site: Path) -> None:
    page = shipped_site / "articles/bytedance-caccia-esperti-ai/annotations.jsonld"
    assert check(page, shipped_site / "annotations.jsonld").returncode == 0
    assert json.loads(page.read_text(encoding="utf-8"))["id"].startswith("urn:uuid:")


@pytest.mark.parametrize(
    "body, quote",
    [
        ("Prima riga  \n  seconda riga con Acme.", "seconda riga"),
        ("Uno   due\ttre **quattro   cinque** sei.", "due tre quattro cinque"),
        ("Alfa *beta*   gamma.", "beta gamma"),
    ],
)
def test_highlights_land_on_the_right_characters_around_folded_space(body: str, quote: str) -> None:
    page = render(body, note(quote))
    assert page.problems == ()
    text = re.sub(r"<[^>]+>", "", marked(page.html, 1))
    assert re.sub(r"\s+", " ", text).strip() == quote
