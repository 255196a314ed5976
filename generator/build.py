"""The one module that knows the stage order: load -> resolve -> render -> write."""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import itertools
import os
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator import parallel, search
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
    save_gone,
    save_state,
    scan,
)
from generator.config import base_url_problem, normalize_base_url
from generator.errors import ContentError, Diagnostic, Diagnostics, UsageError
from generator.export import annotation_pages
from generator.files import Signature
from generator.graph import build_graph
from generator.i18n import Language, load_language
from generator.load import load_content
from generator.markdown import Linker, render_notes
from generator.model import Article, Content, Entity, FileRecord, Graph, Planned, RenderedArticle, Site
from generator.pages import Planner, plain_files, showing
from generator.parallel import default_jobs, map_in_chunks
from generator.project import Theme, find_theme
from generator.render import (
    UNCHANGED,
    BodyStore,
    FindWords,
    Lexicon,
    RenderBodies,
    RenderPages,
    common_words,
    lowercase_words,
    pickled,
)
from generator.resolve import resolve
from generator.search import FOLDER as SEARCH_FOLDER
from generator.search import INSTALL_HINT, Bundle, SearchError, bundles, find_pagefind, index_site, kept, out_of_date
from generator.templates import check_templates
from generator.text import digest, fingerprint
from generator.urls import Urls
from generator.write import (
    MARKER,
    SiteWriter,
    check_output_dir,
    exclusive,
    finish_removals,
    is_folder,
    read_stamp,
    remove_site,
    site_files,
    site_signatures,
    written_signatures,
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
    pages_removed: tuple[str, ...] = ()  # the pages it published no more (their paths: 'articles/x/')
    pages_present: tuple[str, ...] = ()  # every page it published
    indexed: tuple[int, int, float] = (0, 0, 0.0)  # search bundles made again, of how many, in seconds


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
    def present(self) -> set[str]:
        """Every file of the output directory now: those written, unless one was added or
        removed by hand (its folder changed), or the site is not the one the manifest
        describes; then the site is walked."""
        if self.current and not any(is_folder(path) for path in self.damaged):
            return {path for path in self.written if not is_folder(path)}
        return set(site_files(self.out))

    @functools.cached_property
    def damaged(self) -> set[str]:
        """Files and folders of the site that are gone or changed since the last build wrote them."""
        now = site_signatures(self.out, self.written)
        return {path for path, signature in self.written.items() if now.get(path) != signature}

    @property
    def written(self) -> dict[str, Signature]:
        return self.manifest.outputs if self.manifest is not None else {}

    @property
    def intact(self) -> bool:
        """The site is as the last build left it: no file changed, gone, or dropped in by hand."""
        return self.current and not self.damaged

    @property
    def unchanged(self) -> bool:
        """Nothing to do: the same inputs, and the site as the last build left it (no file
        changed, gone, or dropped in by hand)."""
        return self.manifest is not None and not self.changed and self.intact

    @property
    def pages(self) -> dict[str, str]:
        """The key of each page the last build wrote and that is still in the site as written."""
        if self.state is None or not self.current:
            return {}
        damaged = self.damaged
        return {path: key for path, key in self.state.pages.items() if path not in damaged}


@dataclass
class Built:
    """A successful build as `rassegna serve` keeps it in memory, to rebuild from."""

    result: BuildResult
    state: BuildState  # what the cache keeps on disk
    site: Site
    rendered: dict[str, RenderedArticle]  # slug -> what lists show of its body (the HTML is in the store)
    graph: Graph
    body_keys: dict[str, str]  # slug -> the key of its body in the store
    render_key: str  # what every body is rendered with, besides its own file
    site_key: str  # what every page is rendered with, besides its inputs
    pages: RenderPages  # renders pages, in this process
    planner: Planner  # of the pages below
    plan: list[Planned]  # the pages (without the files of data), valid after `planner.reword`
    theme: Theme
    ui: Language
    search_behind: bool = False  # pages changed since the search index was made (see index_later)


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
                save_gone(previous.store, result.pages_removed, result.pages_present)
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
    without saving the cache: what the watch server runs when an edit needs more than a page.
    The search index is left as it was (`search_behind` says if it is): the server makes it
    again when the edits pause."""
    started = time.perf_counter()
    with _building(options) as theme:
        previous = remembered(options, theme, last)
        if last is not None and previous.unchanged:
            nothing = replace(last.result, seconds=time.perf_counter() - started, written=0, removed=0, changed=())
            return replace(last, result=nothing)
        built = _build(options, theme, previous, progress, index_later=True)
        if previous.store is not None:
            with contextlib.suppress(OSError):  # the site is built: only `check --site` misses what went
                save_gone(previous.store, built.result.pages_removed, built.result.pages_present)
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


def _build(
    options: BuildOptions, theme: Theme, previous: Previous, progress: Progress | None, index_later: bool = False
) -> Built:
    report = progress or (lambda stage, done, total: None)
    started, started_ns = time.perf_counter(), time.time_ns()
    diagnostics = Diagnostics()
    if previous.state is None and previous.manifest is not None and previous.store is not None:
        previous.state = load_state(previous.store, previous.manifest)  # not kept in memory: from disk
    compiled = compiled_templates(previous.store) if previous.store is not None else None
    if compiled is not None and not _can_make(compiled):
        compiled = None  # a read-only cache folder: templates are compiled in memory
    diagnostics.items.extend(check_templates(theme, compiled))

    # load -> resolve
    state = previous.state
    reuse = {path: record for path, record in state.files.items() if path not in previous.changed} if state else {}
    content = load_content(options.content, diagnostics, options.base_url, options.drafts, options.jobs, reuse)
    site = resolve(content, diagnostics)
    site, pagefind = with_search(site, options.content / "site.yml", diagnostics)
    ui = site_language(site.config.language, theme, options.content / "site.yml", diagnostics)
    if options.strict:
        diagnostics.apply_strict()
    if diagnostics.errors:
        raise ContentError(diagnostics.sorted())
    report("read", len(site.articles), len(site.articles))

    # render the bodies (into the store), plan every page
    inputs = input_digests(previous, content)
    site, words = with_common_words(site, content.files, options.jobs, state.words if state else {})
    render_key = fingerprint(generator_digest(), site.config, lexicon(site), ui.key)
    body_keys = {a.slug: article_key(a, content.files[str(a.path)].digest, render_key) for a in site.articles}
    store = body_store(options)
    known = state.rendered if state else {}
    cached = {slug: body for slug, (key, body) in known.items() if body_keys.get(slug) == key and store.has(key)}
    progress_of_render = lambda done, total: report("render", done, total)  # noqa: E731
    rendered = render_articles(
        site, content.files, ui, diagnostics, options.jobs, progress_of_render, cached, body_keys, store
    )
    urls = Urls(site.config.base_url)
    site = with_found_entities(site, rendered)
    graph = build_graph(site, rendered)
    pages_planner = planner(site, rendered, graph, urls, ui, body_keys)
    page_plan = pages_planner.pages()
    plan = plan_data(site, rendered, urls, page_plan)
    copies = files_to_copy(site, theme, inputs)
    check_collisions(plan, copies, diagnostics)
    check_moved(site, plan, diagnostics)
    if diagnostics.errors:
        raise ContentError(diagnostics.sorted())

    # render and write the pages whose inputs changed: after edits that only reworded articles,
    # only those that show them can have
    index = [path for path in previous.present if path.startswith(f"{SEARCH_FOLDER}/")] if pagefind else []
    outputs = [Urls.file_for(page.path) for page in plan] + [copy.path for copy in copies] + index
    touched = reworded(previous, content, rendered, words)
    stale = set(previous.present) - set(outputs)  # no page makes them any more (or never did)
    stamp = uuid.uuid4().hex
    site_key = fingerprint(generator_digest(), site.config, ui.key, theme_digests(theme, inputs))
    pages = RenderPages(theme, site.config, ui, compiled, store, SiteWriter(options.out, urls.base_url, options.atomic))
    todo = plan if touched is None else showing(plan, touched)
    written = write_site(pages, todo, copies, stale, stamp, previous.pages, site_key, options.jobs, report)
    indexed = (0, 0, 0.0)
    search_behind = pagefind is not None and needs_index(options.out, site, written, stale, index, previous)
    if pagefind is not None and search_behind and not index_later:
        search_behind = False
        report("search", 0, 1)
        indexing = time.perf_counter()
        fresh = write_index(pagefind, options, site, urls.base_url, stamp, index, damaged_index(previous))
        indexed = (fresh.made, fresh.bundles, time.perf_counter() - indexing)
        outputs = [path for path in outputs if not path.startswith(f"{SEARCH_FOLDER}/")] + fresh.files
        written.staged.extend(fresh.staged)
        stale |= fresh.removed
        report("search", 1, 1)
    result = BuildResult(
        pages=sum(1 for page in plan if page.path == "" or page.path.endswith("/")),  # "": the home page
        articles=len(site.articles),
        entities=len(site.entities),
        seconds=time.perf_counter() - started,
        diagnostics=diagnostics.sorted(),
        base_path=urls.base_path,
        rendered=written.rendered,
        written=len(written.staged),
        removed=len(stale),
        changed=tuple(sorted({*written.staged, *stale})),
        pages_removed=tuple(
            sorted(
                page_of(path) for path in stale if path.endswith(".html") and not path.startswith(f"{SEARCH_FOLDER}/")
            )
        ),  # fmt: skip
        pages_present=tuple(page.path for page in plan if page.path.endswith("/") or page.path.endswith(".html")),
        indexed=indexed,
    )
    if touched is None or options.atomic:  # after the commit: the unchanged files are new links
        signatures = written_signatures(options.out, outputs)
    else:
        signatures = previous.written | written_signatures(options.out, written.staged)
        signatures = {path: signature for path, signature in signatures.items() if path not in stale}
    manifest = Manifest(
        previous.settings, stamp, started_ns, inputs, result_summary(result), tuple(result.diagnostics), signatures
    )
    if len(cached) < len(rendered) or len(known) > len(cached):
        store.keep_only(body_keys.values())  # bodies of articles since edited or gone
    bodies = {slug: (body_keys[slug], body) for slug, body in rendered.items()}
    keys = written.keys if touched is None else previous.pages | written.keys
    state = BuildState(manifest, content.files, bodies, keys, words)
    return Built(
        result,
        state,
        site,
        rendered,
        graph,
        body_keys,
        render_key,
        site_key,
        pages,
        pages_planner,
        page_plan,
        theme,
        ui,
        search_behind,
    )


def with_search(site: Site, site_yml: Path, diagnostics: Diagnostics) -> tuple[Site, Path | None]:
    """The site, with search on only if Pagefind is there to make its index: never a search box
    that cannot search. The Pagefind program, when it is on."""
    if not site.config.search:
        return site, None
    pagefind = find_pagefind()
    if pagefind is None:
        diagnostics.warning(site_yml, 0, f"the site has no search: the Pagefind program is not installed "
                            f"({INSTALL_HINT}); set 'search: false' in site.yml to build without it quietly")  # fmt: skip
        return replace(site, config=replace(site.config, search=False)), None
    return site, pagefind


@dataclass
class Index:
    files: list[str]  # the search index, by path in the site
    staged: list[str]  # those whose bytes changed
    removed: set[str]  # the files of the last index that this one no longer has
    made: int = 0  # bundles made again
    bundles: int = 0  # in all


def page_of(file: str) -> str:
    """The site path a file serves: 'articles/x/index.html' -> 'articles/x/'."""
    return file.removesuffix("index.html") if file == "index.html" or file.endswith("/index.html") else file


def search_bundles(site: Site) -> list[Bundle]:
    """The pages the search indexes (those whose templates mark `data-pagefind-body`), in
    bundles: the articles by month, oldest first, then the entities' first pages by initial,
    in bundles of their own unless all fit in one (a new article then leaves them as they are)."""
    articles = sorted(site.articles, key=lambda article: (f"{article.date:%Y-%m}", article.slug))
    by_month = [(Urls.file_for(paths.article(a.slug)), f"articles-{a.date:%Y-%m}") for a in articles]
    by_initial = [(Urls.file_for(paths.entity(entity_id)), f"entities-{_letter(entity_id)}") for entity_id in sorted(site.entities)]  # fmt: skip
    if len(by_month) + len(by_initial) <= search.BUNDLE_PAGES:
        return bundles(by_month + by_initial)
    return bundles(by_month) + bundles(by_initial)


def _letter(entity_id: str) -> str:
    first = entity_id[:1]
    return first if first.isascii() and first.isalnum() else "0"


def damaged_index(previous: Previous) -> list[str]:
    return [path for path in previous.damaged if path.startswith(f"{SEARCH_FOLDER}/")]


def needs_index(out: Path, site: Site, written: Written, stale: set[str], index: list[str], previous: Previous) -> bool:
    """Pages changed, or the index the site has is not the one the last build made."""
    pages_changed = any(path.endswith(".html") for path in [*written.staged, *stale])
    if not (pages_changed or not index or damaged_index(previous)):
        return False  # without a look at the pages: a no-change build stays quick
    return out_of_date(out, search_bundles(site), damaged_index(previous)) is not None


def write_index(
    pagefind: Path,
    options: BuildOptions,
    site: Site,
    base_url: str,
    stamp: str,
    index: list[str],
    damaged: list[str],
    cancelled: Callable[[], bool] = lambda: False,
) -> Index:
    """Make again the bundles of the index that are out of date, and put them in the site as a
    second step: until then the site keeps the index it had. Raises search.Cancelled if
    `cancelled()` while Pagefind runs."""
    planned = search_bundles(site)
    todo = out_of_date(options.out, planned, damaged)
    made: Index = Index([], [], set(), len(todo or ()), len(planned))
    if todo is None:
        made.files = list(index)
        return made
    try:
        with SiteWriter(options.out, base_url, options.atomic) as writer:
            for path, data in index_site(pagefind, options.out, planned, todo, cancelled):
                made.files.append(path)
                if writer.write(path, data):
                    made.staged.append(path)
            made.files += sorted(set(kept(index, planned, todo)) - set(made.files))
            made.removed = set(index) - set(made.files)
            writer.commit(made.staged, made.removed, stamp)
    except SearchError as exc:
        where = options.out / SEARCH_FOLDER
        problem = f"cannot make the search index: {exc}; build again, or set 'search: false' in site.yml"
        raise ContentError([Diagnostic(str(where), 0, "error", problem)]) from None
    return made


def reworded(
    previous: Previous, content: Content, rendered: Mapping[str, RenderedArticle], words: Words
) -> set[str] | None:
    """The articles changed since the last build, if their edits only reworded them and nothing
    else changed: then every list, count and index is as it was, and only the pages that show
    them can differ (pages.showing). None when the edits did more, or the site is not intact."""
    state = previous.state
    if state is None or not previous.changed or not previous.intact:
        return None
    slugs = set()
    for path in previous.changed:
        old, new = state.files.get(path), content.files.get(path)
        if old is None or new is None or old.problems or new.problems:
            return None  # a file added, removed, or with problems, or not an article or entity
        before, after = old.item, new.item
        if not isinstance(before, Article) or not isinstance(after, Article) or placement(before) != placement(after):
            return None
        known = state.rendered.get(before.slug)
        if references(before) != references(after) or known is None:
            return None
        if len(known[1].notes) != len(rendered[after.slug].notes):
            return None  # the annotation collection numbers notes across articles
        if linked_entities(known[1]) != linked_entities(rendered[after.slug]):
            return None  # autolinking found other entities: lists and counts change
        if state.words.get(after.slug, ("", ()))[1] != words.get(after.slug, ("", ()))[1]:
            return None  # the archive's common words, and so every article's links, may change
        slugs.add(after.slug)
    return slugs


def linked_entities(body: RenderedArticle) -> tuple[str, ...]:
    return tuple(dict.fromkeys(mention.entity for mention in body.mentions))


def placement(article: Article) -> tuple[object, ...]:
    """What places an article in the site's lists and indexes; the date as written, not only
    the instant, since pages show the day it names; when it was updated, which the sitemap
    gives for every list it is on; its old addresses, each a page of its own."""
    updated = article.updated.isoformat() if article.updated else None
    moved = tuple(path for path, _ in article.moved_from)
    return article.slug, article.date.isoformat(), updated, article.tags, article.draft, moved


def references(article: Article) -> tuple[object, ...]:
    """The entities an article names, as written (lines aside): the same, the same links."""
    refs = [*article.entities, *article.about, *article.body_refs, *(a.entity for a in article.annotations if a.entity)]
    return tuple((ref.text, ref.type, ref.shown) for ref in refs), len(article.about)


def site_language(language: str, theme: Theme, site_yml: Path, diagnostics: Diagnostics) -> Language:
    """The UI catalogs for site.yml's language, from the theme's locale/ folders."""
    folders = [folder / "locale" for folder in theme.folders]
    return load_language(language, folders, diagnostics, site_yml)


def planner(
    site: Site,
    rendered: Mapping[str, RenderedArticle],
    graph: Graph,
    urls: Urls,
    ui: Language,
    bodies: Mapping[str, str],
) -> Planner:
    """The pages of the site (plan_data adds the files of data beside them)."""
    return Planner(site, rendered, graph, entity_notes(site), urls, ui, bodies)


def plan_data(site: Site, rendered: Mapping[str, RenderedArticle], urls: Urls, pages: list[Planned]) -> list[Planned]:
    """The pages, then the files of data beside them."""
    articles = {page.path: page for page in pages if page.path.startswith("articles/")}
    return pages + plain_files(urls, site.config.cname) + annotation_pages(site, rendered, urls, articles)


def body_store(options: BuildOptions) -> BodyStore:
    """Beside the build cache; with --no-cache, a folder of this process's own, removed at exit."""
    if options.cache:
        return BodyStore(cache_dir(options.out) / "bodies")
    folder = Path(tempfile.mkdtemp(prefix="rassegna-bodies-"))
    atexit.register(shutil.rmtree, folder, True)
    return BodyStore(folder)


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


def theme_digests(theme: Theme, inputs: dict[str, tuple[Signature, str]]) -> list[tuple[str, str]]:
    """The theme's files by their bytes: every page is rendered with all of them."""
    folders = tuple(os.path.join(str(folder), "") for folder in theme.folders)
    return sorted((path, digest) for path, (_, digest) in inputs.items() if path.startswith(folders))


def article_key(article: Article, file_digest: str, render_key: str) -> str:
    return fingerprint(str(article.path), file_digest, render_key)


def entity_notes(site: Site) -> Callable[[Entity], str]:
    plain = linker_for(site)
    return lambda entity: render_notes(entity.notes, plain) if entity.notes.strip() else ""


@dataclass
class Written:
    keys: dict[str, str]  # every file of the site by path -> the key it was made from
    staged: list[str]  # the files whose bytes changed, moved into the site
    rendered: int = 0  # pages rendered (their key changed)


PAGES_PER_CHUNK = 64  # pages to render in one piece of a worker's work
# Fewer pages to render than this (a rebuild after an edit) are rendered here: starting
# workers would cost more.
PAGES_FOR_WORKERS = 512


def write_site(
    pages: RenderPages,
    plan: Iterable[Planned],
    copies: Sequence[Copy],
    stale: set[str],
    stamp: str,
    previous: dict[str, str],
    site_key: str,
    jobs: int,
    report: Progress,
) -> Written:
    """Render the pages whose key changed (in workers, as the plan is walked), stage the files
    whose bytes changed, put them in the site (see SiteWriter.commit)."""
    written = Written({}, [])
    total = len(plan) if isinstance(plan, Sequence) else 0
    problems: list[Diagnostic] = []
    with pages.writer as writer:
        done = 0
        for chunk in _rendered(pages, _chunks(plan, previous, site_key, written), jobs):
            for path, outcome in chunk:
                if isinstance(outcome, Diagnostic):
                    problems.append(outcome)
                elif outcome is not None:
                    written.rendered += 1
                    if outcome:
                        written.staged.append(Urls.file_for(path))
            done += len(chunk)
            report("write", done, max(done, total))
            if problems:
                raise ContentError(problems[:1])
        for copy in copies:
            written.keys[copy.path] = copy.key
            if previous.get(copy.path) != copy.key and writer.copy(copy.path, copy.source):
                written.staged.append(copy.path)
        writer.commit(written.staged, stale, stamp)
    return written


def _chunks(
    plan: Iterable[Planned], previous: dict[str, str], site_key: str, written: Written
) -> Iterator[list[tuple[str, bytes | None]]]:
    """The plan in chunks for RenderPages: each page's spec gathered and pickled, its key the
    digest of those bytes; a page with the key it had is sent by path only."""
    chunk: list[tuple[str, bytes | None]] = []
    todo = 0
    for planned in plan:
        data = pickled(planned.spec())
        key = digest(site_key.encode() + data)
        written.keys[Urls.file_for(planned.path)] = key
        fresh = previous.get(Urls.file_for(planned.path)) != key
        chunk.append((planned.path, data if fresh else UNCHANGED))
        todo += fresh
        if todo == PAGES_PER_CHUNK or len(chunk) == 64 * PAGES_PER_CHUNK:
            yield chunk
            chunk, todo = [], 0
    if chunk:
        yield chunk


def _rendered(
    pages: RenderPages, chunks: Iterator[list[tuple[str, bytes | None]]], jobs: int
) -> Iterator[list[tuple[str, Diagnostic | bool | None]]]:
    """Chunks rendered here until there are enough to be worth workers, then in workers while
    the rest of the plan is gathered."""
    waiting: list[list[tuple[str, bytes | None]]] = []
    todo = 0
    for chunk in chunks:
        waiting.append(chunk)
        todo += sum(data is not UNCHANGED for _, data in chunk)
        if jobs > 1 and todo >= PAGES_FOR_WORKERS:
            yield from parallel.stream(pages, itertools.chain(waiting, chunks), jobs)
            return
    yield from map(pages, waiting)


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
    return entities, tuple(sorted(site.lookup.items())), tuple(sorted(site.common_words))


Words = dict[str, tuple[str, tuple[str, ...]]]  # slug -> (key, the lowercase names its text writes)


def with_common_words(
    site: Site, files: Mapping[str, FileRecord], jobs: int = 1, known: Words | None = None
) -> tuple[Site, Words]:
    """The site with the lowercase names its articles use as ordinary words (only archive-wide
    autolinking needs them), and what each article writes, to count again after an edit;
    those in `known` under the same key are not read again."""
    lexicon = lexicon_of(site)
    words = lowercase_words(lexicon)
    if lexicon.scope != "archive" or lexicon.mode == "none" or not words:
        return site, {}
    names_key = fingerprint(words)
    keys = {a.slug: fingerprint(files[str(a.path)].digest, names_key) for a in site.articles}
    known = known or {}
    todo = [(a, files[str(a.path)].digest) for a in site.articles if known.get(a.slug, ("",))[0] != keys[a.slug]]
    fresh = dict(zip((a.slug for a, _ in todo), map_in_chunks(FindWords(words), todo, jobs), strict=True))
    found: Words = {}
    for slug, key in keys.items():
        if slug not in fresh:
            found[slug] = known[slug]
        elif (written := fresh[slug]) is not None:  # None: changed while building, which rendering reports
            found[slug] = (key, written)
    common = common_words((written for _, written in found.values()), len(site.articles))
    return replace(site, common_words=common), found


def with_found_entities(site: Site, rendered: Mapping[str, RenderedArticle]) -> Site:
    """The site with the entities each article's text links without declaring them."""
    found = {}
    for slug, declared in site.article_entities.items():
        linked = dict.fromkeys(m.entity for m in rendered[slug].mentions if m.entity not in declared)
        if linked:
            found[slug] = tuple(linked)
    return replace(site, found_entities=found)


def render_articles(
    site: Site,
    files: Mapping[str, FileRecord],
    ui: Language,
    diagnostics: Diagnostics,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    cached: dict[str, RenderedArticle] | None = None,
    keys: Mapping[str, str] | None = None,
    store: BodyStore | None = None,
) -> dict[str, RenderedArticle]:
    """What lists show of every article's body (read from its file, which must still be as
    `files` has it); the HTML goes to `store` under `keys[slug]`. Those in `cached` are taken
    from there."""
    known = cached or {}
    todo = [
        (a, site.article_entities[a.slug], keys[a.slug] if keys else "", files[str(a.path)].digest)
        for a in site.articles
        if a.slug not in known
    ]
    bodies = RenderBodies(lexicon_of(site), ui, store)
    fresh = dict(zip((a.slug for a, *_ in todo), map_in_chunks(bodies, todo, jobs, progress), strict=True))
    rendered = {article.slug: known.get(article.slug) or fresh[article.slug] for article in site.articles}
    for article in site.articles:
        for annotation, problem in rendered[article.slug].problems:
            diagnostics.error(article.path, annotation.line, problem)
        for line, problem in rendered[article.slug].errors:
            diagnostics.error(article.path, article.body_line + line, problem)
    return rendered


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


def check_collisions(pages: Sequence[Planned], copies: list[Copy], diagnostics: Diagnostics) -> None:
    """A static file must not silently replace a generated file or the theme's assets."""
    taken = {Urls.file_for(page.path) for page in pages} | {MARKER}
    for copy in copies:
        if copy.path in taken:
            diagnostics.error(copy.source, 0, f"would overwrite the generated file {copy.path}: rename or move it")
        taken.add(copy.path)


def check_moved(site: Site, plan: Sequence[Planned], diagnostics: Diagnostics) -> None:
    """An old address (`aliases: [/old/path/]`) must be free: no page of the site there, and no
    other old address. Each is a page of the plan, so a taken one is there twice."""
    count = Counter(Urls.file_for(page.path) for page in plan)
    owners = [(a.path, a.moved_from) for a in site.articles] + [(e.path, e.moved_from) for e in site.entities.values()]
    for source, moved in owners:
        for old, line in moved:
            if count[Urls.file_for(old)] > 1 and source is not None:
                problem = f"'aliases': /{old} is the address of another page, or another page's alias: remove it here"
                diagnostics.error(source, line, problem)


def all_names(site: Site) -> tuple[str, ...]:
    return tuple(sorted({name for e in site.entities.values() for name in (e.name, *e.aliases)}))


def linker_for(site: Site, slug: str | None = None, matcher: object = None) -> Linker:
    """Resolution and URLs for the Markdown stage; with a slug, that article's autolink names
    (without, those of a note or an entity page: none)."""
    if slug is None:
        return lexicon_of(site).linker((), matcher, article=False)
    return lexicon_of(site).linker(site.article_entities.get(slug, ()), matcher)


def lexicon_of(site: Site) -> Lexicon:
    """One lexicon per site: made from 20,000 entities, it is worth keeping."""
    made = _lexicons.get(id(site.entities))
    if made is None or made[0] is not site.entities or made[1] != (site.common_words, site.config):
        _lexicons.clear()
        made = _lexicons[id(site.entities)] = (site.entities, (site.common_words, site.config), Lexicon.of(site))
    return made[2]


_lexicons: dict[int, tuple[object, object, Lexicon]] = {}
