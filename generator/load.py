"""Walk content/, read and validate every file, collect every problem."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import parallel
from generator import urls as paths
from generator.config import load_config
from generator.errors import Diagnostics
from generator.files import is_ignored, link_problem
from generator.frontmatter import (
    Document,
    Fields,
    FrontMatterError,
    body_of,
    clean_text,
    clean_values,
    document_text,
    split_document,
)
from generator.markdown import references
from generator.model import (
    ENTITY_TYPES,
    Annotation,
    Article,
    Content,
    Entity,
    EntityRef,
    FileRecord,
    Source,
    moment_of,
)
from generator.text import MENTION_RE, digest, is_language_tag, is_slug, slugify, windows_reserved

ARTICLE_KEYS = (
    "title", "date", "updated", "slug", "lang", "summary", "source", "authors", "tags",
    "about", "entities", "annotations", "draft", "aliases",
)  # fmt: skip
ENTITY_KEYS = ("name", "type", "aliases", "description", "wikidata", "website", "parent", "related")
SOURCE_KEYS = ("name", "url", "published")
ANNOTATION_KEYS = ("quote", "prefix", "suffix", "note", "kind", "entity", "lang")
ANNOTATION_KINDS = ("note", "fact-check", "translation", "correction", "context")
URL_RE = re.compile(r"https?://[^\s<>\"]+")

Report = Callable[[int, str], None]


def load_content(
    root: Path,
    diagnostics: Diagnostics,
    base_url: str | None = None,
    drafts: bool = False,
    jobs: int = 1,
    reuse: Mapping[str, FileRecord] | None = None,
) -> Content:
    """Read every file; files named in `reuse` (unchanged since it was made) are not read again."""
    config = load_config(root / "site.yml", diagnostics, base_url)
    unreadable: list[OSError] = []
    files = [("article", p) for p in readable(markdown_files(root / "articles", unreadable), root, diagnostics)]
    files += [("entity", p) for p in readable(markdown_files(root / "entities", unreadable), root, diagnostics)]
    known = {path: r for path, r in (reuse or {}).items() if r.language == config.language}
    fresh = [(kind, path) for kind, path in files if str(path) not in known]
    records_of = parallel.map_in_chunks(LoadFiles(config.language), fresh, jobs)
    loaded = dict(zip((str(path) for _, path in fresh), records_of, strict=True))
    records = {str(path): known.get(str(path)) or loaded[str(path)] for _, path in files}
    for record in records.values():
        diagnostics.items.extend(record.problems)
    items = [record.item for record in records.values()]
    articles = [item for item in items if isinstance(item, Article) and (drafts or not item.draft)]
    entities = [item for item in items if isinstance(item, Entity)]
    static = tuple(readable(static_files(root / "static", unreadable), root, diagnostics))
    for path in static:
        if any(windows_reserved(part) for part in path.relative_to(root / "static").parts):
            diagnostics.warning(
                path, 0, "a name Windows reserves: a clone of the site on Windows fails there; rename it"
            )
    for problem in unreadable:  # a folder that cannot be listed must not lose its files silently
        if not isinstance(problem, FileNotFoundError):  # no entities/ at all is fine
            diagnostics.error(problem.filename, 0, f"cannot read the folder: {problem.strerror}")
    return Content(root, config, tuple(articles), tuple(entities), static, records)


def readable(paths: Sequence[Path], root: Path, diagnostics: Diagnostics) -> list[Path]:
    """`paths` without the symbolic links that lead outside `root`, to a folder, nowhere or in
    a loop: each is an error, so that nothing outside the content folder is ever published."""
    kept = []
    for path in paths:
        problem = link_problem(path, root)
        if problem:
            diagnostics.error(path, 0, problem)
        else:
            kept.append(path)
    return kept


def static_files(folder: Path, unreadable: list[OSError]) -> list[Path]:
    """Every file under content/static/, and every link there (links are checked, not followed)."""
    found = []
    for parent, folders, files in os.walk(folder, onerror=unreadable.append):
        folders[:] = [name for name in folders if not is_ignored(name)]  # the same rule as for articles
        found += [os.path.join(parent, name) for name in files + _links(parent, folders) if not is_ignored(name)]
    return [Path(path) for path in sorted(found, key=lambda path: path.split(os.sep))]


def _links(parent: str, folders: list[str]) -> list[str]:
    """The links among os.walk's folders (which it does not descend into): to be reported."""
    return [name for name in folders if os.path.islink(os.path.join(parent, name))]


