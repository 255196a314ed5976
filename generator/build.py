"""The one module that knows the stage order: load -> resolve -> render -> write."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2

from generator import parallel
from generator import urls as paths
from generator.cache import (
    BuildState,
    Manifest,
    cache_dir,
    changed_files,
    file_digest,
    generator_digest,
    load_manifest,
    load_state,
    save_state,
    scan,
)
from generator.config import base_url_problem, normalize_base_url
from generator.errors import ContentError, Diagnostic, Diagnostics, UsageError
from generator.export import AnnotationLayout, annotation_layout, annotation_pages
from generator.files import Signature
from generator.graph import build_graph
from generator.i18n import Language, load_language
from generator.load import load_content
from generator.markdown import Linker, name_matcher, render_article, render_notes
from generator.model import Article, Content, Entity, Graph, Page, PageKeys, RenderedArticle, Site
from generator.pages import plain_files, plan_pages
from generator.parallel import default_jobs, map_in_chunks
from generator.project import Theme, find_theme
from generator.resolve import resolve
from generator.templates import check_templates, make_environment, render_template, template_problem
from generator.text import digest, fingerprint, name_key
from generator.urls import Urls
from generator.write import (
    MARKER,
    SiteWriter,
    check_output_dir,
    exclusive,
    finish_removals,
    read_stamp,
    remove_site,
    site_files,
    site_signatures,
)


@dataclass(frozen=True)
class BuildOptions:
    content: Path = Path("content")
    out: Path = Path("site")
    templates: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    strict: bool = False
    jobs: int = field(default_factory=default_jobs)
    cache: bool = True  # read and write .rassegna-cache/ beside the output
    atomic: bool = False  # replace the site in one step (every file linked anew): see SiteWriter.commit


@dataclass(frozen=True)
class BuildResult:
    pages: int
    articles: int
    entities: int
    seconds: float
    diagnostics: list[Diagnostic]
    base_path: str = "/"
    rendered: int = 0  # pages rendered (the others were unchanged since the last build)
    written: int = 0  # files added or replaced in the site
    removed: int = 0  # files no page makes any more
    changed: tuple[str, ...] = ()  # the files written and removed, by path in the site


Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class Copy:
    """A file copied as it is into the site: theme assets and content/static/."""

    path: str
    source: Path
    key: str


@dataclass
class Previous:
    """What the build cache knows about the last build of this output."""

    settings: str  # digest of the generator, paths and options: the cache is valid only for these
    store: Path | None  # the cache folder; None with --no-cache
    signatures: dict[str, Signature]  # every input file now
    changed: set[str]  # input files added, removed or changed since the last build
    out: Path
    manifest: Manifest | None = None
    state: BuildState | None = None
    current: bool = False  # the output directory is the site the manifest describes

    @functools.cached_property
    def present(self) -> dict[str, Signature]:
        """Every file of the output directory now."""
        return site_files(self.out)

    @functools.cached_property
    def damaged(self) -> set[str]:
        """Files of the site that are gone or were changed since the last build wrote them."""
        written = self.manifest.outputs if self.manifest is not None else {}
        now = self.present
        return {path for path, signature in written.items() if now.get(path) != signature}

    @property
    def unchanged(self) -> bool:
        """Nothing to do: the same inputs, and the site as the last build left it (no file
        changed, gone, or dropped in by hand)."""
        if self.manifest is None or not self.current or self.changed or self.damaged:
            return False
        return set(self.present) <= set(self.manifest.outputs)

    @property
    def pages(self) -> dict[str, str]:
        """The key of each page the last build wrote and that is still in the site as written."""
        if self.state is None or not self.current:
            return {}
        damaged = self.damaged
        return {path: key for path, key in self.state.pages.items() if Urls.file_for(path) not in damaged}


@dataclass
class Built:
    """A successful build as `rassegna serve` keeps it in memory, to rebuild from."""

    result: BuildResult
    state: BuildState  # what the cache keeps on disk
    site: Site
    rendered: dict[str, RenderedArticle]  # slug -> body
    graph: Graph
    keys: PageKeys
    render_key: str  # what every body is rendered with, besides its own file
    env: jinja2.Environment
    theme: Theme
    ui: Language
    annotations: AnnotationLayout


def build(options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Build the site into options.out; raise ContentError (nothing written) or UsageError.

    With the cache, files whose signature is unchanged are not read again, articles whose
    inputs are unchanged are not rendered again, and pages whose key is unchanged are neither
    rendered nor written."""
    started = time.perf_counter()
    with _building(options) as theme:
        previous = remembered(options, theme)
        if previous.unchanged and previous.manifest is not None:
            return repeated(previous.manifest, time.perf_counter() - started)
        built = _build(options, theme, previous, progress)
        result = built.result
        if previous.store is not None:
            try:
                save_state(previous.store, built.state)
            except OSError as exc:  # the site is built: a cache that cannot be saved only costs time
                problem = Diagnostic(str(previous.store), 0, "warning", f"cannot save the build cache: "
                                     f"{exc.strerror}; the next build will be a full one")  # fmt: skip
                result = replace(result, diagnostics=[*result.diagnostics, problem])
        finish_removals()  # the old site, swapped out, removed while the cache was saved
    return replace(result, seconds=time.perf_counter() - started)  # saving the cache included


