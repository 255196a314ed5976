"""Annotations as W3C Web Annotations: an AnnotationPage per article, chained into the
archive's AnnotationCollection (https://www.w3.org/TR/annotation-model/).

Their selectors describe the article page as it is served, so that annotation clients
(Hypothesis, Apache Annotator) find the passages again in it: a TextQuoteSelector whose
`exact`, `prefix` and `suffix` are the text of the page's DOM (`document.body.textContent`,
prefix and suffix kept inside the passage's block), and a TextPositionSelector with offsets
into that text counted in Unicode code points, as the W3C model counts them (Hypothesis counts
UTF-16 units, the same where a page has no character beyond the BMP, and checks a position
against the quote in any case). They are taken from the rendered page itself: each passage is
marked there, `<mark aria-details="note-N">`.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

from generator import urls as paths
from generator.model import AnchoredNote, Article, PageSpec, Planned, RenderedArticle, Site
from generator.text import name_key
from generator.urls import Urls

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# W3C motivations that say what each kind of note does.
PURPOSES = {
    "note": "commenting",
    "fact-check": "assessing",
    "translation": "describing",
    "correction": "editing",
    "context": "describing",
}


@dataclass(frozen=True)
class AnnotationLayout:
    """Where each annotated article's page sits in the collection: the same as long as every
    article keeps its number of annotations."""

    collection: dict[str, Any]
    places: dict[str, tuple[int, str | None, str | None]]  # slug -> (first index, previous, next slug)


def annotation_layout(site: Site, rendered: Mapping[str, RenderedArticle], urls: Urls) -> AnnotationLayout:
    annotated = [article.slug for article in site.articles if rendered[article.slug].notes]
    counts = [len(rendered[slug].notes) for slug in annotated]
    collection: dict[str, Any] = {
        "@context": CONTEXT,
        "id": urls.iri(paths.ANNOTATIONS, site.config.title),
        "type": "AnnotationCollection",
        "label": site.config.title,
        "total": sum(counts),
    }
    if annotated:
        collection["first"] = urls.iri(paths.annotation_page(annotated[0]), site.config.title)
        collection["last"] = urls.iri(paths.annotation_page(annotated[-1]), site.config.title)
    neighbours = zip([None, *annotated], annotated[1:] + [None], strict=True)
    starts = itertools.accumulate(counts, initial=0)
    places = {slug: (start, *pair) for slug, start, pair in zip(annotated, starts, neighbours, strict=False)}
    return AnnotationLayout(collection, places)


def annotation_pages(
    site: Site, rendered: Mapping[str, RenderedArticle], urls: Urls, article_pages: Mapping[str, Planned]
) -> list[Planned]:
    """The collection, then one page per annotated article; `article_pages` by slug: the
    selectors are taken from them as rendered."""
    layout = annotation_layout(site, rendered, urls)
    collection = layout.collection
    by_slug = {article.slug: article for article in site.articles}

    def iri(path: str) -> str:
        return urls.iri(path, site.config.title)

    def page(slug: str) -> PageSpec:
        start, prev, following = layout.places[slug]
        article, notes = by_slug[slug], rendered[slug].notes
        data = _annotation_page(article, notes, site, urls, iri, collection, start, prev, following)
        served = article_pages[paths.article(slug)].spec()
        return PageSpec(paths.annotation_page(slug), PageSpec.ANNOTATIONS, {"document": data, "page": served})

    pages = [Planned(paths.ANNOTATIONS, frozenset(), lambda: PageSpec(paths.ANNOTATIONS, PageSpec.JSON, collection))]
    return pages + [
        Planned(paths.annotation_page(slug), frozenset([slug]), partial(page, slug)) for slug in layout.places
    ]


def _annotation_page(
    article: Article,
    notes: tuple[AnchoredNote, ...],
    site: Site,
    urls: Urls,
    iri: Callable[[str], str],
    collection: dict[str, Any],
    start: int,
    prev: str | None,
    following: str | None,
) -> dict[str, Any]:
    page: dict[str, Any] = {
        "@context": CONTEXT,
        "id": iri(paths.annotation_page(article.slug)),
        "type": "AnnotationPage",
        "partOf": {"id": collection["id"], "label": site.config.title, "total": collection["total"]},
        "startIndex": start,
        "items": [annotation(article, note, site, urls, iri) for note in _as_written(article, notes)],
    }
    if prev:
        page["prev"] = iri(paths.annotation_page(prev))
    if following:
        page["next"] = iri(paths.annotation_page(following))
    return page


def _as_written(article: Article, notes: tuple[AnchoredNote, ...]) -> list[AnchoredNote]:
    """In the order of the front matter (they are numbered in reading order), so that an
    import of the page gives back the front matter as it was."""
    order = {annotation: index for index, annotation in reversed(list(enumerate(article.annotations)))}
    return sorted(notes, key=lambda note: order.get(note.annotation, len(order)))


def annotation(
    article: Article, note: AnchoredNote, site: Site, urls: Urls, iri: Callable[[str], str]
) -> dict[str, Any]:
    """One note as a W3C annotation. Its body says it four ways: the note as HTML (what a
    reader sees; links absolute when the site has a host), as the Markdown it was written in
    (for `rassegna import annotations`), its kind as a tag, and the entity it is about. Its
    selectors are filled in from the page (served_selectors)."""
    purpose = PURPOSES[note.annotation.kind]
    language = note.annotation.lang or article.lang
    source = iri(paths.article(article.slug))
    page_url = urls.absolute(paths.article(article.slug))
    html = absolute_links(note.html, page_url) if page_url else note.html
    body: list[dict[str, Any]] = [
        {"type": "TextualBody", "value": text, "format": form, "language": language, "purpose": purpose}
        for text, form in ((html, "text/html"), (note.annotation.note, "text/markdown"))
    ]
    body.append({"type": "TextualBody", "value": note.annotation.kind, "purpose": "tagging"})
    ref = note.annotation.entity
    entity_id = site.lookup.get(name_key(ref.text)) if ref else None
    if entity_id:
        body.append({"type": "SpecificResource", "source": iri(paths.entity(entity_id)), "purpose": "identifying"})
    written = {key: getattr(note.annotation, key) for key in ("quote", "prefix", "suffix")}
    return {
        "id": f"{source}#note-{note.number}",
        "type": "Annotation",
        "motivation": purpose,
        "body": body,
        "target": {"source": source, "note": note.number},
        ANCHOR: {key: value for key, value in written.items() if value},
    }


# The passage as the front matter names it (an extension, by an IRI of its own, that annotation
# clients ignore): the selectors describe the page, this is for `rassegna import annotations`.
ANCHOR = "rassegna:anchor"


_HREF = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def absolute_links(html: str, page_url: str) -> str:
    """Links in HTML that we wrote (double-quoted attributes) made absolute against a page."""
    return _HREF.sub(lambda m: m[1] + urljoin(page_url, m[2].replace("&amp;", "&")).replace("&", "&amp;") + m[3], html)


def served_selectors(document: dict[str, Any], page_html: str) -> dict[str, Any]:
    """The AnnotationPage with each target's selectors taken from its page as served."""
    text = ServedText(page_html)

    def selected(target: dict[str, Any]) -> dict[str, Any]:
        return {"source": target["source"], "selector": text.selectors(target["note"])}

    return {**document, "items": [{**item, "target": selected(item["target"])} for item in document["items"]]}


