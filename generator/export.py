"""Annotations as W3C Web Annotations: an AnnotationPage per article, chained into the
archive's AnnotationCollection (https://www.w3.org/TR/annotation-model/)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from generator import urls as paths
from generator.model import AnchoredNote, Article, PageSpec, Planned, RenderedArticle, Site
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


def annotation_pages(site: Site, rendered: Mapping[str, RenderedArticle], urls: Urls) -> list[Planned]:
    """The collection, then one page per annotated article."""
    layout = annotation_layout(site, rendered, urls)
    collection = layout.collection
    by_slug = {article.slug: article for article in site.articles}

    def iri(path: str) -> str:
        return urls.iri(path, site.config.title)

    def page(slug: str) -> PageSpec:
        start, prev, following = layout.places[slug]
        data = _annotation_page(by_slug[slug], rendered[slug].notes, site, iri, collection, start, prev, following)
        return PageSpec(paths.annotation_page(slug), PageSpec.JSON, data)

    pages = [Planned(paths.ANNOTATIONS, frozenset(), lambda: PageSpec(paths.ANNOTATIONS, PageSpec.JSON, collection))]
    return pages + [
        Planned(paths.annotation_page(slug), frozenset([slug]), partial(page, slug)) for slug in layout.places
    ]


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


def as_json(data: object) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
