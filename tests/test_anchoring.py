"""Real annotation clients re-anchor our exported annotations on the pages as served.

Apache Annotator (@apache-annotator/dom) and dom-anchor-text-quote (the anchoring Hypothesis
used), from the npm registry, bundled with esbuild into a cache kept between runs, run in
headless Chromium on every annotated article page of the shipped archive and of the 1k
synthetic archive: each annotation must anchor exactly once, on exactly its quote, with both,
and each TextPositionSelector must slice the page's text (in code points) to the quote.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.export import ANCHOR
from tests.anchoring.bundle import NoNpm, client_bundle
from tests.conftest import REPO, SHARED, build_project, copy_content, missing, serve_directory

pytestmark = pytest.mark.browser
MAKE_CORPUS = SHARED / "bench" / "make_corpus.py"


@pytest.fixture(scope="module")
def clients() -> Path:
    try:
        return client_bundle()
    except NoNpm as exc:
        missing(str(exc))


def anchor_site(browser: Any, site: Path, base: str, clients: Path) -> list[dict[str, Any]]:
    """What the clients make of every annotation of the site, page by page as served (the
    clients' script beside the site, so that the browser reads it once)."""
    results = []
    page = browser.new_page()
    shutil.copy(clients, site.parent / "anchoring-clients.js")
    with serve_directory(site.parent) as origin:
        for document in sorted(site.glob("articles/*/annotations.jsonld")):
            items = json.loads(document.read_text(encoding="utf-8"))["items"]
            page.goto(f"{origin}{base}articles/{document.parent.name}/")
            page.add_script_tag(url=f"{origin}/anchoring-clients.js")
            found = page.evaluate("items => anchorAll(items)", items)
            for item, result in zip(items, found, strict=True):
                results.append({**result, "page": document.parent.name, "quote": item[ANCHOR]["quote"]})
    page.close()
    return results


def misanchored(results: list[dict[str, Any]]) -> list[str]:
    """Each annotation that a client does not find exactly once, exactly on its quote."""
    wrong = []
    for result in results:
        expected = {"place": result["position"], "text": result["exact"]}
        problems = [
            "its exact is not the passage the archive quotes" if " ".join(result["exact"].split()) != result["quote"] else "",
            "the TextPositionSelector slices other text" if result["sliced"] != result["exact"] else "",
            f"Apache Annotator's quote matcher: {result['annotatorQuote']}" if result["annotatorQuote"] != [expected] else "",
            f"Apache Annotator's position matcher: {result['annotatorPosition']}" if result["annotatorPosition"] != [expected] else "",
            f"dom-anchor-text-quote: {result['hypothesis']}" if result["hypothesis"] != expected else "",
        ]  # fmt: skip
        wrong += [f"{result['id']} «{result['exact'][:40]}»: {problem}" for problem in problems if problem]
    return wrong


def test_every_annotation_of_the_shipped_archive_anchors_with_both_clients(
    browser, clients: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "archive"
    build_project(REPO / "content", out=site, base_url="https://example.github.io/archive/")
    results = anchor_site(browser, site, "/archive/", clients)
    assert len(results) == 7  # the seed article's notes
    assert misanchored(results) == []


@pytest.mark.skipif(not MAKE_CORPUS.is_file(), reason="no ../shared/bench/make_corpus.py beside the checkout")
def test_every_annotation_of_the_1k_synthetic_archive_anchors_with_both_clients(
    browser, clients: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    command = [sys.executable, str(MAKE_CORPUS), "--articles", "1000", "--entities", "200", "--out", str(corpus)]
    subprocess.run(command, check=True, capture_output=True)
    site = tmp_path / "archive"
    build_project(corpus / "content", out=site, base_url="/archive/", drafts=True)
    results = anchor_site(browser, site, "/archive/", clients)
    assert len(results) == 1184  # every annotation of the archive, its drafts' too
    wrong = misanchored(results)
    assert wrong == [], f"{len(wrong)} problems, the first: {wrong[:10]}"


HOSTILE = """---
title: "Passaggi difficili: <b>&amp; 🚀"
date: 2025-03-01
lang: it
entities: [bytedance]
annotations:
- quote: "dopo il razzo"
  note: "Un passaggio dopo un carattere fuori dal piano di base: 🚀 conta due in JavaScript."
- quote: "ByteDance e il suo modello"
  note: "Attraversa un collegamento."
- quote: "la stessa frase"
  suffix: " torna"
  note: "La nota ripete la frase: la stessa frase torna anche qui."
- quote: "la stessa frase torna"
  note: "Si sovrappone alla precedente."
- quote: "un punto dell'elenco"
  note: "In un elenco."
- quote: "Citazione & <codice>"
  kind: context
  note: "Caratteri da sfuggire."
---

Un 🚀 e poi, dopo il razzo, il testo continua con [[bytedance|ByteDance]] e il suo *modello* di punta.

Qui la stessa frase torna, e poi la stessa frase ancora.

- un punto dell'elenco
- un altro

> Citazione & <codice> in un blocco citato.

```
riga di codice con dopo il razzo
```
"""


def test_the_served_text_is_the_browsers_and_hard_passages_anchor(browser, clients: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from generator.export import ServedText

    content = copy_content(REPO / "content", tmp_path / "content")
    (content / "articles" / "passaggi-difficili.md").write_text(HOSTILE, encoding="utf-8")
    site = tmp_path / "archive"
    result = build_project(content, out=site, base_url="/archive/")
    assert not [d for d in result.diagnostics if "annotation" in d.message], result.diagnostics
    page = browser.new_page()
    with serve_directory(site.parent) as origin:
        for path in (
            "articles/passaggi-difficili/",
            "articles/bytedance-caccia-esperti-ai/",
            "entities/bytedance/",
            "",
        ):
            page.goto(f"{origin}/archive/{path}")
            served = ServedText((site / path / "index.html").read_text(encoding="utf-8")).text
            assert page.evaluate("document.body.textContent") == served, path
    page.close()
    results = [r for r in anchor_site(browser, site, "/archive/", clients) if r["page"] == "passaggi-difficili"]
    assert len(results) == 6
    assert misanchored(results) == []
    rocket = next(r for r in results if r["exact"] == "dopo il razzo")
    text = ServedText((site / "articles/passaggi-difficili/index.html").read_text(encoding="utf-8")).text
    assert rocket["position"][0] == text.index(
        "dopo il razzo"
    )  # 🚀 (two UTF-16 units) counts one, as W3C's model has it
