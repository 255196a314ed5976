"""`rassegna check`: every problem a build would report, what an editor should look at, and
what would break the published site; nothing is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.build import (
    all_names,
    check_collisions,
    check_inputs,
    check_moved,
    files_to_copy,
    lexicon_of,
    linker_for,
    plan_data,
    planner,
    render_articles,
    site_language,
    with_common_words,
    with_found_entities,
)
from generator.cache import cache_dir, read_gone
from generator.config import normalize_base_url
from generator.errors import Diagnostic, Diagnostics, UsageError
from generator.graph import build_graph
from generator.load import article_body, load_content
from generator.markdown import name_matcher, unlinked_names
from generator.model import FileRecord, RenderedArticle, Site
from generator.parallel import default_jobs
from generator.project import find_theme
from generator.resolve import resolve
from generator.sitecheck import check_site
from generator.templates import check_templates
from generator.text import name_key
from generator.urls import Urls
from generator.write import read_base_url, read_stamp


@dataclass(frozen=True)
class CheckOptions:
    content: Path | None = Path("content")  # None: the site only
    site: Path | None = None  # a built site to check as well
    base_url: str | None = None  # the site's; default: what its build recorded
    templates: Path | None = None
    drafts: bool = False
    strict: bool = False
    jobs: int = field(default_factory=default_jobs)


@dataclass(frozen=True)
class CheckResult:
    diagnostics: list[Diagnostic]
    articles: int = 0
    entities: int = 0
    site_files: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for d in self.diagnostics if d.level == "error")

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors


def check(options: CheckOptions) -> CheckResult:
    """Check the content and, with `site`, the built site; raise UsageError for bad options."""
    check_inputs(options.content, options.base_url)
    if options.site is not None and not options.site.is_dir():
        raise UsageError(f"site directory '{options.site}' not found; build it first, or pass --site DIR")
    diagnostics = Diagnostics()
    site = None
    if options.content is not None:
        site = check_content(options, options.content, diagnostics)
    files = 0
    if options.site is not None:
        built_for = read_base_url(options.site)
        if built_for is None:
            diagnostics.warning(
                options.site,
                0,
                "no .rassegna marker: not a site rassegna built; its links are checked under the base_url of site.yml or --base-url",
            )
        elif read_stamp(options.site) is None:
            diagnostics.error(
                options.site,
                0,
                "the site is incomplete: a build was cut short while moving its files in, so old and new pages "
                "are mixed; run rassegna build (it completes the site)",
            )
        base_url = options.base_url or built_for or (site.config.base_url if site else "/")
        files = check_site(options.site, Urls(normalize_base_url(base_url)).base_path, diagnostics)
        for page in read_gone(cache_dir(options.site)):
            diagnostics.warning(
                options.site / page,
                0,
                f"an earlier build published /{page} and the site no longer has it: if the page moved, add "
                f"'aliases: [/{page}]' to its front matter, so that links to the old address keep working",
            )
    if options.strict:
        diagnostics.apply_strict()
    articles, entities = (len(site.articles), len(site.entities)) if site else (0, 0)
    return CheckResult(diagnostics.sorted(), articles, entities, files)


def check_content(options: CheckOptions, content: Path, diagnostics: Diagnostics) -> Site:
    """The build's own checks (templates, front matter, references, annotations, files that
    would overwrite generated ones), then the editorial ones."""
    theme = find_theme(options.templates, content)
    diagnostics.items.extend(check_templates(theme, None))
    loaded = load_content(content, diagnostics, options.base_url, options.drafts, options.jobs)
    site = resolve(loaded, diagnostics)
    ui = site_language(site.config.language, theme, content / "site.yml", diagnostics)
    site, _ = with_common_words(site, loaded.files, options.jobs)
    rendered = render_articles(site, loaded.files, ui, diagnostics, options.jobs)
    site = with_found_entities(site, rendered)
    moved = any(a.moved_from for a in site.articles) or any(e.moved_from for e in site.entities.values())
    if site.static_files or moved:  # only they can take a generated file's place
        urls = Urls(site.config.base_url)
        plan = plan_data(
            site, rendered, urls, planner(site, rendered, build_graph(site, rendered), urls, ui, {}).pages()
        )
        check_collisions(plan, files_to_copy(site, theme, {}), diagnostics)
        check_moved(site, plan, diagnostics)
    review(site, loaded.files, rendered, diagnostics, complete=not diagnostics.errors)
    return site


def review(
    site: Site,
    files: Mapping[str, FileRecord],
    rendered: dict[str, RenderedArticle],
    diagnostics: Diagnostics,
    complete: bool = True,
) -> None:
    """What a build accepts but an editor should look at. Unless the content is `complete`
    (no errors), an article that failed to load may be what mentions an entity."""
    if complete:
        _entities_no_article_mentions(site, diagnostics)
    _articles_without_entities(site, diagnostics)
    _names_left_unlinked(site, files, rendered, diagnostics)


def _entities_no_article_mentions(site: Site, diagnostics: Diagnostics) -> None:
    mentioned = {entity_id for slug in site.article_entities for entity_id in site.entities_of(slug)}
    for entity in site.entities.values():
        if entity.path is not None and entity.id not in mentioned:
            diagnostics.warning(
                entity.path,
                1,
                f"no article mentions '{entity.name}': its page lists no articles; "
                f"mention it in an article, or delete the file",
            )


def _articles_without_entities(site: Site, diagnostics: Diagnostics) -> None:
    for article in site.articles:
        if not site.entities_of(article.slug):
            diagnostics.warning(
                article.path,
                1,
                "the article names no entity: list the people, organisations and places it mentions "
                "in 'entities', or write them as [[name]] in the text",
            )


def _names_left_unlinked(
    site: Site, files: Mapping[str, FileRecord], rendered: dict[str, RenderedArticle], diagnostics: Diagnostics
) -> None:
    """A known proper name in an article's text whose entity the article neither annotates
    (in 'entities', 'about', an annotation or as [[...]]) nor links by autolink."""
    names = {name: site.lookup[name_key(name)] for name in all_names(site) if _is_proper_name(name)}
    if not names:
        return
    matcher = name_matcher(tuple(sorted(names)))
    for article in site.articles:
        known = {*site.entities_of(article.slug), *(m.entity for m in rendered[article.slug].mentions)}
        body = article_body(article, files[str(article.path)].digest)
        if body is None:
            continue  # rendering it has said so
        linker = linker_for(site, article.slug, lexicon_of(site).matcher)  # every name: made once
        for line, name in unlinked_names(body, linker, names, matcher):
            entity = site.entities[names[name]]
            if entity.id not in known:
                known.add(entity.id)  # once per article
                diagnostics.warning(
                    article.path,
                    article.body_line + line,
                    f"'{name}' ({entity.name}) is not linked: add '{entity.id}' to 'entities', "
                    f"or write [[{entity.id}|{name}]]",
                )


def _is_proper_name(name: str) -> bool:
    """'OpenAI', 'Cina', 'USA', 'UE' but not 'stato', 'it' or 'Al': a lowercase alias is also a
    common word ('stato', 'internet'), and two letters are a word unless they are an acronym."""
    return any(char.isupper() for char in name) and (len(name) > 2 or name.isupper())
