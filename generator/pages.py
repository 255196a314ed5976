"""Site -> the list of pages to write: (path, template, context). No Jinja and no disk here.

Every page's context is built from named inputs only (an article, an entity, a slice of a
list), so that a later incremental build can tell which pages an edit touches.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator import urls as paths
from generator.i18n import translate
from generator.model import ENTITY_TYPES, AnchoredNote, Article, Entity, Graph, Mention, Page, RenderedArticle, Site
from generator.text import name_key
from generator.urls import Urls

FEED_ENTRIES = 50
TOP_ENTITIES = 24
SNIPPETS_PER_ARTICLE = 3


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    note: str = ""  # a count or a type, shown beside the link


@dataclass(frozen=True)
class Snippet:
    before: str
    mark: str
    after: str
    url: str  # the mention in its article


@dataclass(frozen=True)
class Item:
    """An article in a list."""

    url: str
    title: str
    date: dt.date
    lang: str
    summary: str
    snippets: tuple[Snippet, ...] = ()


@dataclass(frozen=True)
class EntityNote:
    """An annotation tied to an entity, shown on the entity's page."""

    label: str
    kind: str
    passage: str
    html: str
    passage_url: str
    article_title: str
    article_url: str


@dataclass(frozen=True)
class Pagination:
    page: int
    total: int
    newer: str | None
    older: str | None
    pages: tuple[tuple[int, str], ...]


def plan_pages(
    site: Site, rendered: dict[str, RenderedArticle], graph: Graph, notes: dict[str, str], urls: Urls
) -> list[Page]:
    plan = _Planner(site, rendered, graph, notes, urls)
    pages = [
        *plan.home(),
        *(plan.article(article) for article in site.articles),
        plan.entities_index(),
        *(page for entity in site.entities.values() for page in plan.entity(entity)),
        *(plan.entity_feed(entity) for entity in site.entities.values()),
        plan.tags_index(),
        *(page for tag in graph.tags for page in plan.tag(tag)),
        plan.site_feed(),
        plan.not_found(),
        Page(".nojekyll", None),
        plan.robots(),
    ]
    return pages + list(plan.sitemap([page.path for page in pages if page.path.endswith("/")]))


