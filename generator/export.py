"""Annotations as W3C Web Annotations: an AnnotationPage per article, chained into the
archive's AnnotationCollection (https://www.w3.org/TR/annotation-model/)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from generator import urls as paths
from generator.model import AnchoredNote, Article, Page, RenderedArticle, Site
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


def annotation_pages(site: Site, rendered: dict[str, RenderedArticle], urls: Urls) -> list[Page]:
    annotated = [article for article in site.articles if rendered[article.slug].notes]

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
    pages = [Page(paths.ANNOTATIONS, None, data=_json(collection))]
    start = 0
    for index, article in enumerate(annotated):
        notes = rendered[article.slug].notes
        page: dict[str, Any] = {
            "@context": CONTEXT,
            "id": iri(paths.annotation_page(article.slug)),
            "type": "AnnotationPage",
            "partOf": {"id": collection["id"], "label": site.config.title, "total": total},
            "startIndex": start,
            "items": [annotation(article, note, site, iri) for note in notes],
        }
        if index > 0:
            page["prev"] = iri(paths.annotation_page(annotated[index - 1].slug))
        if index + 1 < len(annotated):
            page["next"] = iri(paths.annotation_page(annotated[index + 1].slug))
        pages.append(Page(paths.annotation_page(article.slug), None, data=_json(page)))
        start += len(notes)
    return pages


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
