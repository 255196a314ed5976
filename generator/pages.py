"""Site -> the plan: every page of the site as data (path, template and the plain values it is
made from). No Jinja and no disk here.

A page's inputs are gathered only when the build asks for them: a build that only rewords
articles gathers those of the pages that show them (`showing`), and no other page changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from itertools import zip_longest
from typing import Any
from urllib.parse import urlsplit

from generator import urls as paths
from generator.i18n import Language
from generator.layout import force_layout, placed_labels, radial_layout, shortened
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
MAP_ENTITIES = 40  # on the map of the archive: the most mentioned
MAP_LINKS = 4  # each one's strongest co-mentions drawn
NEIGHBOURS = 10  # on an entity's own map
MAP_SIZE = (1000, 700)
NEIGHBOURHOOD_SIZE = (480, 560)  # upright: it fits a sidebar
MAP_LABEL_ROOM, NEIGHBOURHOOD_LABEL_ROOM = 110, 100  # left and right of a drawing, for the labels beside its nodes
MAP_FONT, NEIGHBOURHOOD_FONT = 15, 24  # the labels' size in each drawing's units: measured here, drawn at it
LABEL_CHARS = 22  # a longer name is shortened on a map (its circle's title has it whole)
TOP_PER_TYPE = 12  # on the entities index, before the A to Z of each type
SNIPPETS_PER_ARTICLE = 3

Context = dict[str, Any]


@dataclass(frozen=True)
class Link:
    url: str
    text: str
    note: str = ""  # a count or a type, shown beside the link
    weight: float = 0.0  # in a ranked list: its count over the first one's, for a bar


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
            plan.archive_map(),
            *(page for entity in site.entities.values() for page in plan.entity(entity)),
            *(plan.entity_feed(entity) for entity in site.entities.values()),
            plan.tags_index(),
            *(page for tag in graph.tags for page in plan.tag(tag)),
            *(page for year in plan.by_month for page in plan.year(year)),
            *(page for year, months in plan.by_month.items() for m in months for page in plan.month(year, m)),
            *(plan.tag_feed(tag) for tag in graph.tags),
            plan.site_feed(),
            plan.search(),
            plan.not_found(),
        ]
        listed = plan.sitemaps([page for page in pages if page.path == paths.home() or page.path.endswith("/")])
        return pages + listed + plan.redirects()  # listed nowhere: a redirect is no page of the site

    # -- pages ---------------------------------------------------------------------------

    def home(self) -> Iterator[Planned]:
        slugs = [article.slug for article in self.site.articles]
        for page, chunk, pagination in self.paginate(slugs, paths.home):
            yield self.page(
                paths.home(page),
                "home.html",
                chunk,
                partial(self.home_context, chunk, pagination),
                lambda context: {"title": self.paged(self.site.config.title, context["pagination"])},
            )

    @functools.cached_property
    def top_entities(self) -> list[str]:
        """The most mentioned entities; by name, then id, among equals."""
        counts = self.graph.entity_articles
        ranks = heapq.nlargest(TOP_ENTITIES, map(len, counts.values()))  # in C: no key per entity
        candidates = [e for e, slugs in counts.items() if ranks and len(slugs) >= ranks[-1]]
        candidates.sort(key=lambda e: (-len(counts[e]), name_key(self.site.entities[e].name), e))
        return candidates[:TOP_ENTITIES]

    def home_context(self, chunk: list[str], pagination: Pagination) -> Context:
        counts = [(e, self.graph.count(e)) for e in self.top_entities]
        items = [self.item(slug) for slug in chunk]
        return {
            "items": items,
            "pagination": pagination,
            "top_entities": self.ranked(counts),
            "years": self.years(),
            "json_ld": self.collection_json_ld(
                paths.home(pagination.page), self.site.config.title, [(i.url, i.title) for i in items]
            ),
        }

    def ranked(self, counts: Sequence[tuple[str, int]]) -> list[Link]:
        """Links to entities with their counts, largest first, each weighed against the first."""
        most = max((n for _, n in counts), default=0) or 1
        return [replace(self.entity_link(e, self.ui.number(n)), weight=round(n / most, 3)) for e, n in counts]

    def article(self, article: Article) -> Planned:
        slug = article.slug
        related = self.graph.related_articles[slug]
        context = lambda: self.article_context(self.by_slug[slug])  # noqa: E731  # the article as it is now
        return self.page(paths.article(slug), "article.html", (slug, *related), context, self.article_share)

    def article_share(self, context: Context) -> Context:
        """What an article page tells sites that link to it (OpenGraph's article:* properties)."""
        article: Article = context["article"]
        return {
            "title": article.title,
            "description": _shortened(context["summary"]),
            "type": "article",
            "published": article.date.isoformat(),
            "modified": article.last_changed.isoformat(),
            "tags": [link.text for link in context["tags"]],
        }

    def article_context(self, article: Article) -> Context:
        slug = article.slug
        entity_ids = self.site.entities_of(slug)
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
            "cards": [self.card(e) for e in entity_ids],
            "month_url": self.urls.url(paths.month(article.date.year, article.date.month)),
        }

    def card(self, entity_id: str) -> dict[str, str]:
        """What a mention's preview card shows of its entity."""
        entity = self.site.entities[entity_id]
        return {
            "url": self.urls.url(paths.entity(entity_id)),
            "name": entity.name,
            "type": entity.type,
            "label": self.ui.type_label(entity.type),
            "description": entity.description,
        }

    def shown_article(self, article: Article) -> Article:
        """The article as templates get it: its front matter (the body is `body`, rendered)."""
        if article.slug not in self.shown:
            self.shown[article.slug] = replace(article, body_refs=())
        return self.shown[article.slug]

    def entities_index(self) -> Planned:
        def context() -> Context:
            types = self.entity_types()
            shown = [(link.url, link.text) for group in types for link in group["top"]]  # not all: 20,000 at times
            json_ld = self.collection_json_ld(paths.entities(), self.ui.tr("All entities"), shown)
            json_ld["mainEntity"]["numberOfItems"] = len(self.site.entities)
            return {"types": types, "total": len(self.site.entities), "json_ld": json_ld}

        return self.page(
            paths.entities(), "entities.html", (), context, lambda _: {"title": self.ui.tr("All entities")}
        )

    def entity_types(self) -> list[Context]:
        """The entities index: per type, its most mentioned, then all of them by initial."""
        types = []
        for entity_type in ENTITY_TYPES:
            members = [e for e in self.site.entities.values() if e.type == entity_type]
            if not members:
                continue
            members.sort(key=lambda e: (name_key(e.name), e.id))
            by_count = sorted(members, key=lambda e: -self.graph.count(e.id))  # stable: by name among equals
            letters: dict[str, list[Link]] = {}
            for entity in members:
                letters.setdefault(initial(entity.name), []).append(
                    self.entity_link(entity.id, self.count_note(entity.id))
                )
            types.append(
                {
                    "type": entity_type,
                    "label": self.ui.type_label(entity_type, plural=True),
                    "total": len(members),
                    "top": [self.entity_link(e.id, self.count_note(e.id)) for e in by_count[:TOP_PER_TYPE]],
                    "letters": sorted(letters.items(), key=lambda item: (item[0] == "#", item[0])),
                }
            )
        return types

    def entity(self, entity: Entity) -> Iterator[Planned]:
        slugs = list(self.graph.entity_articles.get(entity.id, ()))
        notes = self.graph.entity_notes.get(entity.id, ())
        noted = {slug for slug, _ in notes}  # the profile (notes, annotations) is on the first page only

        def context(chunk: list[str], pagination: Pagination) -> Context:
            first = pagination.page == 1
            notes = self.graph.entity_notes.get(entity.id, ()) if first else ()  # as they are now
            base = self.entity_base(entity, notes, len(slugs))
            base["notes"] = self.entity_notes(entity) if first else ""
            base["timeline"] = self.timeline(entity.id) if first else None
            base["neighbourhood"] = self.neighbourhood(entity.id) if first else None
            items = [self.item(slug, self.graph.mentions.get((entity.id, slug), ())) for slug in chunk]
            return {**base, "items": items, "pagination": pagination}

        def share(context: Context) -> Context:
            return {
                "title": self.paged(entity.name, context["pagination"]),
                "description": entity.description or entity.name,
                "type": "profile" if entity.type == "person" else "website",
            }

        for page, chunk, pagination in self.paginate(slugs, lambda n: paths.entity(entity.id, n)):
            shows = (*chunk, *noted) if page == 1 else chunk
            yield self.page(
                paths.entity(entity.id, page), "entity.html", shows, partial(context, chunk, pagination), share
            )

    # -- maps ---------------------------------------------------------------------------

    def archive_map(self) -> Planned:
        """The co-mention network of the most mentioned entities, laid out at build time."""
        counts = self.graph.entity_articles
        ranked = sorted(counts, key=lambda e: (-len(counts[e]), name_key(self.site.entities[e].name), e))
        chosen = ranked[:MAP_ENTITIES]
        edges: dict[tuple[str, str], float] = {}
        for entity_id in chosen:
            strongest = [(o, n) for o, n in self.graph.co_mentions.get(entity_id, ()) if o in chosen][:MAP_LINKS]
            edges.update({tuple(sorted((entity_id, other))): float(n) for other, n in strongest})  # type: ignore[misc]

        def context() -> Context:
            title = self.ui.tr("Map of the archive")
            drawing = self.drawing(chosen, edges, force_layout, MAP_SIZE, MAP_LABEL_ROOM, MAP_FONT)
            links = [self.entity_link(e, self.ui.number(len(counts[e]))) for e in chosen]
            withs = [self.ranked(self.graph.co_mentions.get(e, ())[:3]) for e in chosen]
            listed = [{"entity": link, "with": others} for link, others in zip(links, withs, strict=True)]
            json_ld = self.collection_json_ld(paths.archive_map(), title, [(link.url, link.text) for link in links])
            return {"drawing": drawing, "listed": listed, "json_ld": json_ld}

        return self.page(
            paths.archive_map(), "map.html", (), context, lambda _: {"title": self.ui.tr("Map of the archive")}
        )

    def neighbourhood(self, entity_id: str) -> Context | None:
        """An entity and those most often mentioned with it, around it."""
        around = [other for other, _ in self.graph.co_mentions.get(entity_id, ())[:NEIGHBOURS]]
        if not around:
            return None
        shared = dict(self.graph.co_mentions.get(entity_id, ()))
        edges = {(entity_id, other): float(shared[other]) for other in around}
        place = lambda nodes, links, w, h: radial_layout(entity_id, around, w, h)  # noqa: E731
        return self.drawing(
            [entity_id, *around], edges, place, NEIGHBOURHOOD_SIZE, NEIGHBOURHOOD_LABEL_ROOM, NEIGHBOURHOOD_FONT
        )

    def drawing(self, nodes: list[str], edges: Mapping[tuple[str, str], float], place: Any, size: tuple[int, int], side_margin: int, font: int) -> Context:  # fmt: skip
        """Nodes and links as the template draws them: circles sized by articles, coloured by
        type, each a link to its entity's page, labelled where a label has room; lines as wide
        as the articles in common."""
        width, height = size
        laid = place(nodes, edges, width - 2 * side_margin, height - 80)
        at = {node: (x + side_margin, y + 40) for node, (x, y) in laid.items()}
        counts = {e: len(self.graph.entity_articles.get(e, ())) for e in nodes}
        most = max(counts.values(), default=1) or 1
        heaviest = max(edges.values(), default=1.0) or 1.0
        radii = {e: round(6 + 16 * math.sqrt(counts[e] / most), 1) for e in nodes}
        entities = {e: self.site.entities[e] for e in nodes}
        names = {e: entity.name for e, entity in entities.items()}
        shorts = {e: shortened(name, LABEL_CHARS) for e, name in names.items()}
        spots = placed_labels([(*at[e], radii[e], shorts[e]) for e in nodes], width, height, font)
        circles = []
        for e, spot in zip(nodes, spots, strict=True):
            x, y = at[e]
            label_x, label_y, side, short = spot or (None, None, None, None)
            count = self.ui.ngettext("%(num)s article", "%(num)s articles", counts[e])
            circles.append({"url": self.urls.url(paths.entity(e)), "name": names[e], "short": short, "type": entities[e].type, "x": round(x, 1), "y": round(y, 1), "r": radii[e], "label_x": label_x, "label_y": label_y, "anchor": side, "count": count})  # fmt: skip
        lines = [
            {
                "x1": round(at[a][0], 1),
                "y1": round(at[a][1], 1),
                "x2": round(at[b][0], 1),
                "y2": round(at[b][1], 1),
                "width": round(1 + 5 * w / heaviest, 1),
            }  # fmt: skip
            for (a, b), w in sorted(edges.items())
        ]
        return {"width": width, "height": height, "font": font, "circles": circles, "lines": lines}

    def timeline(self, entity_id: str) -> Context | None:
        """The articles that mention an entity, counted by month (by year past three years),
        every period from the first to the last included, drawn as bars at build time: the
        numbers (bars as boxes in a TIMELINE_WIDTH x TIMELINE_HEIGHT view, labels, totals) for
        the template's inline SVG and its table."""
        slugs = self.graph.entity_articles.get(entity_id, ())
        if not slugs:
            return None
        days = sorted((self.by_slug[slug].day, slug) for slug in slugs)
        (first, first_slug), (last, last_slug) = days[0], days[-1]
        by_year = last.year - first.year >= 3
        period = (lambda d: (d.year, 1)) if by_year else (lambda d: (d.year, d.month))  # noqa: E731
        counts = Counter(period(day) for day, _ in days)
        periods = _periods(period(first), period(last), by_year)
        most = max(counts.values())
        step = TIMELINE_WIDTH / len(periods)
        chart = TIMELINE_HEIGHT
        bars = []
        for index, (year, month) in enumerate(periods):
            n = counts.get((year, month), 0)
            height = round(chart * n / most, 1)
            label = str(year) if by_year else self.ui.month(year, month)
            x, width = round(index * step + step * 0.1, 1), round(step * 0.8, 1)
            bars.append({"label": label, "count": n, "x": x, "y": round(chart - height, 1), "width": width, "height": height})  # fmt: skip
        mentions = sum(len(self.graph.mentions.get((entity_id, slug), ())) for slug in slugs)
        return {
            "bars": bars,
            "by_year": by_year,
            "width": TIMELINE_WIDTH,
            "height": TIMELINE_HEIGHT,
            "first": Link(self.urls.url(paths.article(first_slug)), self.ui.date(first)),
            "last": Link(self.urls.url(paths.article(last_slug)), self.ui.date(last)),
            "articles": len(slugs),
            "mentions": mentions,
        }

    def entity_base(self, entity: Entity, notes: tuple[tuple[str, AnchoredNote], ...], total: int) -> Context:
        parent = self.site.parents.get(entity.id)
        return {
            "entity": entity,
            "type_label": self.ui.type_label(entity.type),
            "parent": self.entity_link(parent) if parent else None,
            "children": [self.entity_link(e) for e in self.graph.children.get(entity.id, ())],
            "related": [self.entity_link(e) for e in self.site.related.get(entity.id, ())],
            "co_mentioned": self.ranked(self.graph.co_mentions.get(entity.id, ())),
            "aliases": [
                {"text": alias, "lang": lang}
                for alias, lang in zip_longest(entity.aliases, entity.alias_langs, fillvalue="")
            ],
            "external": self.external_links(entity),
            "tag": self.tag_link(self.tag_of_entity.get(entity.id)),
            "json_ld": self.entity_json_ld(entity),
            "total": total,
            "feed_url": self.urls.url(paths.entity_feed(entity.id)),
            "annotations": [self.entity_note(slug, note) for slug, note in notes],
        }

    def tags_index(self) -> Planned:
        def context() -> Context:
            tags = [
                Link(self.urls.url(paths.tag(t.slug)), t.name, str(len(t.articles))) for t in self.graph.tags.values()
            ]
            tags.sort(key=lambda link: name_key(link.text))
            json_ld = self.collection_json_ld(paths.tags(), self.ui.tr("All tags"), [(t.url, t.text) for t in tags])
            return {"tags": tags, "json_ld": json_ld}

        return self.page(paths.tags(), "tags.html", (), context, lambda _: {"title": self.ui.tr("All tags")})

    def tag(self, slug: str) -> Iterator[Planned]:
        tag = self.graph.tags[slug]
        for page, chunk, pagination in self.paginate(list(tag.articles), lambda n: paths.tag(slug, n)):
            yield self.page(
                paths.tag(slug, page),
                "tag.html",
                chunk,
                partial(self.tag_context, tag, chunk, pagination),
                lambda context: {
                    "title": self.paged(self.ui.tr("Articles tagged “%(name)s”", name=tag.name), context["pagination"])
                },
            )

    def tag_context(self, tag: Tag, chunk: list[str], pagination: Pagination) -> Context:
        entity_id = self.entity_of_tag.get(tag.slug)
        items = [self.item(s) for s in chunk]
        return {
            "tag": tag,
            "items": items,
            "json_ld": self.collection_json_ld(
                paths.tag(tag.slug, pagination.page), tag.name, [(i.url, i.title) for i in items]
            ),
            "pagination": pagination,
            "entity": self.entity_link(entity_id) if entity_id else None,
            "tag_feed_url": self.urls.url(paths.tag_feed(tag.slug)),
        }

    def redirects(self) -> list[Planned]:
        """A page at each old address of an article or entity (`aliases: [/old/path/]`) that
        sends the reader on to it."""
        moved = [(old, paths.article(a.slug), a.title) for a in self.site.articles for old, _ in a.moved_from]
        moved += [(old, paths.entity(e.id), e.name) for e in self.site.entities.values() for old, _ in e.moved_from]
        return [self.redirect(old, target, title) for old, target, title in moved]

    def redirect(self, old: str, target: str, title: str) -> Planned:
        context = {"target": self.urls.url(target), "canonical": self.page_url(target), "title": title}
        return Planned(old, frozenset(), lambda: PageSpec(old, "redirect.html", context))

    # -- date archives -------------------------------------------------------------------

    @functools.cached_property
    def by_month(self) -> dict[int, dict[int, list[str]]]:
        """The articles by year and month, newest first (as the site lists them)."""
        found: dict[int, dict[int, list[str]]] = {}
        for article in self.site.articles:
            found.setdefault(article.date.year, {}).setdefault(article.date.month, []).append(article.slug)
        return found

    def years(self) -> list[Link]:
        """Every year of the archive, newest first, with its number of articles."""
        return [
            Link(self.urls.url(paths.year(year)), str(year), self.ui.number(sum(map(len, months.values()))))
            for year, months in self.by_month.items()
        ]

    def year(self, year: int) -> Iterator[Planned]:
        slugs = [slug for month in self.by_month[year].values() for slug in month]
        title = self.ui.tr("Articles of %(year)s", year=str(year))
        for page, chunk, pagination in self.paginate(slugs, lambda n: paths.year(year, n)):
            months = [
                Link(self.urls.url(paths.month(year, m)), self.ui.month_name(m), self.ui.number(len(found)))
                for m, found in self.by_month[year].items()
            ]
            more = {"months": months, "year": None, "count": len(slugs)}
            yield self.period(paths.year(year, page), str(year), title, chunk, pagination, more)

    def month(self, year: int, month: int) -> Iterator[Planned]:
        slugs = self.by_month[year][month]
        name = self.ui.month(year, month)
        title = self.ui.tr("Articles of %(month)s", month=name)
        up = Link(self.urls.url(paths.year(year)), str(year))
        for page, chunk, pagination in self.paginate(slugs, lambda n: paths.month(year, month, n)):
            more = {"months": [], "year": up, "count": len(slugs)}
            yield self.period(paths.month(year, month, page), name, title, chunk, pagination, more)

    def period(
        self, path: str, name: str, title: str, chunk: list[str], pagination: Pagination, more: Context
    ) -> Planned:
        """A year's or a month's page of articles."""

        def context() -> Context:
            items = [self.item(slug) for slug in chunk]
            json_ld = self.collection_json_ld(path, title, [(i.url, i.title) for i in items])
            return {
                "period": name,
                "heading": title,
                "items": items,
                "pagination": pagination,
                "json_ld": json_ld,
                **more,
            }

        return self.page(path, "period.html", chunk, context, lambda c: {"title": self.paged(title, c["pagination"])})

    @functools.cached_property
    def entity_of_tag(self) -> dict[str, str]:
        """A tag and the entity it names (by its name or an alias): they link to each other."""
        found = {slug: self.site.lookup.get(name_key(tag.name)) for slug, tag in self.graph.tags.items()}
        return {slug: entity_id for slug, entity_id in found.items() if entity_id}

    @functools.cached_property
    def tag_of_entity(self) -> dict[str, str]:
        return {entity_id: slug for slug, entity_id in sorted(self.entity_of_tag.items(), reverse=True)}

    def tag_link(self, slug: str | None) -> Link | None:
        return Link(self.urls.url(paths.tag(slug)), self.graph.tags[slug].name) if slug else None

    def external_links(self, entity: Entity) -> list[Link]:
        links = []
        if entity.wikidata:
            links.append(Link(f"https://www.wikidata.org/wiki/{entity.wikidata}", f"Wikidata {entity.wikidata}"))
        if entity.website:
            links.append(Link(entity.website, urlsplit(entity.website).hostname or entity.website))
        return links

    def site_feed(self) -> Planned:
        slugs = [article.slug for article in self.site.articles]
        return self.feed(paths.FEED, self.site.config.title, paths.home(), slugs, full_text=True)

    def entity_feed(self, entity: Entity) -> Planned:
        title = f"{self.site.config.title} — {entity.name}"
        return self.feed(
            paths.entity_feed(entity.id), title, paths.entity(entity.id), self.graph.entity_articles.get(entity.id, ())
        )

    def search(self) -> Planned:
        return self.page(paths.search(), "search.html", (), dict, lambda _: {"title": self.ui.tr("Search")})

    def tag_feed(self, slug: str) -> Planned:
        tag = self.graph.tags[slug]
        title = f"{self.site.config.title} — {tag.name}"
        return self.feed(paths.tag_feed(slug), title, paths.tag(slug), tag.articles)

    def not_found(self) -> Planned:
        return self.page(paths.NOT_FOUND, "404.html", (), dict, lambda _: {"title": self.ui.tr("Page not found")})

    def sitemaps(self, pages: list[Planned]) -> list[Planned]:
        """sitemap.xml; past SITEMAP_URLS URLs, an index of sitemaps of that many each, as the
        protocol requires (https://www.sitemaps.org/protocol.html#index). Each URL has the day
        its page last changed: an article's own, a list's latest article's, an index's the
        archive's latest."""
        if self.urls.origin is None:
            return []  # a sitemap needs absolute URLs: only with a base_url that has a host
        changed = {a.slug: _day(a.last_changed) for a in self.site.articles}
        latest = max(changed.values(), default=None)
        own = {paths.article(a.slug): changed[a.slug] for a in self.site.articles}

        def lastmod(page: Planned) -> dt.date | None:
            if page.path in own:
                return own[page.path]
            return max((changed[slug] for slug in page.shows), default=latest)

        entries = [(self.urls.absolute(page.path), lastmod(page)) for page in pages]
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

    def page(
        self,
        path: str,
        template: str,
        shows: Iterable[str],
        context: Callable[[], Context],
        share: Callable[[Context], Context] | None = None,
    ) -> Planned:
        """A page whose context `context` gathers when the build needs its inputs; `shows`: the
        articles whose words it shows. An HTML page also gets `meta` (see `meta`), with what
        `share` says of the page given its context."""
        if not template.endswith(".html"):
            return Planned(path, frozenset(shows), lambda: PageSpec(path, template, context()))

        def spec() -> PageSpec:
            values = context()
            meta = self.meta(path, **(share(values) if share else {}))
            return PageSpec(path, template, {**values, "page_path": path, "meta": meta})

        return Planned(path, frozenset(shows), spec)

    def meta(self, path: str, **page: Any) -> Context:
        """What other sites show of a page when it is shared (OpenGraph, Twitter cards): its
        `title` (without the site's), `description`, absolute `url` (None without a host in
        base_url, and for the 404 page, served at every missing address), `type` ('article',
        'profile' for a person, else 'website'), `site_name`, `locale` ('it_IT'); for articles
        `published` and `modified` (ISO 8601) and `tags` (names)."""
        config = self.site.config
        title = page.pop("title", "") or config.title
        return {
            "title": title,
            "description": page.pop("description", "") or config.description or title,
            "url": None if path == paths.NOT_FOUND else self.urls.absolute(path),
            "type": page.pop("type", "website"),
            "site_name": config.title,
            "locale": self.ui.og_locale,
            "published": page.pop("published", None),
            "modified": page.pop("modified", None),
            "tags": page.pop("tags", []),
            **page,
        }

    def paged(self, title: str, pagination: Pagination) -> str:
        """A list's title, with the page's number past the first page."""
        if pagination.page == 1:
            return title
        return f"{title} ({self.ui.tr('Page %(n)s of %(total)s', n=pagination.page, total=pagination.total)})"

    def feed(self, path: str, title: str, home: str, slugs: Sequence[str], full_text: bool = False) -> Planned:
        """An Atom feed; only the site's carries full texts (entity feeds link to them)."""
        shown = slugs[:FEED_ENTRIES]

        def context() -> Context:
            articles = [self.by_slug[slug] for slug in shown]
            entries = [
                {
                    "id": self.feed_id(paths.article(a.slug)),
                    "url": self.page_url(paths.article(a.slug)),
                    "article": self.shown_article(a),
                    "published": _timestamp(a.date),
                    "updated": _timestamp(a.last_changed),
                    "summary": self.summary(a),
                    "content": Body(self.bodies[a.slug]) if full_text else None,
                    "categories": [(t, self.graph.tags[t].name) for t in self.graph.article_tags[a.slug]],
                }
                for a in articles
            ]
            return {
                "title": title,
                "id": self.feed_id(path),
                "self_url": self.page_url(path),
                "home_url": self.page_url(home),
                "updated": max((_timestamp(a.last_changed) for a in articles), default="1970-01-01T00:00:00Z"),
                "entries": entries,
                "tags_url": self.page_url(paths.tags()),
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
        url = self.page_url(paths.article(article.slug))
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "description": self.summary(article),
            "datePublished": article.date.isoformat(),
            "dateModified": article.last_changed.isoformat(),
            "inLanguage": article.lang,
            "url": url,
            "mainEntityOfPage": url,
            "publisher": self.publisher(),
        }
        if about := self.site.article_about[article.slug]:
            data["about"] = [self._thing(e) for e in about]
        if entity_ids:
            data["mentions"] = [self._thing(e) for e in entity_ids]
        if article.authors:
            data["author"] = [self.author(name) for name in article.authors]
        if article.source and article.source.url:
            data["isBasedOn"] = article.source.url
        return data

    def entity_json_ld(self, entity: Entity) -> dict[str, Any]:
        """The entity as schema.org has it, as the main entity of its page."""
        thing = self._thing(entity.id)
        if entity.aliases:
            thing["alternateName"] = list(entity.aliases)
        if entity.description:
            thing["description"] = entity.description
        page_type = "ProfilePage" if entity.type == "person" else "CollectionPage"
        url = self.page_url(paths.entity(entity.id))
        return {
            "@context": "https://schema.org",
            "@type": page_type,
            "url": url,
            "name": entity.name,
            "mainEntity": thing,
            "isPartOf": self.website(),
        }

    def collection_json_ld(self, path: str, name: str, links: Iterable[tuple[str, str]]) -> dict[str, Any]:
        """A list page: a CollectionPage whose main entity is the list (url, name) it shows."""
        elements = [
            {
                "@type": "ListItem",
                "position": n,
                "url": self.urls.origin + url if self.urls.origin else url,
                "name": text,
            }
            for n, (url, text) in enumerate(links, 1)
        ]
        return {
            "@context": "https://schema.org",
            "@type": "CollectionPage",
            "url": self.page_url(path),
            "name": name,
            "isPartOf": self.website(),
            "mainEntity": {"@type": "ItemList", "numberOfItems": len(elements), "itemListElement": elements},
        }

    def page_url(self, path: str) -> str:
        """Absolute when base_url has a host, else root-relative: for feeds and JSON-LD."""
        return self.urls.absolute(path) or self.urls.url(path)

    def website(self) -> dict[str, Any]:
        return {"@type": "WebSite", "name": self.site.config.title, "url": self.page_url(paths.home())}

    def publisher(self) -> dict[str, Any]:
        return {"@type": "Organization", "name": self.site.config.title, "url": self.page_url(paths.home())}

    def author(self, name: str) -> dict[str, Any]:
        """An author by name: an organisation if the archive has one by that name, else a person."""
        entity_id = self.site.lookup.get(name_key(name))
        if entity_id and self.site.entities[entity_id].type == "organization":
            return {**self._thing(entity_id), "name": name}
        return {"@type": "Person", "name": name}

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
        same_as = [link.url for link in self.external_links(entity)]
        if same_as:
            thing["sameAs"] = same_as
        return thing


