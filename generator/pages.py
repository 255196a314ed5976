"""Site -> the plan: every page of the site as data (path, template and the plain values it is
made from). No Jinja and no disk here.

A page's inputs are gathered only when the build asks for them: a build that only rewords
articles gathers those of the pages that show them (`showing`), and no other page changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from generator import urls as paths
from generator.i18n import Language
from generator.model import (
    ENTITY_TYPES,
    AnchoredNote,
    Article,
    Body,
    Entity,
    Graph,
    Mention,
    PageSpec,
    Planned,
    RenderedArticle,
    Site,
    Tag,
)
from generator.text import name_key
from generator.urls import Urls

FEED_ENTRIES = 50
SITEMAP_URLS = 50_000  # the most one sitemap may list
TOP_ENTITIES = 24
SNIPPETS_PER_ARTICLE = 3

Context = dict[str, Any]


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


def showing(plan: Iterable[Planned], slugs: set[str]) -> list[Planned]:
    """The pages of `plan` that show any of these articles: all that an edit which only rewords
    them can change (it keeps every list, count and index as it was)."""
    return [page for page in plan if not page.shows.isdisjoint(slugs)]


def plain_files(urls: Urls, cname: str = "") -> list[Planned]:
    """Files that are bytes, not templates; CNAME names a custom domain to GitHub Pages."""
    lines = ["User-agent: *", "Allow: /"]
    sitemap = urls.absolute(paths.SITEMAP)
    if sitemap:
        lines.append(f"Sitemap: {sitemap}")
    files = {".nojekyll": b"", "robots.txt": ("\n".join(lines) + "\n").encode()}
    files |= {"CNAME": f"{cname}\n".encode()} if cname else {}
    return [_planned(path, NOBODY, PageSpec(path, PageSpec.BYTES, data)) for path, data in files.items()]


NOBODY: frozenset[str] = frozenset()


def _planned(path: str, shows: frozenset[str], spec: PageSpec) -> Planned:
    return Planned(path, shows, lambda: spec)


class Planner:
    """The pages of a site. After edits that only reword articles, `reword` brings it up to date
    and the plan it made stays valid (every page gathers its inputs when asked)."""

    def __init__(
        self,
        site: Site,
        rendered: Mapping[str, RenderedArticle],
        graph: Graph,
        entity_notes: Callable[[Entity], str],
        urls: Urls,
        ui: Language,
        bodies: Mapping[str, str],
    ) -> None:
        self.site, self.rendered, self.graph, self.urls, self.ui = site, rendered, graph, urls, ui
        self.entity_notes, self.bodies = entity_notes, bodies
        self.by_slug = {article.slug: article for article in site.articles}
        self.plain_items: dict[str, Item] = {}  # an article as home, tag and related lists show it
        self.shown: dict[str, Article] = {}  # an article as templates get it: no Markdown body

    def reword(
        self, site: Site, rendered: Mapping[str, RenderedArticle], graph: Graph, bodies: Mapping[str, str]
    ) -> None:
        """The site after edits that kept every article's place (see build.reworded)."""
        self.site, self.rendered, self.graph, self.bodies = site, rendered, graph, bodies
        self.by_slug = {article.slug: article for article in site.articles}
        self.plain_items.clear()
        self.shown.clear()

    def pages(self) -> list[Planned]:
        plan, site, graph = self, self.site, self.graph
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
        ]
        return pages + plan.sitemaps([page.path for page in pages if page.path.endswith("/")])

    # -- pages ---------------------------------------------------------------------------

    def home(self) -> Iterator[Planned]:
        slugs = [article.slug for article in self.site.articles]
        for page, chunk, pagination in self.paginate(slugs, paths.home):
            yield self.page(paths.home(page), "home.html", chunk, partial(self.home_context, chunk, pagination))

    @functools.cached_property
    def top_entities(self) -> list[str]:
        """The most mentioned entities; by name, then id, among equals."""
        counts = self.graph.entity_articles
        ranks = heapq.nlargest(TOP_ENTITIES, map(len, counts.values()))  # in C: no key per entity
        candidates = [e for e, slugs in counts.items() if ranks and len(slugs) >= ranks[-1]]
        candidates.sort(key=lambda e: (-len(counts[e]), name_key(self.site.entities[e].name), e))
        return candidates[:TOP_ENTITIES]

    def home_context(self, chunk: list[str], pagination: Pagination) -> Context:
        return {
            "items": [self.item(slug) for slug in chunk],
            "pagination": pagination,
            "top_entities": [self.entity_link(e, self.count_note(e)) for e in self.top_entities],
        }

    def article(self, article: Article) -> Planned:
        slug = article.slug
        related = self.graph.related_articles[slug]
        context = lambda: self.article_context(self.by_slug[slug])  # noqa: E731  # the article as it is now
        return self.page(paths.article(slug), "article.html", (slug, *related), context)

    def article_context(self, article: Article) -> Context:
        slug = article.slug
        entity_ids = self.site.article_entities[slug]
        return {
            "article": self.shown_article(article),
            "body": Body(self.bodies[slug]),
            "summary": self.summary(article),
            "about": [self.entity_link(e) for e in self.site.article_about[slug]],
            "entity_groups": self.by_type(entity_ids),
            "tags": [Link(self.urls.url(paths.tag(t)), self.graph.tags[t].name) for t in self.graph.article_tags[slug]],
            "related": [self.item(s) for s in self.graph.related_articles[slug]],
            "json_ld": self.article_json_ld(article, entity_ids),
            "annotations_url": self.urls.url(paths.annotation_page(slug)) if self.rendered[slug].notes else None,
        }

    def shown_article(self, article: Article) -> Article:
        """The article as templates get it: its front matter (the body is `body`, rendered)."""
        if article.slug not in self.shown:
            self.shown[article.slug] = replace(article, body_refs=())
        return self.shown[article.slug]

    def entities_index(self) -> Planned:
        return self.page(
            paths.entities(),
            "entities.html",
            (),
            lambda: {
                "entity_groups": self.by_type(self.site.entities, with_counts=True),
                "total": len(self.site.entities),
            },
        )

    def entity(self, entity: Entity) -> Iterator[Planned]:
        slugs = list(self.graph.entity_articles.get(entity.id, ()))
        notes = self.graph.entity_notes.get(entity.id, ())
        noted = {slug for slug, _ in notes}  # the profile (notes, annotations) is on the first page only

        def context(chunk: list[str], pagination: Pagination) -> Context:
            first = pagination.page == 1
            notes = self.graph.entity_notes.get(entity.id, ()) if first else ()  # as they are now
            base = self.entity_base(entity, notes, len(slugs))
            base["notes"] = self.entity_notes(entity) if first else ""
            items = [self.item(slug, self.graph.mentions.get((entity.id, slug), ())) for slug in chunk]
            return {**base, "items": items, "pagination": pagination}

        for page, chunk, pagination in self.paginate(slugs, lambda n: paths.entity(entity.id, n)):
            shows = (*chunk, *noted) if page == 1 else chunk
            yield self.page(paths.entity(entity.id, page), "entity.html", shows, partial(context, chunk, pagination))

    def entity_base(self, entity: Entity, notes: tuple[tuple[str, AnchoredNote], ...], total: int) -> Context:
        parent = self.site.parents.get(entity.id)
        return {
            "entity": entity,
            "type_label": self.ui.type_label(entity.type),
            "parent": self.entity_link(parent) if parent else None,
            "children": [self.entity_link(e) for e in self.graph.children.get(entity.id, ())],
            "related": [self.entity_link(e) for e in self.site.related.get(entity.id, ())],
            "co_mentioned": [self.entity_link(e, str(n)) for e, n in self.graph.co_mentions.get(entity.id, ())],
            "total": total,
            "feed_url": self.urls.url(paths.entity_feed(entity.id)),
            "annotations": [self.entity_note(slug, note) for slug, note in notes],
        }

    def tags_index(self) -> Planned:
        def context() -> Context:
            tags = [
                Link(self.urls.url(paths.tag(t.slug)), t.name, str(len(t.articles))) for t in self.graph.tags.values()
            ]
            return {"tags": sorted(tags, key=lambda link: name_key(link.text))}

        return self.page(paths.tags(), "tags.html", (), context)

    def tag(self, slug: str) -> Iterator[Planned]:
        tag = self.graph.tags[slug]
        for page, chunk, pagination in self.paginate(list(tag.articles), lambda n: paths.tag(slug, n)):
            yield self.page(paths.tag(slug, page), "tag.html", chunk, partial(self.tag_context, tag, chunk, pagination))

    def tag_context(self, tag: Tag, chunk: list[str], pagination: Pagination) -> Context:
        return {"tag": tag, "items": [self.item(s) for s in chunk], "pagination": pagination}

    def site_feed(self) -> Planned:
        slugs = [article.slug for article in self.site.articles]
        return self.feed(paths.FEED, self.site.config.title, paths.home(), slugs, full_text=True)

    def entity_feed(self, entity: Entity) -> Planned:
        title = f"{self.site.config.title} — {entity.name}"
        return self.feed(
            paths.entity_feed(entity.id), title, paths.entity(entity.id), self.graph.entity_articles.get(entity.id, ())
        )

    def not_found(self) -> Planned:
        return self.page(paths.NOT_FOUND, "404.html", (), dict)

    def sitemaps(self, page_paths: list[str]) -> list[Planned]:
        """sitemap.xml; past SITEMAP_URLS URLs, an index of sitemaps of that many each, as the
        protocol requires (https://www.sitemaps.org/protocol.html#index)."""
        if self.urls.origin is None:
            return []  # a sitemap needs absolute URLs: only with a base_url that has a host
        dates = {paths.article(a.slug): a.day for a in self.site.articles}
        entries = [(self.urls.absolute(path), dates.get(path)) for path in page_paths]
        if len(entries) <= SITEMAP_URLS:
            return [self.page(paths.SITEMAP, "sitemap.xml", (), lambda: {"entries": entries})]
        parts = [entries[start : start + SITEMAP_URLS] for start in range(0, len(entries), SITEMAP_URLS)]
        index = [
            (self.urls.absolute(paths.sitemap_part(n)), max((d for _, d in part if d), default=None))
            for n, part in enumerate(parts, 1)
        ]
        pages = [self.page(paths.SITEMAP, "sitemapindex.xml", (), lambda: {"sitemaps": index})]
        return pages + [
            self.page(paths.sitemap_part(n), "sitemap.xml", (), partial(lambda part: {"entries": part}, part))
            for n, part in enumerate(parts, 1)
        ]

    # -- pieces ----------------------------------------------------------------------------

    def page(self, path: str, template: str, shows: Iterable[str], context: Callable[[], Context]) -> Planned:
        """A page whose context `context` gathers when the build needs its inputs; `shows`: the
        articles whose words it shows."""
        if not template.endswith(".html"):
            return Planned(path, frozenset(shows), lambda: PageSpec(path, template, context()))
        return Planned(path, frozenset(shows), lambda: PageSpec(path, template, {**context(), "page_path": path}))

    def feed(self, path: str, title: str, home: str, slugs: Sequence[str], full_text: bool = False) -> Planned:
        """An Atom feed; only the site's carries full texts (entity feeds link to them)."""
        shown = slugs[:FEED_ENTRIES]

        def context() -> Context:
            articles = [self.by_slug[slug] for slug in shown]
            entries = [
                {
                    "id": self.feed_id(paths.article(a.slug)),
                    "url": self.urls.absolute(paths.article(a.slug)) or self.urls.url(paths.article(a.slug)),
                    "article": self.shown_article(a),
                    "updated": _timestamp(a),
                    "summary": self.summary(a),
                    "content": Body(self.bodies[a.slug]) if full_text else None,
                }
                for a in articles
            ]
            return {
                "title": title,
                "id": self.feed_id(path),
                "self_url": self.urls.absolute(path) or self.urls.url(path),
                "home_url": self.urls.absolute(home) or self.urls.url(home),
                "updated": entries[0]["updated"] if entries else "1970-01-01T00:00:00Z",
                "entries": entries,
            }

        return self.page(path, "feed.xml", shown, context)

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
        label = self.ui.kind_label(note.annotation.kind)
        return EntityNote(
            label, note.annotation.kind, note.exact, note.html, f"{url}#ann-{note.number}", article.title, url
        )

    def summary(self, article: Article) -> str:
        return article.summary or self.rendered[article.slug].summary

    def entity_link(self, entity_id: str, note: str = "") -> Link:
        entity = self.site.entities[entity_id]
        return Link(self.urls.url(paths.entity(entity_id)), entity.name, note)

    def count_note(self, entity_id: str) -> str:
        return self.ui.number(self.graph.count(entity_id))

    def by_type(self, entity_ids: Any, with_counts: bool = False) -> list[tuple[str, list[Link]]]:
        groups: list[tuple[str, list[Link]]] = []
        for entity_type in ENTITY_TYPES:
            members = [e for e in entity_ids if self.site.entities[e].type == entity_type]
            members.sort(key=lambda e: name_key(self.site.entities[e].name))
            if members:
                links = [self.entity_link(e, self.count_note(e) if with_counts else "") for e in members]
                groups.append((self.ui.type_label(entity_type, plural=True), links))
        return groups

    def paginate(self, slugs: list[str], path_of: Any) -> Iterator[tuple[int, list[str], Pagination]]:
        size = self.site.config.per_page
        total = max(1, -(-len(slugs) // size))
        pages = tuple((n, self.urls.url(path_of(n))) for n in range(1, total + 1))
        for page in range(1, total + 1):
            chunk = slugs[(page - 1) * size : page * size]
            newer = self.urls.url(path_of(page - 1)) if page > 1 else None
            older = self.urls.url(path_of(page + 1)) if page < total else None
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