def lock_of(out: Path) -> Path:
    """Beside the build cache, never published: `.rassegna-cache/<out name>.lock`."""
    return cache_dir(out).parent / f"{out.name}.lock"


@contextlib.contextmanager
def system_errors_reported(out: Path) -> Iterator[None]:
    """An error of the operating system (a full disk, a read-only --out, a file that cannot be
    read) becomes one message naming the path, instead of a traceback. The writer has removed
    its staging folder; the site is as it was unless the error came while moving files in."""
    try:
        yield
    except OSError as exc:
        raise ContentError([system_problem(exc, out)]) from None


def system_problem(exc: OSError, out: Path) -> Diagnostic:
    filename = os.fsdecode(exc.filename) if exc.filename is not None else str(out)
    staging = os.path.join(os.path.abspath(out.parent), f".{out.name}.rassegna-new-")
    absolute = os.path.abspath(filename)
    if absolute.startswith(staging):  # a file being staged: name it where it goes
        inside = absolute[len(staging) :].partition(os.sep)[2]
        filename, absolute = os.path.join(out, inside), os.path.join(os.path.abspath(out), inside)
    writing = Path(absolute).is_relative_to(os.path.abspath(out)) or absolute == os.path.abspath(out.parent)
    what = "cannot write" if writing else "cannot read"
    return Diagnostic(filename, 0, "error", f"{what}: {exc.strerror or exc}")


def build_in_memory(options: BuildOptions, last: Built | None = None, progress: Progress | None = None) -> Built:
    """Like build(), from the last build kept in memory (or the cache, the first time), and
    without saving the cache: what the watch server runs when an edit needs more than a page."""
    started = time.perf_counter()
    with _building(options) as theme:
        previous = remembered(options, theme, last)
        if last is not None and previous.unchanged:
            nothing = replace(last.result, seconds=time.perf_counter() - started, written=0, removed=0, changed=())
            return replace(last, result=nothing)
        built = _build(options, theme, previous, progress)
        finish_removals()
        return built


@contextlib.contextmanager
def _building(options: BuildOptions) -> Iterator[Theme]:
    """What no build starts without: its options checked, then the site's lock, held to the end.
    Yields the theme."""
    with without_cycle_collection(), system_errors_reported(options.out):
        theme = find_theme(options.templates, options.content)
        check_options(options, theme)
        with exclusive(lock_of(options.out), options.out):
            yield theme