TIMELINE_WIDTH, TIMELINE_HEIGHT = 640, 100


def _periods(first: tuple[int, int], last: tuple[int, int], by_year: bool) -> list[tuple[int, int]]:
    """Every year, or every month, from `first` to `last`: the empty ones are part of a timeline."""
    if by_year:
        return [(year, 1) for year in range(first[0], last[0] + 1)]
    months = range(first[0] * 12 + first[1] - 1, last[0] * 12 + last[1])
    return [(n // 12, n % 12 + 1) for n in months]


def initial(name: str) -> str:
    """The letter a name is filed under: its first, without accents; '#' for digits and signs."""
    first = name_key(name)[:1].upper()
    return first if first.isalpha() else "#"


def _distinct_sentences(mentions: tuple[Mention, ...]) -> list[Mention]:
    seen: set[str] = set()
    unique = []
    for mention in mentions:
        if mention.sentence not in seen:
            seen.add(mention.sentence)
            unique.append(mention)
    return unique


def _timestamp(value: dt.date | dt.datetime) -> str:
    """An RFC 3339 time in UTC, so that feeds' times sort as text."""
    if isinstance(value, dt.datetime):
        moment = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.isoformat().replace("+00:00", "Z")
    return f"{value.isoformat()}T00:00:00Z"


def _shortened(text: str, limit: int = 300) -> str:
    """At most `limit` characters, cut at a space, as a search result or a shared link shows it."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:.") + "…"


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
