"""Turn every entity reference into an entity id: by id, name or alias; stubs for the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from generator.errors import Diagnostics
from generator.model import Article, Content, Entity, EntityRef, Site
from generator.text import (
    MENTION_RE,
    is_slug,
    name_key,
    slug_collisions,
    slug_or_digest,
    tag_slugs,
    windows_reserved,
)


def resolve(content: Content, diagnostics: Diagnostics) -> Site:
    entities = _unique_entities(content.entities, diagnostics)
    lookup = build_lookup(entities.values())
    shared = shared_names(entities.values())
    _report_shared_names(entities, shared, diagnostics)
    resolver = _Resolver(entities, lookup, shared, diagnostics)
    articles = newest_first(content.articles)
    _check_unique_slugs(articles, diagnostics)
    tag_slug = tag_slugs(name for article in sorted(articles, key=lambda a: str(a.path)) for name in article.tags)
    _report_tag_collisions(articles, tag_slug, diagnostics)
    _report_windows_names(articles, entities.values(), tag_slug, diagnostics)
    article_entities: dict[str, tuple[str, ...]] = {}
    article_about: dict[str, tuple[str, ...]] = {}
    for article in articles:
        about = resolver.ids(article.path, article.about)
        article_entities[article.slug] = tuple(dict.fromkeys(resolver.ids(article.path, _references(article))))
        article_about[article.slug] = tuple(dict.fromkeys(about))
    parents: dict[str, str | None] = {}
    related: dict[str, tuple[str, ...]] = {}
    for entity in list(entities.values()):
        if entity.path is None:
            continue
        parents[entity.id] = resolver.ids(entity.path, [entity.parent])[0] if entity.parent else None
        related[entity.id] = tuple(
            dict.fromkeys(i for i in resolver.ids(entity.path, entity.related) if i != entity.id)
        )
    _check_parent_cycles(entities, parents, diagnostics)
    for entity_id in resolver.entities:
        parents.setdefault(entity_id, None)
        related.setdefault(entity_id, ())
    _check_note_references(entities.values(), articles, resolver.lookup, diagnostics)
    return Site(
        root=content.root,
        config=content.config,
        articles=tuple(articles),
        entities=dict(sorted(resolver.entities.items())),
        article_entities=article_entities,
        article_about=article_about,
        parents=parents,
        related=related,
        lookup=resolver.lookup,
        static_files=content.static_files,
        shared_names=shared,
    )


def resolve_known(site: Site, article: Article) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """An article's entity ids and `about` ids in a resolved site, as resolve() gives them; None
    if it names something the site has no entry for (resolve() would make a stub)."""
    refs = _references(article)
    found = [site.lookup.get(name_key(ref.text)) for ref in refs]
    about = found[len(article.entities) : len(article.entities) + len(article.about)]
    if None in found:
        return None
    return tuple(dict.fromkeys(found)), tuple(dict.fromkeys(about))  # type: ignore[arg-type]


def _references(article: Article) -> list[EntityRef]:
    """Every reference an article makes: front matter, body, annotations; `about` second."""
    refs = [*article.entities, *article.about, *article.body_refs]
    return refs + [note.entity for note in article.annotations if note.entity is not None]


def newest_first(articles: Iterable[Article]) -> list[Article]:
    by_slug = sorted(articles, key=lambda a: a.slug)
    return sorted(by_slug, key=lambda a: a.moment, reverse=True)  # stable: same date -> by slug


def shared_names(entities: Iterable[Entity]) -> dict[str, tuple[str, ...]]:
    """Normalised names and aliases that two entities have (and that are no entity's id, which
    would win): a reference to one cannot say which entity it means."""
    entities = list(entities)
    ids = {name_key(entity.id) for entity in entities}
    owners = _owners(entities, lambda entity: (entity.name, *entity.aliases))
    return {key: owner for key, owner in sorted(owners.items()) if key not in ids}


def ambiguous_names(entities: Iterable[Entity]) -> dict[str, tuple[str, ...]]:
    """Normalised texts that are the id, a name or an alias of two entities -> their ids. A
    reference means the entity of that id (see shared_names), but the same word written in a
    text may mean any of them: it is autolinked only where the article tells which."""
    return _owners(entities, lambda entity: (entity.id, entity.name, *entity.aliases))


def _owners(entities: Iterable[Entity], texts: Callable[[Entity], Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """The normalised texts of two entities or more -> their ids, in order of id."""
    owners: dict[str, dict[str, None]] = {}
    for entity in sorted(entities, key=lambda e: e.id):
        for text in texts(entity):
            owners.setdefault(name_key(text), {})[entity.id] = None
    return {key: tuple(owner) for key, owner in owners.items() if len(owner) > 1}


def _report_shared_names(
    entities: dict[str, Entity], shared: dict[str, tuple[str, ...]], diagnostics: Diagnostics
) -> None:
    """Once per name, at the file of its second owner; and a name that is another entity's id,
    at the file that has it as a name (a reference to it is fine, autolinking is not)."""
    for key, owners in shared.items():
        text, path, line = _written(entities[owners[-1]], key)
        diagnostics.warning(
            path,
            line,
            f"'{text}' is a name of {' and of '.join(owners)}: it is autolinked only where an article declares "
            "just one of them, and a reference to it must use the id; keep the name in one of the files",
        )
    for key, owners in ambiguous_names(entities.values()).items():
        if key in shared:
            continue
        holder = next(entity_id for entity_id in owners if name_key(entity_id) == key)
        others = [entity_id for entity_id in owners if entity_id != holder]
        text, path, line = _written(entities[others[-1]], key)
        diagnostics.warning(
            path,
            line,
            f"'{text}' is a name of {' and of '.join(others)} and the id of {holder}: [[{text}]] means "
            f"{holder}, but the word in a text is autolinked only where an article declares just one of them; "
            "keep the name in one of the files",
        )


def _written(entity: Entity, key: str) -> tuple[str, str, int]:
    """How an entity's file writes the name or alias of this key, and at which line."""
    texts = zip((entity.name, *entity.aliases), entity.name_lines, strict=False)
    text, line = next(((t, n) for t, n in texts if name_key(t) == key), (key, 1))
    return text, str(entity.path or ""), line


