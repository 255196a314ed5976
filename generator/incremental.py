"""Rebuilds for `rassegna serve`: the last build kept in memory, and a quick path for the
edit an editor makes most, rewording articles.

An edit that keeps an article's slug, date, tags and entities changes no list, count or
index: only the pages that show the article (its own, the lists it is in, the feeds) can
differ. Those are planned again, and written if their key changed. Anything else (a new,
deleted or renamed file, an entity, a template, site.yml) takes a full build from memory.
Both give the same site as a clean build; the tests check it after random edits.
"""

from __future__ import annotations

import gc
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

from generator.build import (
    BuildOptions,
    BuildResult,
    Built,
    Progress,
    article_key,
    build_in_memory,
    lexicon_of,
    linker_for,
    placement,
    plan_data,
    write_index,
    write_site,
)
from generator.cache import cache_dir, save_state
from generator.errors import Diagnostics
from generator.files import signatures_of
from generator.frontmatter import body_of
from generator.graph import with_edited_article
from generator.load import load_article
from generator.markdown import lowercase_names, name_matcher, render_article
from generator.model import Article, FileRecord, Planned, RenderedArticle
from generator.pages import showing
from generator.project import find_theme
from generator.render import lowercase_words
from generator.resolve import resolve_known
from generator.search import BUNDLES, find_pagefind
from generator.search import FOLDER as SEARCH_FOLDER
from generator.text import digest
from generator.urls import Urls
from generator.write import SiteWriter, is_folder, read_stamp, written_signatures


class Workspace:
    """One output directory and its last good build, in memory."""

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.built: Built | None = None
        self.pending: set[str] | None = None  # changed since the last good build; None: unknown
        self.settled = False  # see settle()
        self.index_behind = False  # quick rebuilds changed pages since the search index was made

    def rebuild(self, changed: Iterable[str] | None = None, progress: Progress | None = None) -> BuildResult:
        """Bring the site up to date; `changed`: the files the watcher saw change, if known.
        Raises ContentError (the site is left as it was) or UsageError. The files of a failed
        rebuild count as changed until one succeeds."""
        self.pending = None if changed is None or self.pending is None else self.pending | set(changed)
        try:
            quick = self._quick(self.built, self.pending) if self.built and self.pending else None
            if quick is None:
                self.settled = False
            self.built = quick or build_in_memory(self.options, self.built, progress)
        except OSError:
            self.built = None  # the output or the cache changed under us: start afresh next time
            raise
        self.pending = set()
        quick_changed = quick is not None and bool(quick.result.changed)
        self.index_behind = self.index_behind or self.built.search_behind or quick_changed  # until index_again
        return self.built.result

    def index_again(self, cancelled: Callable[[], bool] = lambda: False) -> tuple[int, int]:
        """Work for the quiet time after rebuilds, which leave the search index as it was: make
        again the bundles of the index whose pages changed; how many, of how many. Raises
        search.Cancelled (and the index stays behind) if `cancelled()` while Pagefind runs: the
        server asks it when an edit comes."""
        built = self.built
        pagefind = find_pagefind() if built is not None and built.site.config.search else None
        if built is None or pagefind is None:
            self.index_behind = False
            return 0, 0
        manifest = built.state.manifest
        if read_stamp(self.options.out) != manifest.stamp:
            return 0, 0  # someone else built into the output directory
        index = [path for path in manifest.outputs if path.startswith(f"{SEARCH_FOLDER}/") and not is_folder(path)]
        options = replace(self.options, atomic=False)
        base_url = built.site.config.base_url
        fresh = write_index(pagefind, options, built.site, base_url, manifest.stamp, index, [], cancelled)
        outputs = {path: signature for path, signature in manifest.outputs.items() if path not in fresh.removed}
        outputs |= written_signatures(self.options.out, fresh.files)
        state = replace(built.state, manifest=replace(manifest, outputs=outputs))
        self.built = replace(built, state=state, search_behind=False)
        self.index_behind = False
        return fresh.made, fresh.bundles

    def settle(self) -> None:
        """Work for the quiet time after a full build, so that the next edit is quick: the
        name matcher made, the new heap collected once and then kept out of the cycle
        collector (whose full passes over a large archive's objects take a second)."""
        if self.settled or self.built is None:
            return
        self._matcher_for(self.built)
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.settled = True

    def save(self) -> None:
        """Write the cache, so that the next `rassegna build` starts from this site (and, if
        the search index is behind the pages, makes it again: its entry is recorded as damaged)."""
        if self.built is not None and self.options.cache:
            state = self.built.state
            if self.index_behind and BUNDLES in state.manifest.outputs:
                outputs = state.manifest.outputs | {BUNDLES: (0, 0, 0, 0)}
                state = replace(state, manifest=replace(state.manifest, outputs=outputs))
            save_state(cache_dir(self.options.out), state)

    def _quick(self, built: Built, changed: set[str]) -> Built | None:
        """The rebuild after edits that only reword articles; None when the edits do more."""
        started = time.perf_counter()
        if read_stamp(self.options.out) != built.state.manifest.stamp:
            return None  # someone else built into the output directory
        if find_theme(self.options.templates, self.options.content) != built.theme:
            return None  # a templates/ folder made or removed: every page may look different
        edits = [self._reworded(built, path) for path in sorted(changed)]
        if not edits or None in edits:
            return None
        patched = _patched(built, [edit for edit in edits if edit is not None])
        urls = Urls(patched.site.config.base_url)
        planner = built.planner
        planner.reword(patched.site, patched.rendered, patched.graph, patched.body_keys)
        try:
            plan = plan_data(patched.site, patched.rendered, urls, built.plan)
            touched = showing(plan, {edit.article.slug for edit in edits if edit is not None})
            return self._write(built, patched, touched, urls, started)
        except BaseException:
            planner.reword(built.site, built.rendered, built.graph, built.body_keys)  # the last good build's
            raise

    def _write(self, built: Built, patched: Built, touched: list[Planned], urls: Urls, started: float) -> Built:
        stamp = uuid.uuid4().hex
        # a few pages, here (never atomically: that would link the whole site)
        pages = replace(built.pages, writer=SiteWriter(self.options.out, urls.base_url))
        state = patched.state
        written = write_site(pages, touched, [], set(), stamp, state.pages, built.site_key, 1, _silent)
        manifest = replace(
            state.manifest,
            stamp=stamp,  # started_ns kept: it makes more files racy, never fewer
            outputs=state.manifest.outputs | written_signatures(self.options.out, written.staged),
        )
        result = replace(
            built.result,
            seconds=time.perf_counter() - started,
            rendered=written.rendered,
            written=len(written.staged),
            removed=0,
            changed=tuple(sorted(written.staged)),
        )
        state = replace(state, manifest=manifest, pages=state.pages | written.keys)
        return replace(patched, result=result, state=state)

    def _reworded(self, built: Built, path: str) -> Edit | None:
        """The article at `path` read and rendered again, if the edit kept everything that
        lists, counts or links it; else None."""
        old = built.state.files.get(path)
        site = built.site
        if old is None or not isinstance(old.item, Article) or old.problems:
            return None
        before = old.item
        in_site = built.body_keys.get(before.slug) == article_key(before, old.digest, built.render_key)
        if not in_site or any(d.path == str(before.path) for d in built.result.diagnostics):
            return None  # a draft, or an article with warnings: a full build says what they become
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
        diagnostics = Diagnostics()
        article = load_article(Path(path), data, site.config.language, diagnostics)
        if article is None or diagnostics.items or placement(article) != placement(before):
            return None
        known = resolve_known(site, article)
        if known != (site.article_entities[article.slug], site.article_about[article.slug]):
            return None
        linker = linker_for(site, article.slug, self._matcher_for(built))
        text = body_of(data, article.body_line)
        body = render_article(text, linker, article.annotations, built.ui, article.lang)
        old_notes = len(built.rendered[article.slug].notes)
        if body.problems or body.errors or len(body.notes) != old_notes:
            return None  # errors are reported by a full build; note numbering spans articles
        found = tuple(dict.fromkeys(m.entity for m in body.mentions if m.entity not in known[0]))
        if found != site.found_entities.get(article.slug, ()) or not self._same_words(built, article.slug, text):
            return None  # entity lists and counts change, or the archive's common words may
        record = FileRecord(digest(data), article, (), site.config.language)
        key = article_key(article, record.digest, built.render_key)
        built.pages.bodies.put(key, body.html)
        return Edit(path, record, article, replace(body, html=""), key)

    def _same_words(self, built: Built, slug: str, text: str) -> bool:
        """Whether the article writes the same lowercase names as before (the archive counts
        them: see build.with_common_words)."""
        before = built.state.words.get(slug)
        if before is None:
            return not built.state.words  # none counted: the archive does not need them
        words = lowercase_words(lexicon_of(built.site))
        return tuple(sorted(lowercase_names(text, name_matcher(words)))) == before[1]

    def _matcher_for(self, built: Built) -> object:
        """The name matcher of the site's entities, made once per full build."""
        return lexicon_of(built.site).matcher