@dataclass(frozen=True)
class LoadFiles:
    """Read and check files (in a worker, for large archives); each with its own problems."""

    language: str  # the site's: an article without `lang` has it

    def __call__(self, files: Sequence[tuple[str, Path]]) -> list[FileRecord]:
        records = []
        for kind, path in files:
            problems = Diagnostics()
            try:
                data = path.read_bytes()
            except OSError as exc:
                problems.error(path, 0, f"cannot read the file: {exc.strerror}")
                records.append(FileRecord("", None, tuple(problems.items), self.language))
                continue
            item = (
                load_article(path, data, self.language, problems)
                if kind == "article"
                else load_entity(path, data, problems)
            )
            records.append(FileRecord(digest(data), item, tuple(problems.items), self.language))
        return records


def article_body(article: Article, file_digest: str) -> str | None:
    """An article's Markdown, read again from its file where it is rendered: the load stage
    keeps only the front matter, so that no process holds the text of the whole archive.
    None if the file is no longer the one that was loaded (`file_digest`)."""
    try:
        data = article.path.read_bytes()
    except OSError:
        return None
    return body_of(data, article.body_line) if digest(data) == file_digest else None


CHANGED_WHILE_BUILDING = "the file changed while the site was being built: build again"


def markdown_files(folder: Path, unreadable: list[OSError] | None = None) -> list[Path]:
    """The .md files under `folder`, skipping hidden files and editors' backups (and folders
    whose name starts with '.' or '_')."""
    found = []
    for parent, folders, files in os.walk(folder, onerror=unreadable.append if unreadable is not None else None):
        folders[:] = [name for name in folders if not is_ignored(name) and not name.startswith("_")]
        names = [name for name in files if name.endswith(".md")] + _links(parent, folders)
        found += [os.path.join(parent, name) for name in names if not is_ignored(name) and not name.startswith("_")]
    return [Path(path) for path in sorted(found, key=lambda path: path.split(os.sep))]


def read_document(path: Path, data: bytes, diagnostics: Diagnostics) -> Document | None:
    try:
        text = document_text(data)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diagnostics.error(path, line, "the file is not UTF-8 text: save it with UTF-8 encoding")
        return None
    text, controls = clean_text(text)
    for line, names in controls:
        diagnostics.warning(path, line, f"removed {names}: {CONTROLS_ADVICE}")
    try:
        document = split_document(text)
    except FrontMatterError as exc:
        diagnostics.error(path, exc.line, exc.message, exc.source_line)
        return None
    for key, line, names in clean_values(document.data, document.lines):  # YAML escapes: "\0", "\uFFFE"
        diagnostics.warning(path, line, f"removed {names} from '{key}': {CONTROLS_ADVICE}")
    return document


CONTROLS_ADVICE = "control characters that pages and feeds cannot carry (pasted from a PDF?)"


def _open(
    path: Path, data: bytes, keys: tuple[str, ...], diagnostics: Diagnostics
) -> tuple[Document, Fields, Report] | None:
    """Parse a file's front matter; warn about unknown keys; errors go to `diagnostics`."""
    doc = read_document(path, data, diagnostics)
    if doc is None:
        return None
    error: Report = lambda line, msg: diagnostics.error(path, line, msg)  # noqa: E731
    fields = Fields(doc, error)
    fields.check_keys(keys, lambda line, msg: diagnostics.warning(path, line, msg))
    return doc, fields, error