def as_json(data: object) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# -- the page as served ------------------------------------------------------------------

CONTEXT_CHARS = 32  # of prefix and suffix, at first; more where the quote needs it to be unique
BLOCKS = frozenset(
    "address article aside blockquote body dd details div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header li main nav ol p pre section summary table td th tr ul".split()
)
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_NOTE = re.compile(r"note-(\d+)")


@dataclass
class Passage:
    start: int = -1  # in the page's text
    end: int = -1
    block: tuple[int, int] = (0, 0)  # the span of the block it lies in


@dataclass
class _Open:
    tag: str
    start: int
    note: int | None = None  # the note whose passage this <mark> marks
    notes: list[int] = field(default_factory=list)  # the passages that begin in this block


class ServedText(HTMLParser):
    """The text of a page's <body> as a browser's DOM has it (`document.body.textContent`),
    and where each note's passage is in it. Our pages are well nested, as markdown-it and the
    templates write them; the parsing rules that change text are followed: script, style and
    (with scripting on, as in a browser) noscript hold raw text, and a newline right after
    <pre> or <textarea> is dropped."""

    CDATA_CONTENT_ELEMENTS = ("script", "style", "noscript")  # type: ignore[misc]

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.in_body = False
        self.open: list[_Open] = []
        self.passages: dict[int, Passage] = {}
        self.drop_newline = False
        self.feed(html)
        self.close()
        self.text = "".join(self.parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.in_body = self.in_body or tag == "body"
        self.drop_newline = tag in ("pre", "textarea", "listing")
        if not self.in_body or tag in VOID:
            return
        found = _NOTE.fullmatch(dict(attrs).get("aria-details") or "") if tag == "mark" else None
        self.open.append(_Open(tag, self.length, int(found[1]) if found else None))
        if found and int(found[1]) not in self.passages:
            self.passages[int(found[1])] = Passage(self.length)
            next(entry for entry in reversed(self.open) if entry.tag in BLOCKS).notes.append(int(found[1]))

    def handle_endtag(self, tag: str) -> None:
        if not any(entry.tag == tag for entry in self.open):
            return  # a stray end tag: the DOM ignores it
        while self.open:
            entry = self.open.pop()
            if entry.note is not None:
                self.passages[entry.note].end = self.length  # the last of its marks ends it
            for number in entry.notes:
                self.passages[number].block = (entry.start, self.length)
            if entry.tag == tag:
                break  # text after </body>, even after </html>, is still the body's in the DOM

    def handle_data(self, data: str) -> None:
        if self.drop_newline and data.startswith("\n"):
            data = data[1:]
        self.drop_newline = False
        if self.in_body:
            self.parts.append(data)
            self.length += len(data)

    def selectors(self, number: int) -> list[dict[str, Any]]:
        """A TextQuoteSelector and a TextPositionSelector for the passage of note `number`:
        prefix and suffix inside its block, as long as the quote needs to be found once."""
        passage, text = self.passages[number], self.text
        start, end, (low, high) = passage.start, passage.end, passage.block
        exact = text[start:end]
        size = CONTEXT_CHARS
        while True:
            prefix, suffix = text[max(low, start - size) : start], text[end : min(high, end + size)]
            if _matches(text, prefix, exact, suffix) == 1 or (start - size <= low and end + size >= high):
                break
            size *= 2
        quote: dict[str, Any] = {"type": "TextQuoteSelector", "exact": exact}
        quote |= {"prefix": prefix} if prefix else {}
        quote |= {"suffix": suffix} if suffix else {}
        position = {"type": "TextPositionSelector", "start": start, "end": end}  # code points: Python's own
        return [quote, position]


def _matches(text: str, prefix: str, exact: str, suffix: str) -> int:
    """How many times `exact` is in `text` between `prefix` and `suffix`."""
    whole, count, at = prefix + exact + suffix, 0, -1
    while (at := text.find(whole, at + 1)) != -1:
        count += 1
    return count
