"""The render stage, run in worker processes: article bodies (Markdown -> HTML, kept in the
body store, never sent back) and pages (a page spec -> bytes, staged for the site).

Each stage is a picklable object holding what all its chunks need; a worker receives it once
(see parallel.py), then chunks of work. Only what lists and indexes need of an article (its
mentions, summary, notes) returns to the parent process: memory stays bounded by that, not
by the archive's HTML.
"""

from __future__ import annotations

import functools
import io
import os
import pickle
import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2

from generator import urls as paths
from generator.errors import Diagnostic
from generator.export import as_json, served_selectors
from generator.i18n import Language
from generator.load import CHANGED_WHILE_BUILDING, article_body
from generator.markdown import Linker, lowercase_names, name_matcher, render_article
from generator.model import Article, Body, PageSpec, RenderedArticle, Site, SiteConfig
from generator.project import Theme
from generator.resolve import ambiguous_names
from generator.templates import make_environment, render_template, template_problem
from generator.text import name_key
from generator.urls import Urls
from generator.write import SiteWriter


@dataclass(frozen=True)
class BodyStore:
    """Rendered bodies on disk, one file each, named by the article's key (a digest of its file
    and of everything it is rendered with): a file there is always the right one for its name."""

    folder: Path

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.html"

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def put(self, key: str, html: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{os.getpid()}")
        temp.write_text(html, encoding="utf-8")
        os.replace(temp, target)

    def get(self, key: str) -> str:
        return self.path(key).read_text(encoding="utf-8")

    def keep_only(self, keys: Iterable[str]) -> None:
        """Remove the bodies of other keys (articles edited or gone)."""
        wanted = {f"{key}.html" for key in keys}
        for shard in self.folder.iterdir() if self.folder.is_dir() else ():
            for file in shard.iterdir() if shard.is_dir() else ():
                if file.name not in wanted:
                    file.unlink(missing_ok=True)

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(frozen=True)
class Lexicon:
    """What the Markdown stage needs to know of every entity, as plain data: a worker gets it
    once."""

    lookup: dict[str, str]  # normalised id/name/alias -> entity id
    names: dict[str, tuple[str, ...]]  # entity id -> its name, then its aliases
    types: dict[str, str]  # entity id -> its type: a mention's class
    ambiguous: dict[str, tuple[str, ...]]  # normalised id/name/alias of two entities -> their ids
    base_url: str
    mode: str  # autolink: first | all | none
    scope: str  # autolink_scope: archive (every entity's names) | article (those of the entities it declares)
    common: frozenset[str]  # lowercase words found in many articles: see mentions.is_mention

    @staticmethod
    def of(site: Site) -> Lexicon:
        names = {e.id: (e.name, *e.aliases) for e in site.entities.values()}
        types = {e.id: e.type for e in site.entities.values()}
        ambiguous = ambiguous_names(site.entities.values())
        config = site.config
        return Lexicon(
            site.lookup,
            names,
            types,
            ambiguous,
            config.base_url,
            config.autolink,
            config.autolink_scope,
            site.common_words,
        )

    @functools.cached_property
    def all_names(self) -> tuple[str, ...]:
        return tuple(sorted({name for names in self.names.values() for name in names}))

    @functools.cached_property
    def matcher(self) -> object:
        """An automaton over every entity's names, made once per process."""
        return name_matcher(self.all_names)

    @functools.cached_property
    def archive_names(self) -> dict[str, str]:
        """Every name of one entity only -> that entity: what the whole archive autolinks."""
        return {
            name: entity_id
            for entity_id, names in self.names.items()
            for name in names
            if name_key(name) not in self.ambiguous
        }

    @functools.cached_property
    def owners(self) -> dict[str, tuple[str, ...]]:
        """Every name of two entities -> those entities: the article tells which one it means."""
        return {name: self.ambiguous[name_key(name)] for name in self.all_names if name_key(name) in self.ambiguous}

    def names_of(self, entity_ids: Iterable[str]) -> dict[str, str]:
        """The names that autolink these entities: a name of two entities only if just one of
        them is among these (an id counts as a name: `[[Mercury]]` means the entity `mercury`,
        but 'Mercury' written in a text may be Freddie Mercury)."""
        wanted = dict.fromkeys(entity_ids)
        autolinked: dict[str, str] = {}
        for entity_id in wanted:
            for name in self.names[entity_id]:
                owners = self.ambiguous.get(name_key(name), (entity_id,))
                if wanted.keys() & set(owners) == {entity_id}:
                    autolinked.setdefault(name, entity_id)
        return autolinked

    def linker(self, entity_ids: Sequence[str] = (), matcher: object = None, article: bool = True) -> Linker:
        """Resolution and URLs for an article that declares `entity_ids`, with the names it
        autolinks: every entity's, or (scope `article`, or not an `article`) its entities'."""
        urls = Urls(self.base_url)
        archive = article and self.scope == "archive" and self.mode != "none"
        autolinked = self.archive_names if archive else self.names_of(entity_ids)
        return Linker(
            resolve=lambda text: self.lookup.get(name_key(text)),
            url=lambda entity_id: urls.url(paths.entity(entity_id)),
            names=autolinked,
            owners=self.owners if archive else {},
            name=lambda entity_id: self.names[entity_id][0],
            type_of=self.types.get,
            mode=self.mode,
            matcher=matcher,
            declared=frozenset(entity_ids) if archive else None,
            common=self.common,
        )

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _STATE}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)  # the automaton is made again where it is used