def load_article(path: Path, data: bytes, site_language: str, diagnostics: Diagnostics) -> Article | None:
    opened = _open(path, data, ARTICLE_KEYS, diagnostics)
    if opened is None:
        return None
    doc, fields, error = opened
    before = len(diagnostics.errors)
    slug = fields.text("slug") or slugify(path.stem)
    if not is_slug(slug):
        error(
            fields.line("slug"),
            f"'slug' must use only a-z, 0-9 and single hyphens, like '{slugify(slug) or 'my-article'}'",
        )
    article = Article(
        path=path,
        slug=slug,
        title=fields.text("title", required=True),
        date=_date(doc.data.get("date"), fields.line("date"), error, required=True) or dt.date.min,
        updated=_date(doc.data.get("updated"), fields.line("updated"), error, key="updated"),
        lang=_language(fields, site_language, error),
        slug_line=fields.line("slug"),
        body_line=doc.body_line,
        summary=fields.text("summary") or None,
        source=_source(doc.data.get("source"), fields, error, lambda line, msg: diagnostics.warning(path, line, msg)),
        authors=fields.text_list("authors"),
        tags=fields.text_list("tags"),
        tags_line=fields.line("tags") or 1,
        about=_entity_refs(fields, "about", error),
        entities=_entity_refs(fields, "entities", error),
        annotations=_annotations(fields, error, lambda line, msg: diagnostics.warning(path, line, msg)),
        draft=fields.boolean("draft"),
        body_refs=body_mentions(doc.body, doc.body_line, error),
        moved_from=_moved_from(fields, error, names=False),
    )
    if article.updated is not None and moment_of(article.updated) < article.moment:
        error(fields.line("updated"), "'updated' is before 'date': an article is updated after it is published")
    return article if len(diagnostics.errors) == before else None


# Where code may be: a backtick, a fence, an indented line. Only there can the plain scan below
# find a [[...]] that the Markdown parser would not (one in code); there the parser decides.
_MAY_HAVE_CODE = re.compile(r"`|~~~|^(?: {4}|\t)", re.MULTILINE)


def body_mentions(body: str, first_line: int, error: Report) -> tuple[EntityRef, ...]:
    """The [[...]] mentions of a body, with their file lines; never those in code."""
    if _MAY_HAVE_CODE.search(body) and "[[" in body:
        return _parsed_mentions(body, first_line, error)
    refs = []
    line, position = first_line, 0
    for match in MENTION_RE.finditer(body):
        line += body.count("\n", position, match.start())
        position = match.start()
        if match.group(1).strip():
            shown = (match.group(2) or "").strip() or None
            refs.append(EntityRef(match.group(1).strip(), line, shown=shown))
        else:
            error(line, f"empty mention '{match.group()}': write [[id]] or [[id|shown text]]")
    return tuple(refs)


def _parsed_mentions(body: str, first_line: int, error: Report) -> tuple[EntityRef, ...]:
    refs = []
    for line, target, shown in references(body):
        if target.strip():
            refs.append(EntityRef(target.strip(), first_line + line, shown=shown))
        else:
            error(first_line + line, f"empty mention '[[{target}]]': write [[id]] or [[id|shown text]]")
    return tuple(refs)


def load_entity(path: Path, data: bytes, diagnostics: Diagnostics) -> Entity | None:
    opened = _open(path, data, ENTITY_KEYS, diagnostics)
    if opened is None:
        return None
    doc, fields, error = opened
    before = len(diagnostics.errors)
    if not is_slug(path.stem):
        error(
            1,
            f"the file name is the entity id and must use only a-z, 0-9 and single hyphens: rename it to '{slugify(path.stem) or 'entity'}.md'",
        )
    entity_type = fields.text("type", required=True)
    if entity_type and entity_type not in ENTITY_TYPES:
        error(fields.line("type"), f"'type' must be one of {', '.join(ENTITY_TYPES)}, not '{entity_type}'")
    wikidata = fields.text("wikidata") or None
    if wikidata and not re.fullmatch(r"Q[1-9][0-9]*", wikidata):
        error(fields.line("wikidata"), f"'wikidata' must be an item id such as Q42, not '{wikidata}'")
    website = fields.text("website") or None
    if website and not URL_RE.fullmatch(website):
        error(fields.line("website"), f"'website' must be an http(s) URL, not '{website}'")
    parent = _single_ref(fields, "parent", error)
    every, langs = _aliases(fields, error)
    names = [(name, lang) for name, lang in zip(every, langs or ("",) * len(every), strict=True) if name[0] != "/"]
    aliases, alias_langs = tuple(n for n, _ in names), tuple(lang for _, lang in names)
    entity = Entity(
        id=path.stem,
        name=fields.text("name", required=True),
        type=entity_type,
        path=path,
        aliases=aliases,
        alias_langs=alias_langs if any(alias_langs) else (),
        moved_from=_moved_from(fields, error, names=True),
        description=fields.text("description"),
        wikidata=wikidata,
        website=website,
        parent=parent,
        related=_entity_refs(fields, "related", error, allow_mappings=False),
        notes=doc.body,
        notes_line=doc.body_line,
        name_lines=(fields.line("name"), *(fields.line("aliases", index) for index in range(len(aliases)))),
    )
    return entity if len(diagnostics.errors) == before else None


