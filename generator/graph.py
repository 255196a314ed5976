"""Indexes built once over the whole archive: backlinks, co-mentions, counts, tags, related."""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace

from generator.model import AnchoredNote, Article, Graph, Mention, RenderedArticle, Site, Tag
from generator.text import name_key, tag_slugs

RELATED_ARTICLES = 5
CO_MENTIONED = 24
# An entity found in more articles than this says little about how two of them relate.
RELATED_MAX_SHARED = 500


def build_graph(site: Site, rendered: dict[str, RenderedArticle]) -> Graph:
    entity_articles: dict[str, list[str]] = defaultdict(list)
    for article in site.articles:  # newest first, so every list is too
        for entity_id in site.entities_of(article.slug):
            entity_articles[entity_id].append(article.slug)
    mentions: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for slug, page in rendered.items():
        for mention in page.mentions:
            mentions[(mention.entity, slug)].append(mention)
    children: dict[str, list[str]] = defaultdict(list)
    for entity_id, parent in site.parents.items():
        if parent and parent != entity_id:
            children[parent].append(entity_id)
    tags, article_tags = _tags(site.articles)
    return Graph(
        entity_articles={e: tuple(slugs) for e, slugs in entity_articles.items()},
        mentions={key: tuple(found) for key, found in mentions.items()},
        co_mentions=_co_mentions(site),
        children={e: tuple(sorted(ids)) for e, ids in children.items()},
        tags=tags,
        article_tags=article_tags,
        related_articles=_related_articles(site, entity_articles),
        entity_notes=_entity_notes(site, rendered),
    )


def with_edited_article(graph: Graph, site: Site, rendered: Mapping[str, RenderedArticle], slug: str) -> Graph:
    """The graph after an edit of one article that kept its date, tags and entities: only its
    mentions and the annotations it ties to entities can differ."""
    entity_ids = site.entities_of(slug)  # its mentions and annotations name only these
    mentions = dict(graph.mentions)
    for entity_id in entity_ids:
        mentions.pop((entity_id, slug), None)
    for mention in rendered[slug].mentions:
        mentions[(mention.entity, slug)] = mentions.get((mention.entity, slug), ()) + (mention,)
    position = {article.slug: index for index, article in enumerate(site.articles)}
    fresh = _entity_notes(site, rendered, [site.articles[position[slug]]])
    notes = dict(graph.entity_notes)
    for entity_id in entity_ids:
        kept = [(s, note) for s, note in notes.get(entity_id, ()) if s != slug]
        at = bisect.bisect([position[s] for s, _ in kept], position[slug])  # newest article first
        found = (*kept[:at], *fresh.get(entity_id, ()), *kept[at:])
        if found:
            notes[entity_id] = found
        else:
            notes.pop(entity_id, None)
    return replace(graph, mentions=mentions, entity_notes=notes)


def _entity_notes(
    site: Site, rendered: Mapping[str, RenderedArticle], articles: Iterable[Article] | None = None
) -> dict[str, tuple[tuple[str, AnchoredNote], ...]]:
    """Annotations tied to an entity, newest article first, in the order of the text."""
    notes: dict[str, list[tuple[str, AnchoredNote]]] = defaultdict(list)
    for article in site.articles if articles is None else articles:
        for note in rendered[article.slug].notes:
            ref = note.annotation.entity
            entity_id = site.lookup.get(name_key(ref.text)) if ref else None
            if entity_id:
                notes[entity_id].append((article.slug, note))
    return {entity_id: tuple(found) for entity_id, found in notes.items()}


def _co_mentions(site: Site) -> dict[str, tuple[tuple[str, int], ...]]:
    """Per entity, those found in the same articles: most shared articles first, then by name
    (then id) among equals, as pages list them."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for slug in site.article_entities:
        ids = site.entities_of(slug)
        for entity_id in ids:
            counts[entity_id].update(ids)  # itself included, and removed below: a loop in C
    by_name = {e: (name_key(entity.name), e) for e, entity in site.entities.items() if e in counts}
    ranked = {}
    for entity_id, counter in counts.items():
        del counter[entity_id]
        top = sorted(counter, key=by_name.__getitem__)  # by name among equals
        top.sort(key=counter.__getitem__, reverse=True)
        ranked[entity_id] = tuple((other, counter[other]) for other in top[:CO_MENTIONED])
    return ranked


def _related_articles(site: Site, entity_articles: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    """Most shared entities first, then newest first. Articles are counted by their place in the
    newest-first list, so that every loop below runs in C: an archive of 100,000 articles has
    millions of (article, neighbour) pairs."""
    slugs = [article.slug for article in site.articles]
    position = {slug: index for index, slug in enumerate(slugs)}
    members = {
        e: [position[s] for s in found] for e, found in entity_articles.items() if len(found) <= RELATED_MAX_SHARED
    }
    related: dict[str, tuple[str, ...]] = {}
    for index, slug in enumerate(slugs):
        shared: Counter[int] = Counter()
        for entity_id in site.entities_of(slug):
            shared.update(members.get(entity_id, ()))
        shared.pop(index, None)
        ranked = sorted(shared)  # newest first
        ranked.sort(key=shared.__getitem__, reverse=True)  # stable: among equals, newest first
        related[slug] = tuple(slugs[i] for i in ranked[:RELATED_ARTICLES])
    return related


def _tags(articles: tuple[Article, ...]) -> tuple[dict[str, Tag], dict[str, tuple[str, ...]]]:
    names: dict[str, str] = {}
    members: dict[str, list[str]] = defaultdict(list)
    article_tags: dict[str, tuple[str, ...]] = {}
    slug_of = tag_slugs(name for article in articles for name in article.tags)
    for article in articles:
        slugs = []
        for name in article.tags:
            slug = slug_of[name]
            names.setdefault(slug, name)
            if slug not in slugs:
                slugs.append(slug)
                members[slug].append(article.slug)
        article_tags[article.slug] = tuple(slugs)
    tags = {slug: Tag(slug, names[slug], tuple(members[slug])) for slug in sorted(names)}
    return tags, article_tags
