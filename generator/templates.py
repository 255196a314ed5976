"""The Jinja environment: autoescaped, strict about undefined names, with the site's language.

Templates are looked up in the theme's folders in order (the project's, then the packaged
theme), so a project overrides a template by having a file of the same name."""

from __future__ import annotations

import os
import re
import traceback
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import escape

from generator import urls as paths
from generator.errors import Diagnostic
from generator.files import link_problem
from generator.i18n import ENGLISH_UI, Language
from generator.model import SiteConfig
from generator.project import PACKAGED_THEME, Theme, shown
from generator.urls import Urls


def make_environment(
    theme: Theme, config: SiteConfig, ui: Language, compiled: Path | None = None
) -> jinja2.Environment:
    """`compiled`: a folder where compiled templates are kept between builds."""
    env = _environment(theme, compiled)
    # A translation is text, not markup (a project's catalog is user input): escaped, so that
    # a quote in it cannot end an attribute; the values put into it are escaped by Jinja.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: escape(ui.gettext(message)),
        lambda singular, plural, n: escape(ui.ngettext(singular, plural, n)),
        newstyle=True,
        pgettext=lambda context, message: escape(ui.pgettext(context, message)),
        npgettext=lambda context, singular, plural, n: escape(ui.npgettext(context, singular, plural, n)),
    )
    urls = Urls(config.base_url)
    env.globals.update(site=config, lang=config.language, url=urls.url, absolute_url=urls.absolute, paths=paths)
    env.filters.update(date=ui.date, number=ui.number, with_note_numbers=with_note_numbers)
    return env


_MARKER = re.compile(r'(<a href="#note-(\d+)"[^>]*) data-n="\2"></a>')


def with_note_numbers(html: str) -> str:
    """An article's HTML for a feed reader, which has no stylesheet to draw the notes' numbers
    from their markers' `data-n` (markdown.highlight.marker): the numbers written in."""
    return _MARKER.sub(lambda m: f"{m[1]}>{m[2]}</a>", html)


def check_templates(theme: Theme, compiled: Path | None = None) -> list[Diagnostic]:
    """Compile every template, so that all syntax errors are reported in one run."""
    env = _environment(theme, compiled)
    problems = []
    for file in theme.files("").values():
        if problem := link_problem(file, theme.owner(file) or file.parent):
            problems.append(Diagnostic(_shown(str(file)), 0, "error", problem))
    if problems:
        return problems  # not one template is read through a link
    for name in env.list_templates(extensions=["html", "xml"]):
        try:
            env.get_template(name)
        except UnicodeDecodeError as exc:
            path = theme.find(name)
            line = path.read_bytes()[: exc.start].count(b"\n") + 1 if path else 0
            message = "the file is not UTF-8 text: save it with UTF-8 encoding"
            problems.append(Diagnostic(_shown(str(path or name)), line, "error", message))
        except jinja2.TemplateError as exc:
            problems.append(template_problem(exc, theme) or Diagnostic(name, 0, "error", str(exc)))
    return problems


def _environment(theme: Theme, compiled: Path | None = None) -> jinja2.Environment:
    if compiled is not None:
        compiled.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme.folders),  # the first folder that has a template wins
        extensions=["jinja2.ext.i18n"],
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled is not None else None,
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["isodate"] = lambda value: value.isoformat()
    env.filters.update(date=ENGLISH_UI.date, number=ENGLISH_UI.number)  # the site's, in make_environment
    return env


def render_template(env: jinja2.Environment, template: str, context: dict[str, Any]) -> bytes:
    return env.get_template(template).render(context).encode("utf-8")


def template_problem(exc: Exception, theme: Theme) -> Diagnostic | None:
    """A template error as `templates/x.html:12: error: ...`, found in Jinja's rewritten traceback.

    None when the exception did not come from a template (a bug of ours, not the user's)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Diagnostic(_shown(exc.filename or exc.name or "?"), exc.lineno, "error", exc.message or str(exc))
    folders = ", ".join(_shown(str(folder)) for folder in theme.folders)
    if isinstance(exc, jinja2.TemplateNotFound):
        return Diagnostic(_shown(str(theme.project)), 0, "error", f"template '{exc.name}' not found in {folders}")
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename).suffix in (".html", ".xml"):
            message = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
            return Diagnostic(_shown(frame.filename), frame.lineno or 0, "error", message)
    shown_project = _shown(str(theme.project))
    return Diagnostic(shown_project, 0, "error", str(exc)) if isinstance(exc, jinja2.TemplateError) else None


def _shown(filename: str) -> str:
    """A project's template relative to where the user stands; a packaged one in full, unless
    it too is below the current folder (a checkout of rassegna)."""
    path = Path(os.path.abspath(filename))  # not resolved: a link is named as the link
    packaged = path.is_relative_to(PACKAGED_THEME) and not path.is_relative_to(Path.cwd())
    return str(path if packaged else shown(path))