def build_lookup(entities: Iterable[Entity]) -> dict[str, str]:
    """Normalised id, name and alias -> entity id; ids win over names, names over aliases."""
    ordered = sorted(entities, key=lambda e: e.id)
    lookup: dict[str, str] = {}
    for rank in ("id", "name", "aliases"):
        for entity in ordered:
            texts = entity.aliases if rank == "aliases" else (getattr(entity, rank),)
            for text in texts:
                lookup.setdefault(name_key(text), entity.id)
    return lookup


def stub_id(text: str) -> str:
    return slug_or_digest(text, "entity")


def stub_name(ref: EntityRef) -> str:
    """A stub's name: the reference's own text, unless it is an id ('charles-babbage'); then
    the text an article shows for it, or the id made readable ('Charles Babbage')."""
    if not is_slug(ref.text):
        return ref.text
    return ref.shown or " ".join(word[:1].upper() + word[1:] for word in ref.text.split("-"))


class _Resolver:
    def __init__(
        self,
        entities: dict[str, Entity],
        lookup: dict[str, str],
        shared: dict[str, tuple[str, ...]],
        diagnostics: Diagnostics,
    ) -> None:
        self.entities = dict(entities)
        self.lookup = dict(lookup)
        self.shared = shared
        self.diagnostics = diagnostics

    def ids(self, path: Path, refs: Iterable[EntityRef | None]) -> list[str]:
        return [self.resolve(path, ref) for ref in refs if ref is not None]

    def resolve(self, path: Path, ref: EntityRef) -> str:
        owners = self.shared.get(name_key(ref.text))
        if owners:
            self.diagnostics.error(
                path,
                ref.line,
                f"'{ref.text}' is a name of {' and of '.join(owners)}: write the id of the one you mean "
                f"(such as [[{owners[0]}|{ref.text}]], or '{owners[0]}' in 'entities')",
            )
        found = self.lookup.get(name_key(ref.text))
        if found is None and stub_id(ref.text) in self.entities:
            found = stub_id(ref.text)
            self.lookup[name_key(ref.text)] = found  # so that the body's [[...]] finds it too
        if found is not None:
            return found
        entity_id = stub_id(ref.text)
        self.entities[entity_id] = Entity(id=entity_id, name=stub_name(ref), type=ref.type or "topic", path=None)
        self.lookup[name_key(ref.text)] = entity_id
        self.diagnostics.warning(
            path,
            ref.line,
            f"unknown entity '{ref.text}': it gets a stub page; "
            f"create content/entities/{entity_id}.md to describe it, or fix the reference",
        )
        return entity_id


