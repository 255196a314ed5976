"""The data that flows through the pipeline: frozen, typed, complete when made."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from generator.errors import Diagnostic


class Compact:
    """A value the build makes by the hundred thousand (a reference, a mention): with
    `slots=True` it has no dict of its own, and it pickles as its class and fields, smaller and
    quicker to load from the cache and from workers than the dataclass default (a dict each)."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        cls = type(self)
        if cls not in _FIELDS:
            names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
            one = operator.attrgetter(names[0])
            _FIELDS[cls] = operator.attrgetter(*names) if len(names) > 1 else lambda value: (one(value),)
        return cls, _FIELDS[cls](self)


_FIELDS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}  # a Compact class -> its fields' getter


ENTITY_TYPES = ("person", "organization", "place", "product", "topic", "event")
AUTOLINK_MODES = ("first", "all", "none")
AUTOLINK_SCOPES = ("archive", "article")  # whose names an article's text links: every entity's, or its own


@dataclass(frozen=True)
class SiteConfig:
    title: str
    description: str = ""
    language: str = "en"
    base_url: str = "/"
    autolink: str = "first"
    autolink_scope: str = "archive"
    per_page: int = 50
    cname: str = ""  # a custom domain: written to the site's CNAME file
    search: bool = True  # a Pagefind index and a search box (when the Pagefind binary is installed)


@dataclass(frozen=True, slots=True)
class EntityRef(Compact):
    """An entity as an article names it: an id, a name or an alias (and a type for stubs)."""

    text: str
    line: int
    type: str | None = None
    shown: str | None = None  # [[id|shown text]]: how the article names it


@dataclass(frozen=True, slots=True)
class Source(Compact):
    name: str | None = None
    url: str | None = None
    published: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Annotation(Compact):
    quote: str
    note: str
    line: int
    kind: str = "note"
    prefix: str = ""
    suffix: str = ""
    entity: EntityRef | None = None
    lang: str | None = None  # of the note, when it differs from the article's (a translation)