def repeated(manifest: Manifest, seconds: float) -> BuildResult:
    """The result of a build with nothing to do: the last one's, warnings included."""
    made, articles, entities, base_path = manifest.summary
    return BuildResult(made, articles, entities, seconds, list(manifest.diagnostics), base_path)


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """A build makes millions of long-lived objects and few reference cycles: Python's cycle
    collector would walk the whole heap again and again (seconds for 10,000 articles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(options: BuildOptions, theme: Theme, previous: Previous, progress: Progress | None) -> Built:
    report = progress or (lambda stage, done, total: None)
    started, started_ns = time.perf_counter(), time.time_ns()
    diagnostics = Diagnostics()
    if previous.state is None and previous.manifest is not None and previous.store is not None:
        previous.state = load_state(previous.store, previous.manifest)  # not kept in memory: from disk
    compiled = compiled_templates(previous.store) if previous.store is not None else None
    if compiled is not None and not _can_make(compiled):
        compiled = None  # a read-only cache folder: templates are compiled in memory
    diagnostics.items.extend(check_templates(theme, compiled))
    state = previous.state
    reuse = {path: record for path, record in state.files.items() if path not in previous.changed} if state else {}
    content = load_content(options.content, diagnostics, options.base_url, options.drafts, options.jobs, reuse)
    site = resolve(content, diagnostics)
    ui = site_language(site.config.language, theme, options.content / "site.yml", diagnostics)
    if options.strict:
        diagnostics.apply_strict()
    if diagnostics.errors:
        raise ContentError(diagnostics.sorted())
    report("read", len(site.articles), len(site.articles))

    inputs = input_digests(previous, content)
    render_key = fingerprint(generator_digest(), site.config, lexicon(site), ui.key)
    keys = page_keys(content, site, inputs, theme, previous, render_key)
    cached = {
        slug: body for slug, (key, body) in (state.rendered if state else {}).items() if keys.articles.get(slug) == key
    }
    rendered = render_articles(site, ui, diagnostics, options.jobs, lambda d, t: report("render", d, t), cached)
    keys = replace(keys, listings={a.slug: listing_key(a, rendered[a.slug]) for a in site.articles})
    urls, graph, annotations, pages, copies = plan_site(site, rendered, theme, ui, keys, inputs)
    check_collisions(pages, copies, diagnostics)
    if diagnostics.errors:
        raise ContentError(diagnostics.sorted())

    outputs = [Urls.file_for(page.path) for page in pages] + [copy.path for copy in copies]
    stale = set(previous.present) - set(outputs)  # no page makes them any more (or never did)
    stamp = uuid.uuid4().hex
    env = make_environment(theme, site.config, ui, compiled)
    staged = write_site(
        options, env, theme, pages, copies, stale, stamp, report, keys.previous, urls.base_url, options.atomic
    )
    result = BuildResult(
        pages=sum(1 for page in pages if page.path.endswith("/")),
        articles=len(site.articles),
        entities=len(site.entities),
        seconds=time.perf_counter() - started,
        diagnostics=diagnostics.sorted(),
        base_path=urls.base_path,
        rendered=sum(1 for page in pages if not page.unchanged),
        written=len(staged),
        removed=len(stale),
        changed=tuple(sorted({*staged, *stale})),
    )
    written = site_signatures(options.out, outputs)  # after the commit: the unchanged files are new links
    manifest = Manifest(
        previous.settings, stamp, started_ns, inputs, result_summary(result), tuple(result.diagnostics), written
    )
    bodies = {slug: (keys.articles[slug], body) for slug, body in rendered.items()}
    keyed = {page.path: page.key for page in pages} | {c.path: c.key for c in copies}
    state = BuildState(manifest, content.files, bodies, keyed)
    return Built(result, state, site, rendered, graph, keys, render_key, env, theme, ui, annotations)


def site_language(language: str, theme: Theme, site_yml: Path, diagnostics: Diagnostics) -> Language:
    """The UI catalogs for site.yml's language, from the theme's locale/ folders."""
    folders = [folder / "locale" for folder in theme.folders]
    return load_language(language, folders, diagnostics, site_yml)


def plan_site(
    site: Site,
    rendered: dict[str, RenderedArticle],
    theme: Theme,
    ui: Language,
    keys: PageKeys,
    inputs: dict[str, tuple[Signature, str]],
) -> tuple[Urls, Graph, AnnotationLayout, list[Page], list[Copy]]:
    """Every file of the site: the pages with their keys, and the files copied as they are."""
    urls = Urls(site.config.base_url)
    graph = build_graph(site, rendered)
    pages = plan_pages(site, rendered, graph, entity_notes(site), urls, keys, ui)
    pages += [with_key(page, keys) for page in plain_files(urls, site.config.cname)]
    annotations = annotation_layout(site, rendered, urls)
    pages += annotation_pages(site, rendered, urls, keys, annotations)
    return urls, graph, annotations, pages, files_to_copy(site, theme, inputs)


def clean(out: Path) -> list[Path]:
    """Remove the site rassegna built in `out` and its build cache; what was removed."""
    store = cache_dir(out)
    with exclusive(lock_of(out), out):
        removed = [out] if remove_site(out) else []
        if store.is_dir():
            shutil.rmtree(store)
            removed.append(store)
    lock_of(out).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        store.parent.rmdir()  # .rassegna-cache/, when it held only this site's cache
    return removed


def check_options(options: BuildOptions, theme: Theme) -> None:
    check_inputs(options.content, options.base_url)
    check_output_dir(options.out, [options.content, *theme.folders])


def check_inputs(content: Path | None, base_url: str | None) -> None:
    """--content and --base-url, as build, serve and check take them."""
    if content is not None and not content.is_dir():
        raise UsageError(f"content directory '{content}' not found; pass --content DIR")
    if base_url is not None and (bad_url := base_url_problem(normalize_base_url(base_url))):
        raise UsageError(bad_url.replace("base_url", "--base-url", 1))


def remembered(options: BuildOptions, theme: Theme, last: Built | None = None) -> Previous:
    """The last build's manifest (from memory, or the cache), and which inputs changed since."""
    folders = [str(folder.resolve()) for folder in theme.folders]
    settings = fingerprint(generator_digest(), str(options.content.resolve()), folders,
                           options.base_url, options.drafts, options.strict)  # fmt: skip
    store = cache_dir(options.out) if options.cache else None
    kept = last.state if last is not None and last.state.manifest.settings == settings else None
    manifest = kept.manifest if kept else load_manifest(store, settings) if store is not None else None
    signatures = scan(options.content, *theme.folders)
    current = manifest is not None and read_stamp(options.out) == manifest.stamp
    changed = changed_files(signatures, manifest)
    return Previous(settings, store, signatures, changed, options.out, manifest, kept, current)