class _Planner:
    def __init__(
        self, site: Site, rendered: dict[str, RenderedArticle], graph: Graph, notes: dict[str, str], urls: Urls
    ) -> None:
        self.site, self.rendered, self.graph, self.notes, self.urls = site, rendered, graph, notes, urls
        self.by_slug = {article.slug: article for article in site.articles}
        self.language = site.config.language
        self.plain_items: dict[str, Item] = {}  # an article as home, tag and related lists show it

    # -- pages ---------------------------------------------------------------------------

    def home(self) -> Iterator[Page]:
        slugs = [article.slug for article in self.site.articles]
        ranked = sorted(self.site.entities, key=lambda e: (-self.graph.count(e), name_key(self.site.entities[e].name)))
        top = [self.entity_link(e, self.count_note(e)) for e in ranked[:TOP_ENTITIES] if self.graph.count(e)]
        for page, chunk, pagination in self.paginate(slugs, paths.home):
            context = {"items": [self.item(slug) for slug in chunk], "pagination": pagination, "top_entities": top}
            yield self.html(paths.home(page), "home.html", context)

    def article(self, article: Article) -> Page:
        rendered = self.rendered[article.slug]
        entity_ids = self.site.article_entities[article.slug]
        groups = self.by_type(entity_ids)
        context = {
            "article": article,
            "body": rendered.html,
            "summary": self.summary(article),
            "about": [self.entity_link(e) for e in self.site.article_about[article.slug]],
            "entity_groups": groups,
            "tags": [
                Link(self.urls.url(paths.tag(t)), self.graph.tags[t].name)
                for t in self.graph.article_tags[article.slug]
            ],
            "related": [self.item(slug) for slug in self.graph.related_articles[article.slug]],
            "json_ld": self.article_json_ld(article, entity_ids),
            "annotations_url": self.urls.url(paths.annotation_page(article.slug)) if rendered.notes else None,
        }
        return self.html(paths.article(article.slug), "article.html", context)

    def entities_index(self) -> Page:
        groups = self.by_type(self.site.entities, with_counts=True)
        return self.html(paths.entities(), "entities.html", {"entity_groups": groups, "total": len(self.site.entities)})

    def entity(self, entity: Entity) -> Iterator[Page]:
        slugs = self.graph.entity_articles.get(entity.id, ())
        parent = self.site.parents.get(entity.id)
        base = {
            "entity": entity,
            "type_label": translate(self.language, f"type.{entity.type}"),
            "notes": self.notes.get(entity.id, ""),
            "parent": self.entity_link(parent) if parent else None,
            "children": [self.entity_link(e) for e in self.graph.children.get(entity.id, ())],
            "related": [self.entity_link(e) for e in self.site.related.get(entity.id, ())],
            "co_mentioned": [self.entity_link(e, str(n)) for e, n in self.graph.co_mentions.get(entity.id, ())],
            "total": len(slugs),
            "feed_url": self.urls.url(paths.entity_feed(entity.id)),
            "annotations": [self.entity_note(slug, note) for slug, note in self.graph.entity_notes.get(entity.id, ())],
        }
        for page, chunk, pagination in self.paginate(list(slugs), lambda n: paths.entity(entity.id, n)):
            items = [self.item(slug, self.graph.mentions.get((entity.id, slug), ())) for slug in chunk]
            context = {**base, "items": items, "pagination": pagination}
            yield self.html(paths.entity(entity.id, page), "entity.html", context)

    def tags_index(self) -> Page:
        tags = [Link(self.urls.url(paths.tag(t.slug)), t.name, str(len(t.articles))) for t in self.graph.tags.values()]
        return self.html(paths.tags(), "tags.html", {"tags": sorted(tags, key=lambda link: name_key(link.text))})

    def tag(self, slug: str) -> Iterator[Page]:
        tag = self.graph.tags[slug]
        for page, chunk, pagination in self.paginate(list(tag.articles), lambda n: paths.tag(slug, n)):
            context = {"tag": tag, "items": [self.item(s) for s in chunk], "pagination": pagination}
            yield self.html(paths.tag(slug, page), "tag.html", context)

    def site_feed(self) -> Page:
        slugs = [article.slug for article in self.site.articles]
        return self.feed(paths.FEED, self.site.config.title, paths.home(), slugs, full_text=True)

    def entity_feed(self, entity: Entity) -> Page:
        title = f"{self.site.config.title} — {entity.name}"
        return self.feed(
            paths.entity_feed(entity.id), title, paths.entity(entity.id), self.graph.entity_articles.get(entity.id, ())
        )

    def not_found(self) -> Page:
        return Page(paths.NOT_FOUND, "404.html", {"page_path": paths.NOT_FOUND})

    def robots(self) -> Page:
        lines = ["User-agent: *", "Allow: /"]
        sitemap = self.urls.absolute(paths.SITEMAP)
        if sitemap:
            lines.append(f"Sitemap: {sitemap}")
        return Page("robots.txt", None, data=("\n".join(lines) + "\n").encode())

    def sitemap(self, page_paths: list[str]) -> Iterator[Page]:
        if self.urls.origin is None:
            return  # a sitemap needs absolute URLs: only with a base_url that has a host
        dates = {paths.article(a.slug): a.day for a in self.site.articles}
        entries = [(self.urls.absolute(path), dates.get(path)) for path in page_paths]
        yield Page(paths.SITEMAP, "sitemap.xml", {"entries": entries})

    # -- pieces ----------------------------------------------------------------------------

    def html(self, path: str, template: str, context: dict[str, Any]) -> Page:
        return Page(path, template, {**context, "page_path": path})

    def feed(
        self, path: str, title: str, home: str, slugs: tuple[str, ...] | list[str], full_text: bool = False
    ) -> Page:
        """An Atom feed; only the site's carries full texts (entity feeds link to them)."""
        articles = [self.by_slug[slug] for slug in slugs[:FEED_ENTRIES]]
        entries = [
            {
                "id": self.feed_id(paths.article(a.slug)),
                "url": self.urls.absolute(paths.article(a.slug)) or self.urls.url(paths.article(a.slug)),
                "article": a,
                "updated": _timestamp(a),
                "summary": self.summary(a),
                "content": self.rendered[a.slug].html if full_text else None,
            }
            for a in articles
        ]
        updated = entries[0]["updated"] if entries else "1970-01-01T00:00:00Z"
        context = {
            "title": title,
            "id": self.feed_id(path),
            "self_url": self.urls.absolute(path) or self.urls.url(path),
            "home_url": self.urls.absolute(home) or self.urls.url(home),
            "updated": updated,
            "entries": entries,
        }
        return Page(path, "feed.xml", context)

    def feed_id(self, path: str) -> str:
        return self.urls.iri(path, self.site.config.title)

    def item(self, slug: str, mentions: tuple[Mention, ...] = ()) -> Item:
        if not mentions and slug in self.plain_items:
            return self.plain_items[slug]
        article = self.by_slug[slug]
        url = self.urls.url(paths.article(slug))
        snippets = tuple(
            Snippet(m.sentence[: m.start], m.sentence[m.start : m.end], m.sentence[m.end :], f"{url}#{m.anchor}")
            for m in _distinct_sentences(mentions)[:SNIPPETS_PER_ARTICLE]
        )
        item = Item(url, article.title, article.day, article.lang, self.summary(article), snippets)
        if not mentions:
            self.plain_items[slug] = item
        return item

    def entity_note(self, slug: str, note: AnchoredNote) -> EntityNote:
        article = self.by_slug[slug]
        url = self.urls.url(paths.article(slug))
        label = translate(self.language, f"kind.{note.annotation.kind}")
        return EntityNote(
            label, note.annotation.kind, note.exact, note.html, f"{url}#ann-{note.number}", article.title, url
        )

    def summary(self, article: Article) -> str:
        return article.summary or self.rendered[article.slug].summary

    def entity_link(self, entity_id: str, note: str = "") -> Link:
        entity = self.site.entities[entity_id]
        return Link(self.urls.url(paths.entity(entity_id)), entity.name, note)

    def count_note(self, entity_id: str) -> str:
        return str(self.graph.count(entity_id))

    def by_type(self, entity_ids: Any, with_counts: bool = False) -> list[tuple[str, list[Link]]]:
        groups: list[tuple[str, list[Link]]] = []
        for entity_type in ENTITY_TYPES:
            members = [e for e in entity_ids if self.site.entities[e].type == entity_type]
            members.sort(key=lambda e: name_key(self.site.entities[e].name))
            if members:
                links = [self.entity_link(e, self.count_note(e) if with_counts else "") for e in members]
                groups.append((translate(self.language, f"types.{entity_type}"), links))
        return groups

    def paginate(self, slugs: list[str], path_of: Any) -> Iterator[tuple[int, list[str], Pagination]]:
        size = self.site.config.per_page
        total = max(1, -(-len(slugs) // size))
        pages = tuple((n, self.urls.url(path_of(n))) for n in range(1, total + 1))
        for page in range(1, total + 1):
            newer = self.urls.url(path_of(page - 1)) if page > 1 else None
            older = self.urls.url(path_of(page + 1)) if page < total else None
            chunk = slugs[(page - 1) * size : page * size]
            yield page, chunk, Pagination(page, total, newer, older, pages)

    def article_json_ld(self, article: Article, entity_ids: tuple[str, ...]) -> dict[str, Any]:
        url = self.urls.absolute(paths.article(article.slug)) or self.urls.url(paths.article(article.slug))
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": article.date.isoformat(),
            "inLanguage": article.lang,
            "url": url,
            "about": [self._thing(e) for e in self.site.article_about[article.slug]],
            "mentions": [self._thing(e) for e in entity_ids],
        }
        if article.authors:
            data["author"] = [{"@type": "Person", "name": name} for name in article.authors]
        if article.source and article.source.url:
            data["isBasedOn"] = article.source.url
        return data

    def _thing(self, entity_id: str) -> dict[str, Any]:
        entity = self.site.entities[entity_id]
        schema_type = {
            "person": "Person",
            "organization": "Organization",
            "place": "Place",
            "event": "Event",
            "product": "Product",
        }
        thing: dict[str, Any] = {"@type": schema_type.get(entity.type, "Thing"), "name": entity.name}
        absolute = self.urls.absolute(paths.entity(entity_id))
        if absolute:
            thing["url"] = absolute
        if entity.wikidata:
            thing["sameAs"] = f"https://www.wikidata.org/wiki/{entity.wikidata}"
        return thing


def _distinct_sentences(mentions: tuple[Mention, ...]) -> list[Mention]:
    seen: set[str] = set()
    unique = []
    for mention in mentions:
        if mention.sentence not in seen:
            seen.add(mention.sentence)
            unique.append(mention)
    return unique


def _timestamp(article: Article) -> str:
    if isinstance(article.date, dt.datetime):
        moment = article.date if article.date.tzinfo else article.date.replace(tzinfo=dt.UTC)
        return moment.isoformat().replace("+00:00", "Z")
    return f"{article.date.isoformat()}T00:00:00Z"
