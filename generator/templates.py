"""The Jinja environment: autoescaped, strict about undefined names, with the site's language."""

from __future__ import annotations

import datetime as dt
import traceback
from pathlib import Path
from typing import Any

import jinja2

from generator import urls as paths
from generator.errors import Diagnostic
from generator.i18n import catalog_language, format_date, plural, translate
from generator.model import SiteConfig
from generator.urls import Urls


def make_environment(templates_dir: Path, config: SiteConfig, compiled: Path | None = None) -> jinja2.Environment:
    """`compiled`: a folder where compiled templates are kept between builds."""
    env = _environment(templates_dir, compiled)
    urls = Urls(config.base_url)
    language = config.language
    env.globals.update(
        site=config,
        lang=language,
        ui_lang=catalog_language(language),
        t=lambda key, **values: translate(language, key, **values),
        count=lambda key, n: plural(language, key, n),
        url=urls.url,
        absolute_url=urls.absolute,
        paths=paths,
    )
    return env


def check_templates(templates_dir: Path, compiled: Path | None = None) -> list[Diagnostic]:
    """Compile every template, so that all syntax errors are reported in one run."""
    env = _environment(templates_dir, compiled)
    problems = []
    for name in env.list_templates(extensions=["html", "xml"]):
        try:
            env.get_template(name)
        except UnicodeDecodeError as exc:
            data = (templates_dir / name).read_bytes()
            line = data[: exc.start].count(b"\n") + 1
            problems.append(
                Diagnostic(
                    _shown(str(templates_dir / name), templates_dir),
                    line,
                    "error",
                    "the file is not UTF-8 text: save it with UTF-8 encoding",
                )
            )
        except jinja2.TemplateError as exc:
            problems.append(template_problem(exc, templates_dir) or Diagnostic(name, 0, "error", str(exc)))
    return problems


def _environment(templates_dir: Path, compiled: Path | None = None) -> jinja2.Environment:
    if compiled is not None:
        compiled.mkdir(parents=True, exist_ok=True)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(compiled)) if compiled is not None else None,
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = _date
    env.filters["isodate"] = lambda value: value.isoformat()
    return env


@jinja2.pass_environment
def _date(env: jinja2.Environment, value: dt.date) -> str:
    return format_date(value, env.globals.get("lang", "en"))  # type: ignore[arg-type]


def render_template(env: jinja2.Environment, template: str, context: dict[str, Any]) -> bytes:
    return env.get_template(template).render(context).encode("utf-8")


def template_problem(exc: Exception, templates_dir: Path) -> Diagnostic | None:
    """A template error as `templates/x.html:12: error: ...`, found in Jinja's rewritten traceback.

    None when the exception did not come from a template (a bug of ours, not the user's)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Diagnostic(
            _shown(exc.filename or exc.name or "?", templates_dir), exc.lineno, "error", exc.message or str(exc)
        )
    if isinstance(exc, jinja2.TemplateNotFound):
        return Diagnostic(str(templates_dir), 0, "error", f"template '{exc.name}' not found in {templates_dir}")
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename).suffix in (".html", ".xml"):
            message = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
            return Diagnostic(_shown(frame.filename, templates_dir), frame.lineno or 0, "error", message)
    return Diagnostic(str(templates_dir), 0, "error", str(exc)) if isinstance(exc, jinja2.TemplateError) else None


def _shown(filename: str, templates_dir: Path) -> str:
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(templates_dir.resolve().parent))
    except ValueError:
        return str(path)