def _can_make(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def compiled_templates(store: Path) -> Path:
    """Where Jinja keeps compiled templates for this generator; other generators' go."""
    folder = store / f"templates-{generator_digest()[:12]}"
    for old in store.glob("templates-*") if store.is_dir() else ():
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def page_keys(
    content: Content,
    site: Site,
    inputs: dict[str, tuple[Signature, str]],
    theme: Theme,
    previous: Previous,
    render_key: str,
) -> PageKeys:
    """Digests of what each page is made from: equal digests, equal pages."""
    files = content.files
    folders = tuple(os.path.join(str(folder), "") for folder in theme.folders)
    theme_files = sorted((path, digest) for path, (_, digest) in inputs.items() if path.startswith(folders))
    articles = {a.slug: article_key(a, files[str(a.path)].digest, render_key) for a in site.articles}
    return PageKeys(
        site=fingerprint(render_key, theme_files),
        articles=articles,
        entities={
            e.id: fingerprint(str(e.path), files[str(e.path)].digest) if e.path else fingerprint(e)
            for e in site.entities.values()
        },
        previous=previous.pages,
    )


def article_key(article: Article, file_digest: str, render_key: str) -> str:
    return fingerprint(str(article.path), file_digest, render_key)


def listing_key(article: Article, body: RenderedArticle) -> str:
    """What an item in a list shows of an article (templates get an Item: these fields only)."""
    return fingerprint(article.slug, article.title, article.date, article.lang, article.summary or body.summary)


def entity_notes(site: Site) -> Callable[[Entity], str]:
    plain = linker_for(site)
    return lambda entity: render_notes(entity.notes, plain) if entity.notes.strip() else ""


def write_site(
    options: BuildOptions,
    env: object,
    theme: Theme,
    pages: list[Page],
    copies: list[Copy],
    stale: set[str],
    stamp: str,
    report: Progress,
    previous: dict[str, str],
    base_url: str,
    atomic: bool = False,
) -> list[str]:
    """Render the pages that changed, stage the files whose bytes changed, put them in the site
    (atomically: see SiteWriter.commit); the files written."""
    todo = [page for page in pages if not page.unchanged]
    with SiteWriter(options.out, base_url, atomic) as writer:
        parallel.shared.update(env=env, theme=theme, pages=todo, writer=writer)
        results = map_in_chunks(_write_pages, range(len(todo)), options.jobs, lambda d, t: report("write", d, t))
        problems = [problem for problem in results if isinstance(problem, Diagnostic)]
        if problems:
            raise ContentError(problems[:1])
        staged = [Urls.file_for(page.path) for page, result in zip(todo, results, strict=True) if result is True]
        staged += [c.path for c in copies if previous.get(c.path) != c.key and writer.copy(c.path, c.source)]
        writer.commit(staged, stale, stamp)
    return staged


def result_summary(result: BuildResult) -> tuple[int, int, int, str]:
    return result.pages, result.articles, result.entities, result.base_path


def input_digests(previous: Previous, content: Content) -> dict[str, tuple[Signature, str]]:
    """Every input file's signature and digest: from the load stage, the manifest, or read now."""
    digests = {}
    known = previous.manifest.inputs if previous.manifest is not None else {}
    for path, signature in previous.signatures.items():
        if path in content.files:
            digests[path] = (signature, content.files[path].digest)
        elif path in known and path not in previous.changed:
            digests[path] = (signature, known[path][1])
        else:
            digests[path] = (signature, file_digest(Path(path)))
    for path, record in content.files.items():  # created after the scan: changed, for the next build
        digests.setdefault(path, ((0, 0, 0, 0), record.digest))
    return digests


def lexicon(site: Site) -> tuple[object, ...]:
    """What every page may show of every entity, and what every body resolves names with."""
    entities = tuple((e.id, e.name, e.type, e.aliases, e.wikidata, e.is_stub) for e in site.entities.values())
    return entities, tuple(sorted(site.lookup.items()))


def with_key(page: Page, keys: PageKeys) -> Page:
    """A page of bytes keyed by its bytes."""
    data = page.data if isinstance(page.data, bytes) else page.data()
    key = keys.key(page.path, digest(data))
    return replace(page, key=key, unchanged=keys.unchanged(page.path, key))


def render_articles(
    site: Site,
    ui: Language,
    diagnostics: Diagnostics,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    cached: dict[str, RenderedArticle] | None = None,
) -> dict[str, RenderedArticle]:
    """Every article's body, rendered; those in `cached` are taken from there."""
    known = cached or {}
    todo = [article for article in site.articles if article.slug not in known]
    parallel.shared.update(site=site, ui=ui, matcher=name_matcher(all_names(site)) if todo else None)
    fresh = dict(zip((a.slug for a in todo), map_in_chunks(_render_bodies, todo, jobs, progress), strict=True))
    rendered = {article.slug: known.get(article.slug) or fresh[article.slug] for article in site.articles}
    for article in site.articles:
        for annotation, problem in rendered[article.slug].problems:
            diagnostics.error(article.path, annotation.line, problem)
        for line, problem in rendered[article.slug].errors:
            diagnostics.error(article.path, article.body_line + line, problem)
    return rendered


def _render_bodies(articles: Sequence[Article]) -> list[RenderedArticle]:
    site, ui, matcher = parallel.shared["site"], parallel.shared["ui"], parallel.shared["matcher"]
    return [render_article(a.body, linker_for(site, a.slug, matcher), a.annotations, ui, a.lang) for a in articles]


def _write_pages(indexes: Sequence[int]) -> list[Diagnostic | bool]:
    """Render pages and stage those that differ (in a worker): True if staged, a template error
    as a diagnostic."""
    env, theme, pages = parallel.shared["env"], parallel.shared["theme"], parallel.shared["pages"]
    writer: SiteWriter = parallel.shared["writer"]
    results: list[Diagnostic | bool] = []
    for index in indexes:
        page = pages[index]
        try:
            if page.template is not None:
                data = render_template(env, page.template, page.context())
            else:
                data = page.data() if callable(page.data) else page.data
        except Exception as exc:
            problem = template_problem(exc, theme)
            if problem is None:
                raise
            return results + [problem] + [False] * (len(indexes) - len(results) - 1)  # the rest is moot
        results.append(writer.write(Urls.file_for(page.path), data))
    return results


def files_to_copy(site: Site, theme: Theme, inputs: dict[str, tuple[Signature, str]]) -> list[Copy]:
    """The theme's assets (a project's override first), then content/static/ as it is; keyed
    by their bytes."""
    static = site.root / "static"
    assets = [(f"assets/{name}", path) for name, path in theme.files("assets").items()]
    files = assets + [(p.relative_to(static).as_posix(), p) for p in site.static_files]
    return [Copy(path, source, fingerprint(path, source_digest(source, inputs))) for path, source in files]


def source_digest(source: Path, inputs: dict[str, tuple[Signature, str]]) -> str:
    known = inputs.get(str(source))
    return known[1] if known else file_digest(source)


def check_collisions(pages: list[Page], copies: list[Copy], diagnostics: Diagnostics) -> None:
    """A static file must not silently replace a generated file or the theme's assets."""
    taken = {Urls.file_for(page.path) for page in pages} | {MARKER}
    for copy in copies:
        if copy.path in taken:
            diagnostics.error(copy.source, 0, f"would overwrite the generated file {copy.path}: rename or move it")
        taken.add(copy.path)


def all_names(site: Site) -> tuple[str, ...]:
    return tuple(sorted({name for e in site.entities.values() for name in (e.name, *e.aliases)}))


def linker_for(site: Site, slug: str | None = None, matcher: object = None) -> Linker:
    """Resolution and URLs for the Markdown stage; with a slug, that article's autolink names."""
    urls = Urls(site.config.base_url)
    names: dict[str, str] = {}
    for entity_id in site.article_entities.get(slug, ()) if slug else ():
        entity = site.entities[entity_id]
        for name in (entity.name, *entity.aliases):
            if name_key(name) not in site.shared_names:  # a name of two entities is never autolinked
                names.setdefault(name, entity_id)
    return Linker(
        resolve=lambda text: site.lookup.get(name_key(text)),
        url=lambda entity_id: urls.url(paths.entity(entity_id)),
        names=names,
        name=lambda entity_id: site.entities[entity_id].name,
        mode=site.config.autolink,
        matcher=matcher,
    )
