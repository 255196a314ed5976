"""Annotations as W3C Web Annotations: an AnnotationPage per article, chained into the
archive's AnnotationCollection (https://www.w3.org/TR/annotation-model/)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from generator import urls as paths
from generator.model import AnchoredNote, Article, Page, PageKeys, RenderedArticle, Site
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


def annotation_pages(
    site: Site,
    rendered: Mapping[str, RenderedArticle],
    urls: Urls,
    keys: PageKeys | None = None,
    only: set[str] | None = None,
) -> list[Page]:
    """The collection and one page per annotated article (with `only`, those of these slugs);
    with `keys`, a page made from the same inputs as in the previous build comes without its
    bytes."""
    annotated = [article for article in site.articles if rendered[article.slug].notes]
    known = keys or PageKeys("", {}, {})

    def iri(path: str) -> str:
        return urls.iri(path, site.config.title)

    total = sum(len(rendered[article.slug].notes) for article in annotated)
    collection: dict[str, Any] = {
        "@context": CONTEXT,
        "id": iri(paths.ANNOTATIONS),
        "type": "AnnotationCollection",
        "label": site.config.title,
        "total": total,
    }
    if annotated:
        collection["first"] = iri(paths.annotation_page(annotated[0].slug))
        collection["last"] = iri(paths.annotation_page(annotated[-1].slug))
    pages = [_page(paths.ANNOTATIONS, known, collection, lambda: collection)]
    start = 0
    for index, article in enumerate(annotated):
        prev = annotated[index - 1].slug if index > 0 else None
        following = annotated[index + 1].slug if index + 1 < len(annotated) else None
        if only is None or article.slug in only:
            parts = (known.articles.get(article.slug), collection, start, prev, following)
            make = partial(_annotation_page, article, rendered[article.slug].notes, site, iri, collection, start)
            pages.append(_page(paths.annotation_page(article.slug), known, parts, partial(make, prev, following)))
        start += len(rendered[article.slug].notes)
    return pages


def _page(path: str, keys: PageKeys, parts: object, make: Callable[[], dict[str, Any]]) -> Page:
    key = keys.key(path, parts)
    if keys.unchanged(path, key):
        return Page(path, None, key=key, unchanged=True)
    return Page(path, None, data=lambda: _json(make()), key=key)  # made in a worker


def _annotation_page(
    article: Article,
    notes: tuple[AnchoredNote, ...],
    site: Site,
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
        "items": [annotation(article, note, site, iri) for note in notes],
    }
    if prev:
        page["prev"] = iri(paths.annotation_page(prev))
    if following:
        page["next"] = iri(paths.annotation_page(following))
    return page


def annotation(article: Article, note: AnchoredNote, site: Site, iri: Callable[[str], str]) -> dict[str, Any]:
    purpose = PURPOSES[note.annotation.kind]
    selector = {"type": "TextQuoteSelector", "exact": note.exact}
    if note.prefix:
        selector["prefix"] = note.prefix
    if note.suffix:
        selector["suffix"] = note.suffix
    body: dict[str, Any] = {
        "type": "TextualBody",
        "value": note.html,
        "format": "text/html",
        "language": note.annotation.lang or article.lang,
        "purpose": purpose,
    }
    return {
        "id": iri(paths.article(article.slug)) + f"#note-{note.number}",
        "type": "Annotation",
        "motivation": purpose,
        "body": body,
        "target": {"source": iri(paths.article(article.slug)), "selector": selector},
    }


def _json(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