def _check_note_references(
    entities: Iterable[Entity], articles: Iterable[Article], lookup: dict[str, str], diagnostics: Diagnostics
) -> None:
    """A [[...]] in an entity's notes or an annotation's note makes no stub (notes only link):
    one that names no entity is shown as plain text, so say so."""
    notes = [(e.path, e.notes_line, e.notes) for e in entities if e.path is not None and "[[" in e.notes]
    notes += [(a.path, n.line, n.note) for a in articles for n in a.annotations if "[[" in n.note]
    for path, line, text in notes:
        for match in MENTION_RE.finditer(text):
            target = match.group(1).strip()
            if name_key(target) not in lookup:
                diagnostics.warning(
                    path,
                    line + text.count("\n", 0, match.start()),
                    f"unknown entity '{target}' in a note is shown as plain text: "
                    f"create content/entities/{stub_id(target)}.md, or fix the reference",
                )


def _check_parent_cycles(entities: dict[str, Entity], parents: dict[str, str | None], diagnostics: Diagnostics) -> None:
    """An entity inside itself, directly or through others: once per cycle, at its first id."""
    reported: set[str] = set()
    for start in sorted(parents):
        chain, current = [start], parents.get(start)
        while current is not None and current not in chain and current not in reported:
            chain.append(current)
            current = parents.get(current)
        if current is None or current in reported:
            continue
        cycle = chain[chain.index(current) :]
        first = min(cycle)
        cycle = cycle[cycle.index(first) :] + cycle[: cycle.index(first)]
        reported.update(cycle)
        entity = entities[first]
        line = entity.parent.line if entity.parent is not None else 1
        diagnostics.error(
            entity.path or "",
            line,
            f"'parent' makes a cycle: {' → '.join([*cycle, first])}; an entity cannot be part of itself: "
            "remove one of these 'parent' keys",
        )


def _unique_entities(entities: Iterable[Entity], diagnostics: Diagnostics) -> dict[str, Entity]:
    by_key: dict[str, Entity] = {}
    for entity in entities:
        key = name_key(entity.id)
        if key in by_key:
            other = by_key[key]
            diagnostics.error(
                entity.path or "",
                1,
                f"entity id '{entity.id}' is also the id of {_shown(other.path)}: "
                f"both would write entities/{entity.id}/; rename one of the files",
            )
            continue
        by_key[key] = entity
    return {entity.id: entity for entity in by_key.values()}


def _report_windows_names(
    articles: list[Article], entities: Iterable[Entity], tag_slug: dict[str, str], diagnostics: Diagnostics
) -> None:
    """Pages whose folder Windows cannot create: the site, once cloned there, loses them."""
    advice = "a name Windows reserves: a clone of the site on Windows fails there; choose another"
    for article in articles:
        if windows_reserved(article.slug):
            diagnostics.warning(
                article.path, article.slug_line, f"the slug '{article.slug}' makes articles/{article.slug}/, {advice}"
            )
        for name in article.tags:
            if windows_reserved(slug := tag_slug[name]):
                diagnostics.warning(article.path, article.tags_line, f"the tag '{name}' makes tags/{slug}/, {advice}")
    for entity in entities:
        if windows_reserved(entity.id):
            diagnostics.warning(entity.path or "", 1, f"the id '{entity.id}' makes entities/{entity.id}/, {advice}")


def _report_tag_collisions(articles: list[Article], slug_of: dict[str, str], diagnostics: Diagnostics) -> None:
    """Tags that would have shared a page: each keeps its own, and the editor hears of it."""
    by_path = sorted(articles, key=lambda a: str(a.path))
    for group in slug_collisions(slug_of):
        first = next(a for a in by_path if set(a.tags) & set(group))
        pages = ", ".join(f"'{name}' tags/{slug_of[name]}/" for name in group)
        diagnostics.warning(
            first.path,
            first.tags_line,
            f"the tags {', '.join(repr(name) for name in group)} would share one page: each has its own ({pages}); "
            "if they are one tag, write it one way",
        )


def _check_unique_slugs(articles: list[Article], diagnostics: Diagnostics) -> None:
    seen: dict[str, Article] = {}
    for article in sorted(articles, key=lambda a: str(a.path)):
        key = name_key(article.slug)
        if key in seen:
            other = seen[key]
            diagnostics.error(
                article.path,
                article.slug_line,
                f"slug '{article.slug}' is also the slug of {_shown(other.path)}: "
                f"both would write articles/{article.slug}/; give one of them another 'slug'",
            )
        else:
            seen[key] = article


def _shown(path: Path | None) -> str:
    return "a stub entity" if path is None else str(path)
