"""Site -> the list of pages to write: (path, template, context). No Jinja and no disk here.

Every page's context is built from named inputs only (an article, an entity, a slice of a
list), so that a later incremental build can tell which pages an edit touches.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from generator import urls as paths
from generator.i18n import Language
from generator.model import (
    ENTITY_TYPES,
    AnchoredNote,
    Article,
    Entity,
    Graph,
    Mention,
    Page,
    PageKeys,
    RenderedArticle,
    Site,
    Tag,
)
from generator.text import fingerprint, name_key
from generator.urls import Urls

FEED_ENTRIES = 50
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


def plan_pages(
    site: Site,
    rendered: Mapping[str, RenderedArticle],
    graph: Graph,
    entity_notes: Callable[[Entity], str],
    urls: Urls,
    keys: PageKeys,
    ui: Language,
    touched: set[str] | None = None,
) -> list[Page]:
    """Every page with its key; a page whose key equals `keys.previous` comes without a context.
    With `touched`, only the pages that show these articles, after edits that kept their
    date, tags and entities (so that every list, count and index is the same as before)."""
    plan = _Planner(site, rendered, graph, entity_notes, urls, keys, ui)
    if touched is not None:
        return plan.showing(touched)
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
    return pages + list(plan.sitemap([page.path for page in pages if page.path.endswith("/")]))


def plain_files(urls: Urls, cname: str = "") -> list[Page]:
    """Files that are bytes, not templates; CNAME names a custom domain to GitHub Pages."""
    lines = ["User-agent: *", "Allow: /"]
    sitemap = urls.absolute(paths.SITEMAP)
    if sitemap:
        lines.append(f"Sitemap: {sitemap}")
    files = [Page(".nojekyll", None), Page("robots.txt", None, data=("\n".join(lines) + "\n").encode())]
    return files + ([Page("CNAME", None, data=f"{cname}\n".encode())] if cname else [])


class _Planner:
    def __init__(
        self,
        site: Site,
        rendered: Mapping[str, RenderedArticle],
        graph: Graph,
        entity_notes: Callable[[Entity], str],
        urls: Urls,
        keys: PageKeys,
        ui: Language,
    ) -> None:
        self.site, self.rendered, self.graph, self.urls, self.keys = site, rendered, graph, urls, keys
        self.entity_notes = entity_notes
        self.by_slug = {article.slug: article for article in site.articles}
        self.ui = ui
        self.plain_items: dict[str, Item] = {}  # an article as home, tag and related lists show it
        self.touched: set[str] | None = None  # plan only the list pages that show these articles

    def showing(self, slugs: set[str]) -> list[Page]:
        """The articles' own pages, the list pages they are on, the articles that list them as
        related, and the feeds."""
        self.touched = slugs
        graph, site = self.graph, self.site
        referrers = {slug for slug, related in graph.related_articles.items() if not slugs.isdisjoint(related)}
        entity_ids = sorted({e for slug in slugs for e in site.article_entities[slug]})
        tags = sorted({tag for slug in slugs for tag in graph.article_tags[slug]})
        return [
            *self.home(),
            *(self.article(self.by_slug[slug]) for slug in sorted(slugs | referrers)),
            *(page for entity_id in entity_ids for page in self.entity(site.entities[entity_id])),
            *(self.entity_feed(site.entities[entity_id]) for entity_id in entity_ids),
            *(page for tag in tags for page in self.tag(tag)),
            self.site_feed(),
        ]

    # -- pages ---------------------------------------------------------------------------

    def home(self) -> Iterator[Page]:
        slugs = [article.slug for article in self.site.articles]
        top_ids = self.top_entities()
        top_key = tuple((e, self.graph.count(e)) for e in top_ids)
        for page, chunk, pagination in self.paginate(slugs, paths.home):
            yield self.page(
                paths.home(page),
                "home.html",
                (self.listing_keys(chunk), pagination.page, pagination.total, top_key),
                partial(self.home_context, chunk, pagination, top_ids),
            )

    def top_entities(self) -> list[str]:
        """The most mentioned entities; by name, then id, among equals."""
        counts = self.graph.entity_articles
        ranks = heapq.nlargest(TOP_ENTITIES, map(len, counts.values()))  # in C: no key per entity
        candidates = [e for e, slugs in counts.items() if ranks and len(slugs) >= ranks[-1]]
        candidates.sort(key=lambda e: (-len(counts[e]), name_key(self.site.entities[e].name), e))
        return candidates[:TOP_ENTITIES]

    def home_context(self, chunk: list[str], pagination: Pagination, top_ids: list[str]) -> Context:
        return {
            "items": [self.item(slug) for slug in chunk],
            "pagination": pagination,
            "top_entities": [self.entity_link(e, self.count_note(e)) for e in top_ids],
        }

    def article(self, article: Article) -> Page:
        slug = article.slug
        entity_ids, about = self.site.article_entities[slug], self.site.article_about[slug]
        tags = [(t, self.graph.tags[t].name) for t in self.graph.article_tags[slug]]
        related = self.graph.related_articles[slug]
        key = (self.keys.articles[slug], entity_ids, about, tuple(tags), self.listing_keys(related))
        return self.page(paths.article(slug), "article.html", key, lambda: self.article_context(article, tags, related))

    def article_context(self, article: Article, tags: list[tuple[str, str]], related: tuple[str, ...]) -> Context:
        rendered = self.rendered[article.slug]
        entity_ids = self.site.article_entities[article.slug]
        return {
            "article": article,
            "body": rendered.html,
            "summary": self.summary(article),
            "about": [self.entity_link(e) for e in self.site.article_about[article.slug]],
            "entity_groups": self.by_type(entity_ids),
            "tags": [Link(self.urls.url(paths.tag(t)), name) for t, name in tags],
            "related": [self.item(slug) for slug in related],
            "json_ld": self.article_json_ld(article, entity_ids),
            "annotations_url": self.urls.url(paths.annotation_page(article.slug)) if rendered.notes else None,
        }

    def entities_index(self) -> Page:
        counts = tuple((e, self.graph.count(e)) for e in self.site.entities)
        return self.page(
            paths.entities(),
            "entities.html",
            counts,
            lambda: {
                "entity_groups": self.by_type(self.site.entities, with_counts=True),
                "total": len(self.site.entities),
            },
        )

    def entity(self, entity: Entity) -> Iterator[Page]:
        slugs = list(self.graph.entity_articles.get(entity.id, ()))
        parent = self.site.parents.get(entity.id)
        children = self.graph.children.get(entity.id, ())
        related = self.site.related.get(entity.id, ())
        co_mentioned = self.graph.co_mentions.get(entity.id, ())
        notes = self.graph.entity_notes.get(entity.id, ())
        noted = tuple((note, self.keys.listings[slug]) for slug, note in notes)
        # what every page of the entity shows, as one digest: keys for long lists stay cheap
        shared = fingerprint(self.keys.entities[entity.id], parent, children, related, co_mentioned, len(slugs))
        profile = fingerprint(noted)  # on the first page only

        def context(chunk: list[str], pagination: Pagination) -> Context:
            # the profile (notes, annotations) is on the first page; the others continue the list
            first = pagination.page == 1
            base = self.entity_base(entity, parent, children, related, co_mentioned, notes if first else (), len(slugs))
            base["notes"] = self.entity_notes(entity) if first else ""
            items = [self.item(slug, self.graph.mentions.get((entity.id, slug), ())) for slug in chunk]
            return {**base, "items": items, "pagination": pagination}

        for page, chunk, pagination in self.paginate(slugs, lambda n: paths.entity(entity.id, n)):
            yield self.page(
                paths.entity(entity.id, page),
                "entity.html",
                (shared, profile if page == 1 else "", self.snippet_keys(chunk), pagination.page, pagination.total),
                partial(context, chunk, pagination),
            )

    def entity_base(
        self,
        entity: Entity,
        parent: str | None,
        children: tuple[str, ...],
        related: tuple[str, ...],
        co_mentioned: tuple[tuple[str, int], ...],
        notes: tuple[tuple[str, AnchoredNote], ...],
        total: int,
    ) -> Context:
        return {
            "entity": entity,
            "type_label": self.ui.type_label(entity.type),
            "parent": self.entity_link(parent) if parent else None,
            "children": [self.entity_link(e) for e in children],
            "related": [self.entity_link(e) for e in related],
            "co_mentioned": [self.entity_link(e, str(n)) for e, n in co_mentioned],
            "total": total,
            "feed_url": self.urls.url(paths.entity_feed(entity.id)),
            "annotations": [self.entity_note(slug, note) for slug, note in notes],
        }

    def tags_index(self) -> Page:
        counts = tuple((t.slug, t.name, len(t.articles)) for t in self.graph.tags.values())

        def context() -> Context:
            tags = [Link(self.urls.url(paths.tag(slug)), name, str(n)) for slug, name, n in counts]
            return {"tags": sorted(tags, key=lambda link: name_key(link.text))}

        return self.page(paths.tags(), "tags.html", counts, context)

    def tag(self, slug: str) -> Iterator[Page]:
        tag = self.graph.tags[slug]
        for page, chunk, pagination in self.paginate(list(tag.articles), lambda n: paths.tag(slug, n)):
            yield self.page(
                paths.tag(slug, page),
                "tag.html",
                (tag.name, len(tag.articles), self.listing_keys(chunk), pagination.page, pagination.total),
                partial(self.tag_context, tag, chunk, pagination),
            )

    def tag_context(self, tag: Tag, chunk: list[str], pagination: Pagination) -> Context:
        return {"tag": tag, "items": [self.item(s) for s in chunk], "pagination": pagination}

    def site_feed(self) -> Page:
        slugs = [article.slug for article in self.site.articles]
        return self.feed(paths.FEED, self.site.config.title, paths.home(), slugs, full_text=True)

    def entity_feed(self, entity: Entity) -> Page:
        title = f"{self.site.config.title} — {entity.name}"
        return self.feed(
            paths.entity_feed(entity.id), title, paths.entity(entity.id), self.graph.entity_articles.get(entity.id, ())
        )

    def not_found(self) -> Page:
        return self.page(paths.NOT_FOUND, "404.html", (), dict)

    def sitemap(self, page_paths: list[str]) -> Iterator[Page]:
        if self.urls.origin is None:
            return  # a sitemap needs absolute URLs: only with a base_url that has a host
        dates = {paths.article(a.slug): a.day for a in self.site.articles}
        entries = [(self.urls.absolute(path), dates.get(path)) for path in page_paths]
        yield self.page(paths.SITEMAP, "sitemap.xml", tuple(entries), lambda: {"entries": entries})

    # -- pieces ----------------------------------------------------------------------------

    def page(self, path: str, template: str, parts: object, context: Callable[[], Context]) -> Page:
        """A page, or only its key when the previous build made it from the same inputs.
        `context` is called when the page is rendered: in a worker, in parallel."""
        key = self.keys.key(path, template, parts)
        if self.keys.unchanged(path, key):
            return Page(path, template, key=key, unchanged=True)
        if not template.endswith(".html"):
            return Page(path, template, context, key=key)
        return Page(path, template, lambda: {**context(), "page_path": path}, key=key)

    def article_keys(self, slugs: Sequence[str]) -> tuple[str, ...]:
        return tuple(self.keys.articles[slug] for slug in slugs)

    def snippet_keys(self, slugs: Sequence[str]) -> tuple[tuple[str, str], ...]:
        """For lists of items with snippets: the mentions, quoted in context."""
        return tuple((self.keys.listings[slug], self.rendered[slug].mentions_key) for slug in slugs)

    def listing_keys(self, slugs: Sequence[str]) -> tuple[str, ...]:
        """For lists of plain items (no snippets): a reworded body changes none of them."""
        return tuple(self.keys.listings[slug] for slug in slugs)

    # -- pieces ----------------------------------------------------------------------------

    def feed(self, path: str, title: str, home: str, slugs: Sequence[str], full_text: bool = False) -> Page:
        """An Atom feed; only the site's carries full texts (entity feeds link to them)."""
        shown = slugs[:FEED_ENTRIES]

        def context() -> Context:
            articles = [self.by_slug[slug] for slug in shown]
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
            return {
                "title": title,
                "id": self.feed_id(path),
                "self_url": self.urls.absolute(path) or self.urls.url(path),
                "home_url": self.urls.absolute(home) or self.urls.url(home),
                "updated": entries[0]["updated"] if entries else "1970-01-01T00:00:00Z",
                "entries": entries,
            }

        return self.page(path, "feed.xml", (title, self.article_keys(shown)), context)

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
        """Pages of `slugs`; with `touched`, only the first page and those listing a touched
        article (the others are made from the same inputs as before)."""
        size = self.site.config.per_page
        total = max(1, -(-len(slugs) // size))
        pages = tuple((n, self.urls.url(path_of(n))) for n in range(1, total + 1))
        for page in range(1, total + 1):
            chunk = slugs[(page - 1) * size : page * size]
            if self.touched is not None and page > 1 and self.touched.isdisjoint(chunk):
                continue
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