def _aliases(fields: Fields, error: Report) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An entity's other names, each text or `{name: ..., lang: ...}` (a name in another
    language: pages mark it with its `lang`); the names, and their languages ('' if not said)."""
    value = fields.doc.data.get("aliases")
    if not isinstance(value, list) or not any(isinstance(item, dict) for item in value):
        return fields.text_list("aliases"), ()
    names, langs = [], []
    for index, item in enumerate(value):
        line = fields.line("aliases", index)
        if not isinstance(item, dict):
            item = {"name": item}
        name, lang = item.get("name"), item.get("lang", "")
        if set(item) - {"name", "lang"} or isinstance(name, bool) or not isinstance(name, str | int | float):
            error(line, "each item of 'aliases' must be a name, or a mapping such as {name: 字节跳动, lang: zh}")
            continue
        if not str(name).strip():
            error(line, "each item of 'aliases' must be non-empty text")
            continue
        if lang and (not isinstance(lang, str) or not is_language_tag(lang)):
            error(line, f"an alias's 'lang' must be a BCP 47 language code such as 'zh' or 'en-GB', not '{lang}'")
            continue
        names.append(str(name).strip())
        langs.append(lang or "")
    return tuple(names), tuple(langs)


def _moved_from(fields: Fields, error: Report, names: bool) -> tuple[tuple[str, int], ...]:
    """The old addresses in `aliases` (the key Hugo and Zola use for them): every item for an
    article, the items starting with '/' for an entity (the others are its other names)."""
    value = fields.doc.data.get("aliases")
    found = []
    for index, item in enumerate(value if isinstance(value, list) else [value] if value else []):
        text = item.get("name") if isinstance(item, dict) else item
        if not isinstance(text, str) or (names and not text.startswith("/")):
            continue
        line = fields.line("aliases", index)
        path = paths.moved_from(text.strip())
        if path is None:
            example = "/2019/vecchio-indirizzo/"
            error(line, f"each item of 'aliases' must be an old address of the page under the site, such as '{example}', not '{text}'")  # fmt: skip
            continue
        found.append((path, line))
    return tuple(found)


def _language(fields: Fields, default: str, error: Report) -> str:
    lang = fields.text("lang", default=default)
    if fields.present("lang") and not is_language_tag(lang):  # the site's own is site.yml's to report
        error(fields.line("lang"), f"'lang' must be a BCP 47 language code such as 'it' or 'en-GB', not '{lang}'")
    return lang


def _date(value: Any, line: int, error: Report, required: bool = False, key: str = "date") -> dt.date | None:
    if value is None:
        if required:
            error(1, f"missing required key '{key}': add '{key}: YYYY-MM-DD'")
        return None
    text = str(value).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", text):
            moment = dt.datetime.fromisoformat(text)
            if moment.tzinfo is not None:
                moment.astimezone(dt.UTC)  # sorting and feeds need it in UTC: 0001-01-01T00:00+01:00 is not
            return moment
    except OverflowError:
        error(line, f"'{key}' is out of range in UTC: '{text}'; give a date between years 1 and 9999 that stays so")
        return None
    except ValueError as exc:
        error(line, f"'{key}' is not a real date: '{text}' ({exc})")
        return None
    error(line, f"'{key}' must be a date such as 2025-02-10 or an ISO 8601 date-time, not '{text}'")
    return None


def _ref(item: Any, line: int, key: str, error: Report, allow_mappings: bool = True) -> EntityRef | None:
    if isinstance(item, str | int) and not isinstance(item, bool) and str(item).strip():
        return EntityRef(str(item).strip(), line)
    if allow_mappings and isinstance(item, dict):
        unknown = sorted(set(map(str, item)) - {"name", "type"})
        name, entity_type = item.get("name"), item.get("type")
        if unknown or not isinstance(name, str) or not name.strip():
            error(
                line,
                f"an entry of '{key}' written as a mapping needs 'name' (and may have 'type'), as in {{name: Acme, type: organization}}",
            )
            return None
        if entity_type is not None and entity_type not in ENTITY_TYPES:
            error(line, f"'type' must be one of {', '.join(ENTITY_TYPES)}, not '{entity_type}'")
            return None
        return EntityRef(name.strip(), line, entity_type)
    shape = "an entity id or name, or {name, type}" if allow_mappings else "an entity id"
    error(line, f"each entry of '{key}' must be {shape}")
    return None


def _single_ref(fields: Fields, key: str, error: Report) -> EntityRef | None:
    value = fields.doc.data.get(key)
    return None if value is None else _ref(value, fields.line(key), key, error, allow_mappings=False)


def _entity_refs(fields: Fields, key: str, error: Report, allow_mappings: bool = True) -> tuple[EntityRef, ...]:
    value = fields.doc.data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        error(fields.line(key), f"'{key}' must be a list of entity ids or names")
        return ()
    refs = (_ref(item, fields.line(key, i), key, error, allow_mappings) for i, item in enumerate(value))
    return tuple(ref for ref in refs if ref is not None)


def _source(value: Any, fields: Fields, error: Report, warn: Report) -> Source | None:
    if value is None:
        return None
    line = fields.line("source")
    if not isinstance(value, dict):
        error(line, "'source' must be a mapping with 'name', 'url' and 'published'")
        return None
    for key in value:
        if key not in SOURCE_KEYS:
            warn(line, f"unknown key 'source.{key}' is ignored; known keys: {', '.join(SOURCE_KEYS)}")
    name, url = value.get("name"), value.get("url")
    if name is not None and not isinstance(name, str):
        error(line, "'source.name' must be text")
        name = None
    if url is not None and (not isinstance(url, str) or not URL_RE.fullmatch(url.strip())):
        error(line, f"'source.url' must be an http(s) URL, not '{url}'")
        url = None
    published = _date(value.get("published"), line, error, key="source.published")
    return Source(name, url.strip() if url else None, published)


def _annotations(fields: Fields, error: Report, warn: Report) -> tuple[Annotation, ...]:
    value = fields.doc.data.get("annotations")
    if value is None:
        return ()
    if not isinstance(value, list):
        error(fields.line("annotations"), "'annotations' must be a list of mappings with 'quote' and 'note'")
        return ()
    annotations = []
    for index, item in enumerate(value):
        line = fields.line("annotations", index)
        if not isinstance(item, dict):
            error(line, "each annotation must be a mapping with 'quote' and 'note'")
            continue
        at = functools.partial(fields.line, "annotations", index)  # the line of one of its keys
        for key in item:
            if key not in ANNOTATION_KEYS:
                warn(at(key), f"unknown annotation key '{key}' is ignored; known keys: {', '.join(ANNOTATION_KEYS)}")
        texts = {key: item.get(key) for key in ("quote", "note", "prefix", "suffix", "kind", "lang")}
        bad = [key for key, text in texts.items() if text is not None and not isinstance(text, str)]
        if bad:
            error(at(bad[0]), f"annotation '{bad[0]}' must be text; put it in quotes")
            continue
        if not texts["quote"] or not texts["note"]:
            missing = "quote" if not texts["quote"] else "note"
            error(line, f"annotation is missing '{missing}': give the exact passage as 'quote' and the text as 'note'")
            continue
        kind = texts["kind"] or "note"
        if kind not in ANNOTATION_KINDS:
            error(at("kind"), f"annotation 'kind' must be one of {', '.join(ANNOTATION_KINDS)}, not '{kind}'")
            continue
        if texts["lang"] and not is_language_tag(texts["lang"]):
            error(at("lang"), f"annotation 'lang' must be a BCP 47 language code such as 'en', not '{texts['lang']}'")
            continue
        entity = (
            _ref(item["entity"], at("entity"), "entity", error, allow_mappings=False) if item.get("entity") else None
        )
        annotations.append(
            Annotation(
                texts["quote"],
                texts["note"],
                line,
                kind,
                texts["prefix"] or "",
                texts["suffix"] or "",
                entity,
                texts["lang"],
            )
        )
    return tuple(annotations)