@dataclass(frozen=True, slots=True)
class Article(Compact):
    path: Path
    slug: str
    title: str
    date: dt.date | dt.datetime
    lang: str
    body_line: int  # file line of the body's first line: the body is read from the file where it is rendered
    summary: str | None = None
    source: Source | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    about: tuple[EntityRef, ...] = ()
    entities: tuple[EntityRef, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    draft: bool = False
    slug_line: int = 1
    tags_line: int = 1
    body_refs: tuple[EntityRef, ...] = ()  # the body's [[...]] mentions, with their lines
    updated: dt.date | dt.datetime | None = None  # when it was last changed, if it was
    moved_from: tuple[tuple[str, int], ...] = ()  # its old addresses (site paths), with their lines

    @property
    def day(self) -> dt.date:
        return self.date.date() if isinstance(self.date, dt.datetime) else self.date

    @property
    def moment(self) -> dt.datetime:
        """The date as a naive UTC date-time, so that dates and date-times sort together."""
        return moment_of(self.date)

    @property
    def last_changed(self) -> dt.date | dt.datetime:
        return self.updated or self.date


def moment_of(value: dt.date | dt.datetime) -> dt.datetime:
    """A date or date-time as a naive UTC date-time, so that dates and date-times compare."""
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class Entity(Compact):
    id: str
    name: str
    type: str
    path: Path | None  # None for a stub: referenced by an article but without a file
    aliases: tuple[str, ...] = ()
    alias_langs: tuple[str, ...] = ()  # each alias's language, '' if not given; () if none is
    moved_from: tuple[tuple[str, int], ...] = ()  # its old addresses (aliases that are paths), with their lines
    description: str = ""
    wikidata: str | None = None
    website: str | None = None
    parent: EntityRef | None = None
    related: tuple[EntityRef, ...] = ()
    notes: str = ""
    notes_line: int = 1
    name_lines: tuple[int, ...] = ()  # file line of the name, then of each alias

    @property
    def is_stub(self) -> bool:
        return self.path is None


@dataclass(frozen=True, slots=True)
class FileRecord(Compact):
    """An article or entity file as the load stage made it: what the build cache keeps."""

    digest: str  # of the file's bytes
    item: Article | Entity | None  # None: the file has errors
    problems: tuple[Diagnostic, ...] = ()
    language: str = ""  # the site's language when it was read: an article without `lang` has it


@dataclass(frozen=True)
class Content:
    """Everything read from the content directory, validated but not yet cross-referenced."""

    root: Path
    config: SiteConfig
    articles: tuple[Article, ...]
    entities: tuple[Entity, ...]
    static_files: tuple[Path, ...] = ()
    files: dict[str, FileRecord] = field(default_factory=dict)  # path -> record, for the build cache


@dataclass(frozen=True)
class Site:
    """The content with every reference resolved to an entity id."""

    root: Path
    config: SiteConfig
    articles: tuple[Article, ...]  # newest first
    entities: dict[str, Entity]
    article_entities: dict[str, tuple[str, ...]]  # slug -> entity ids, in order of first reference
    article_about: dict[str, tuple[str, ...]]
    parents: dict[str, str | None]  # entity id -> parent id
    related: dict[str, tuple[str, ...]]  # entity id -> related ids
    lookup: dict[str, str] = field(repr=False)  # normalised id/name/alias -> entity id
    static_files: tuple[Path, ...] = ()
    shared_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a name of two entities -> their ids
    common_words: frozenset[str] = frozenset()  # lowercase names the archive uses as ordinary words
    found_entities: dict[str, tuple[str, ...]] = field(default_factory=dict)  # slug -> linked, not declared

    def entities_of(self, slug: str) -> tuple[str, ...]:
        """The entities an article declares, then those its text links without declaring them."""
        return self.article_entities[slug] + self.found_entities.get(slug, ())


@dataclass(frozen=True, slots=True)
class Mention(Compact):
    """One mention of an entity in an article body, with the sentence around it."""

    entity: str
    anchor: str  # fragment id of the mention's link in the article page
    sentence: str
    start: int  # the mention's span inside `sentence`
    end: int


@dataclass(frozen=True, slots=True)
class AnchoredNote(Compact):
    """An annotation found in the text: its number on the page and the passage it explains."""

    number: int
    annotation: Annotation
    exact: str  # the passage as matched in the plain text (exports take it from the page: export.ServedText)
    html: str  # the note, rendered


@dataclass(frozen=True, slots=True)
class RenderedArticle(Compact):
    html: str
    mentions: tuple[Mention, ...]
    summary: str
    headings: tuple[tuple[str, str], ...] = ()  # (anchor, text)
    notes: tuple[AnchoredNote, ...] = ()
    problems: tuple[tuple[Annotation, str], ...] = ()  # annotations that could not be anchored
    mentions_key: str = ""  # digest of `mentions`: what entity pages show of the article
    errors: tuple[tuple[int, str], ...] = ()  # (line in the body, message): text that cannot be rendered


@dataclass(frozen=True, slots=True)
class PageSpec(Compact):
    """One output file as data: where it goes, how it is made, and the plain values it is made
    from. The file is a pure function of these (and of the theme and site settings), so their
    digest is the page's cache key: a value added to `inputs` can never leave a stale page."""

    path: str  # site path, e.g. 'articles/x/' or 'feed.xml'
    template: str  # a Jinja template (`inputs` is its context), or JSON / BYTES below
    inputs: Any

    JSON = ":json"  # `inputs` written as JSON
    ANNOTATIONS = ":annotations"  # `inputs` an AnnotationPage, its selectors taken from a page (export.served)
    BYTES = ":bytes"  # `inputs` written as they are


@dataclass(frozen=True, slots=True)
class Body(Compact):
    """An article's rendered HTML, named by the key it is stored under (render.BodyStore):
    pages declare it by key, and the worker that renders them reads it."""

    key: str


@dataclass(frozen=True, slots=True)
class Planned(Compact):
    """A page of the plan, before its inputs are gathered: `shows` names the articles whose
    words it shows (titles, summaries, snippets, text), so that after an edit that only
    rewords articles the plan can be filtered to the pages that show them."""

    path: str
    shows: frozenset[str]
    spec: Callable[[], PageSpec]


@dataclass(frozen=True, slots=True)
class Tag(Compact):
    slug: str
    name: str
    articles: tuple[str, ...]  # slugs, newest first


@dataclass(frozen=True)
class Graph:
    entity_articles: dict[str, tuple[str, ...]]  # entity id -> article slugs, newest first
    mentions: dict[tuple[str, str], tuple[Mention, ...]]  # (entity id, article slug) -> mentions
    co_mentions: dict[str, tuple[tuple[str, int], ...]]  # entity id -> (other id, shared articles)
    children: dict[str, tuple[str, ...]]  # entity id -> ids whose parent it is
    tags: dict[str, Tag]  # tag slug -> tag
    article_tags: dict[str, tuple[str, ...]]  # article slug -> tag slugs
    related_articles: dict[str, tuple[str, ...]]  # article slug -> slugs, most shared entities first
    entity_notes: dict[str, tuple[tuple[str, AnchoredNote], ...]] = field(default_factory=dict)  # id -> (slug, note)

    def count(self, entity_id: str) -> int:
        return len(self.entity_articles.get(entity_id, ()))