class Edit(NamedTuple):
    """An article file reworded: read and rendered again."""

    path: str
    record: FileRecord
    article: Article
    body: RenderedArticle  # what lists show of it (its HTML is in the store)
    key: str  # of its body


def _patched(built: Built, edits: list[Edit]) -> Built:
    """The build with the reworded articles in place of the old ones: same order, same lists."""
    rendered = built.rendered | {edit.article.slug: edit.body for edit in edits}
    articles = list(built.site.articles)
    position = {article.slug: index for index, article in enumerate(articles)}
    for edit in edits:
        articles[position[edit.article.slug]] = edit.article
    site = replace(built.site, articles=tuple(articles))
    graph = built.graph
    for edit in edits:
        graph = with_edited_article(graph, site, rendered, edit.article.slug)
    body_keys = built.body_keys | {edit.article.slug: edit.key for edit in edits}
    state = built.state
    inputs = {
        edit.path: (signatures_of(Path(), [edit.path]).get(edit.path, (0, 0, 0, 0)), edit.record.digest)
        for edit in edits
    }
    state = replace(
        state,
        manifest=replace(state.manifest, inputs=state.manifest.inputs | inputs),
        files=state.files | {edit.path: edit.record for edit in edits},
        rendered=state.rendered | {edit.article.slug: (edit.key, edit.body) for edit in edits},
    )
    return replace(built, state=state, site=site, rendered=rendered, graph=graph, body_keys=body_keys)


def _silent(stage: str, done: int, total: int) -> None:
    pass


def watched_path(path: str, roots: Iterable[Path]) -> str:
    """A path the watcher reported, named as the load stage names it (root joined with the
    path inside it)."""
    absolute = os.path.abspath(path)
    for root in roots:
        inside = os.path.relpath(absolute, os.path.abspath(root))
        if not inside.startswith(".."):
            return os.path.join(root, inside)
    return path