_STATE = ("lookup", "names", "types", "ambiguous", "base_url", "mode", "scope", "common")


@dataclass(frozen=True)
class RenderBodies:
    """Article bodies: each one's HTML into the store; what lists and indexes need, back."""

    lexicon: Lexicon
    ui: Language
    store: BodyStore | None  # None: nothing is kept (rassegna check)

    def __call__(self, work: Sequence[tuple[Article, tuple[str, ...], str, str]]) -> list[RenderedArticle]:
        """`work`: (article, the entities it names, its key, the digest of its file)."""
        results = []
        for article, entity_ids, key, file_digest in work:
            text = article_body(article, file_digest)
            if text is None:
                results.append(RenderedArticle("", (), "", errors=((0, CHANGED_WHILE_BUILDING),)))
                continue
            linker = self.lexicon.linker(entity_ids, self.lexicon.matcher)
            body = render_article(text, linker, article.annotations, self.ui, article.lang)
            if self.store is not None:
                self.store.put(key, body.html)
            results.append(replace(body, html=""))
        return results


@dataclass(frozen=True)
class FindWords:
    """Which of the archive's lowercase one-word names each article writes as words: counted
    over the archive, they tell the names that are common words (see `common_words`)."""

    words: tuple[str, ...]

    def __call__(self, work: Sequence[tuple[Article, str]]) -> list[tuple[str, ...] | None]:
        """`work`: (article, the digest of its file); None for a file changed since."""
        matcher = name_matcher(self.words)
        results: list[tuple[str, ...] | None] = []
        for article, file_digest in work:
            text = article_body(article, file_digest)
            results.append(None if text is None else tuple(sorted(lowercase_names(text, matcher))))
        return results


def lowercase_words(lexicon: Lexicon) -> tuple[str, ...]:
    """The names to count: lowercase single words ('governo', 'apple'), which may be ordinary
    words; names of two words or with a capital are distinctive enough (names match with
    their case: 'Apple' is not found in 'apple')."""
    names = {name for names in lexicon.names.values() for name in names}
    return tuple(sorted(name for name in names if name.islower() and name.isalnum()))


def common_words(found: Iterable[tuple[str, ...]], articles: int) -> frozenset[str]:
    """The words more than one article in two hundred writes (and more than one article)."""
    counts = Counter(word for words in found for word in words)
    return frozenset(word for word, count in counts.items() if count > max(1, articles // 200))


UNCHANGED = None  # a page of a chunk that the cache says is up to date: sent by path only


@dataclass(frozen=True)
class RenderPages:
    """Pages: each spec (pickled, as its cache key was computed from) rendered and staged if its
    bytes differ from the site's."""

    theme: Theme
    config: SiteConfig
    ui: Language
    compiled: Path | None  # Jinja's cache of compiled templates
    bodies: BodyStore
    writer: SiteWriter

    @functools.cached_property
    def env(self) -> jinja2.Environment:
        return make_environment(self.theme, self.config, self.ui, self.compiled)

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ("theme", "config", "ui", "compiled", "bodies", "writer")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __call__(self, chunk: Sequence[tuple[str, bytes | None]]) -> list[tuple[str, Diagnostic | bool | None]]:
        """For each (path, pickled spec or UNCHANGED): True if staged, False if the site has
        these bytes, None if unchanged, or a template error (the rest of the chunk is moot)."""
        results: list[tuple[str, Diagnostic | bool | None]] = []
        for path, data in chunk:
            if data is UNCHANGED:
                results.append((path, None))
                continue
            spec: PageSpec = pickle.loads(data)
            try:
                output = self.bytes_of(spec)
            except Exception as exc:
                problem = template_problem(exc, self.theme)
                if problem is None:
                    raise
                return [*results, (path, problem)]
            results.append((path, self.writer.write(Urls.file_for(spec.path), output)))
        return results

    def bytes_of(self, spec: PageSpec) -> bytes:
        if spec.template == PageSpec.BYTES:
            return bytes(spec.inputs)
        if spec.template == PageSpec.JSON:
            return as_json(spec.inputs)
        if spec.template == PageSpec.ANNOTATIONS:
            page = self.bytes_of(spec.inputs["page"]).decode("utf-8")
            return as_json(served_selectors(spec.inputs["document"], page))
        return render_template(self.env, spec.template, self.with_bodies(spec.inputs))

    def with_bodies(self, value: Any) -> Any:
        """The context with each Body read from the store."""
        if isinstance(value, Body):
            return self.bodies.get(value.key)
        if isinstance(value, dict):
            return {name: self.with_bodies(item) for name, item in value.items()}
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return [self.with_bodies(item) for item in value]
        return value


def pickled(spec: PageSpec) -> bytes:
    """A spec as bytes that depend on its values alone (no memo of shared objects): what its key
    is the digest of, and what a worker receives."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # equal values, equal bytes, however shared
    pickler.dump(spec)
    return buffer.getvalue()
