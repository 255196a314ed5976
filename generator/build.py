"""The one module that knows the stage order: load -> resolve -> render -> write."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator import parallel
from generator import urls as paths
from generator.config import base_url_problem, normalize_base_url
from generator.errors import ContentError, Diagnostic, Diagnostics, UsageError
from generator.export import annotation_pages
from generator.graph import build_graph
from generator.load import load_content
from generator.markdown import Linker, name_matcher, render_article, render_notes
from generator.model import Article, Page, RenderedArticle, Site
from generator.pages import plan_pages
from generator.parallel import default_jobs, map_in_chunks
from generator.resolve import resolve
from generator.templates import check_templates, make_environment, render_template, template_problem
from generator.text import name_key
from generator.urls import Urls
from generator.write import MARKER, SiteWriter, check_output_dir, write_file

BUNDLED_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True)
class BuildOptions:
    content: Path = Path("content")
    out: Path = Path("site")
    templates: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    strict: bool = False
    jobs: int = field(default_factory=default_jobs)


@dataclass(frozen=True)
class BuildResult:
    pages: int
    articles: int
    entities: int
    seconds: float
    diagnostics: list[Diagnostic]
    base_path: str = "/"


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def build(options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Build the site into options.out; raise ContentError (nothing written) or UsageError."""
    report = progress or (lambda stage, done, total: None)
    started = time.perf_counter()
    templates = find_templates(options.templates)
    if not options.content.is_dir():
        raise UsageError(f"content directory '{options.content}' not found; pass --content DIR")
    if options.base_url is not None and (bad_url := base_url_problem(normalize_base_url(options.base_url))):
        raise UsageError(bad_url.replace("base_url", "--base-url", 1))
    check_output_dir(options.out, [options.content, templates])
    diagnostics = Diagnostics()
    diagnostics.items.extend(check_templates(templates))
    site = load_and_resolve(options, diagnostics)
    report("read", len(site.articles), len(site.articles))
    rendered = render_articles(site, diagnostics, options.jobs, lambda done, total: report("render", done, total))
    plain = linker_for(site)
    notes = {e.id: render_notes(e.notes, plain) for e in site.entities.values() if e.notes.strip()}
    graph = build_graph(site, rendered)
    urls = Urls(site.config.base_url)
    pages = plan_pages(site, rendered, graph, notes, urls) + annotation_pages(site, rendered, urls)
    copies = files_to_copy(site, templates)
    check_collisions(pages, copies, diagnostics)
    if diagnostics.errors:
        raise ContentError(diagnostics.sorted())
    with SiteWriter(options.out) as writer:
        targets = [writer.reserve(Urls.file_for(page.path)) for page in pages]
        parallel.shared.update(env=make_environment(templates, site.config), templates=templates, pages=pages)
        parallel.shared["writer"] = writer
        work = list(enumerate(targets))
        results = map_in_chunks(_write_pages, work, options.jobs, lambda done, total: report("write", done, total))
        problems = [problem for problem in results if problem]
        if problems:
            raise ContentError(problems[:1])
        for target, source in copies:
            writer.copy(target, source)
    return BuildResult(
        pages=sum(1 for page in pages if page.path.endswith("/")),
        articles=len(site.articles),
        entities=len(site.entities),
        seconds=time.perf_counter() - started,
        diagnostics=diagnostics.sorted(),
        base_path=urls.base_path,
    )


def load_and_resolve(options: BuildOptions, diagnostics: Diagnostics) -> Site:
    content = load_content(options.content, diagnostics, options.base_url, options.drafts, options.jobs)
    site = resolve(content, diagnostics)
    if options.strict:
        diagnostics.apply_strict()
    if diagnostics.errors:
        raise ContentError(diagnostics.sorted())
    return site


def render_articles(
    site: Site, diagnostics: Diagnostics, jobs: int = 1, progress: Callable[[int, int], None] | None = None
) -> dict[str, RenderedArticle]:
    parallel.shared.update(site=site, matcher=name_matcher(all_names(site)))
    pages = map_in_chunks(_render_bodies, site.articles, jobs, progress)
    for article, page in zip(site.articles, pages, strict=True):
        for annotation, problem in page.problems:
            diagnostics.error(article.path, annotation.line, problem)
    return {article.slug: page for article, page in zip(site.articles, pages, strict=True)}


def _render_bodies(articles: Sequence[Article]) -> list[RenderedArticle]:
    site, matcher = parallel.shared["site"], parallel.shared["matcher"]
    return [
        render_article(a.body, linker_for(site, a.slug, matcher), a.annotations, site.config.language, a.lang)
        for a in articles
    ]


def _write_pages(work: Sequence[tuple[int, Path]]) -> list[Diagnostic | None]:
    """Render and write pages (in a worker): one result a page, a template error as a diagnostic."""
    env, templates, pages = parallel.shared["env"], parallel.shared["templates"], parallel.shared["pages"]
    writer: SiteWriter = parallel.shared["writer"]
    results: list[Diagnostic | None] = []
    for index, target in work:
        page = pages[index]
        try:
            data = page.data if page.template is None else render_template(env, page.template, page.context)
        except Exception as exc:
            problem = template_problem(exc, templates)
            if problem is None:
                raise
            return results + [problem] + [None] * (len(work) - len(results) - 1)  # the rest is moot
        write_file(target, data, writer.previous(target))
        results.append(None)
    return results


def files_to_copy(site: Site, templates: Path) -> list[tuple[str, Path]]:
    """(output path, source): the theme's assets, then content/static/ as it is."""
    assets, static = templates / "assets", site.root / "static"
    theme = [(f"assets/{p.relative_to(assets).as_posix()}", p) for p in sorted(assets.rglob("*")) if p.is_file()]
    return theme + [(p.relative_to(static).as_posix(), p) for p in site.static_files]


def check_collisions(pages: list[Page], copies: list[tuple[str, Path]], diagnostics: Diagnostics) -> None:
    """A static file must not silently replace a generated file or the theme's assets."""
    taken = {Urls.file_for(page.path) for page in pages} | {MARKER}
    for target, source in copies:
        if target in taken:
            diagnostics.error(source, 0, f"would overwrite the generated file {target}: rename or move it")
        taken.add(target)


def all_names(site: Site) -> tuple[str, ...]:
    return tuple(sorted({name for e in site.entities.values() for name in (e.name, *e.aliases)}))


def linker_for(site: Site, slug: str | None = None, matcher: object = None) -> Linker:
    """Resolution and URLs for the Markdown stage; with a slug, that article's autolink names."""
    urls = Urls(site.config.base_url)
    names: dict[str, str] = {}
    for entity_id in site.article_entities.get(slug, ()) if slug else ():
        entity = site.entities[entity_id]
        for name in (entity.name, *entity.aliases):
            names.setdefault(name, entity_id)
    return Linker(
        resolve=lambda text: site.lookup.get(name_key(text)),
        url=lambda entity_id: urls.url(paths.entity(entity_id)),
        names=names,
        name=lambda entity_id: site.entities[entity_id].name,
        mode=site.config.autolink,
        matcher=matcher,
    )


def find_templates(explicit: Path | None) -> Path:
    for candidate in (explicit, Path("templates"), BUNDLED_TEMPLATES):
        if candidate is not None and (candidate / "base.html").is_file():
            return candidate
        if candidate is explicit and explicit is not None:
            raise UsageError(f"--templates {explicit} has no base.html; point it at a templates directory")
    raise UsageError(f"no templates found (looked in ./templates and {BUNDLED_TEMPLATES}); pass --templates DIR")
