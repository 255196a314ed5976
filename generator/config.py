"""content/site.yml -> SiteConfig, with every default in one table."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from generator.errors import Diagnostics
from generator.files import link_problem
from generator.frontmatter import Document, Fields, FrontMatterError, clean_text, clean_values, parse_yaml
from generator.model import AUTOLINK_MODES, AUTOLINK_SCOPES, SiteConfig
from generator.text import is_language_tag

DEFAULTS = SiteConfig(title="")  # every default lives in the dataclass
KEYS = tuple(field.name for field in fields(SiteConfig))


def load_config(path: Path, diagnostics: Diagnostics, base_url: str | None = None) -> SiteConfig:
    """Read site.yml; `base_url` (from the command line) overrides the file's."""
    if problem := link_problem(path, path.parent):
        diagnostics.error(path, 0, problem)
        return SiteConfig(title="")
    if not path.is_file():
        diagnostics.error(path, 0, "site.yml is missing: create it with at least 'title: ...'")
        return SiteConfig(title="")
    try:
        text, controls = clean_text(path.read_text(encoding="utf-8"))
        for line, names in controls:
            diagnostics.warning(path, line, f"removed {names}: control characters that pages and feeds cannot carry")
        data, lines, items, _ = parse_yaml(text, first_line=1, source=text.split("\n"), subject="site.yml")
    except OSError as exc:
        diagnostics.error(path, 0, f"cannot read the file: {exc.strerror}")
        return SiteConfig(title="")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        diagnostics.error(path, line, "the file is not UTF-8 text: save it with UTF-8 encoding")
        return SiteConfig(title="")
    except FrontMatterError as exc:
        diagnostics.error(path, exc.line, exc.message, exc.source_line)
        return SiteConfig(title="")
    for key, line, names in clean_values(data, lines):
        diagnostics.warning(
            path, line, f"removed {names} from '{key}': control characters that pages and feeds cannot carry"
        )
    reader = Fields(Document(data, "", 0, lines, items), lambda line, msg: diagnostics.error(path, line, msg))
    reader.check_keys(KEYS, lambda line, msg: diagnostics.warning(path, line, msg))
    config = SiteConfig(
        title=reader.text("title", required=True),
        description=reader.text("description", default=DEFAULTS.description),
        language=reader.text("language", default=DEFAULTS.language),
        base_url=normalize_base_url(reader.text("base_url", default=DEFAULTS.base_url)),
        autolink=reader.text("autolink", default=DEFAULTS.autolink),
        autolink_scope=reader.text("autolink_scope", default=DEFAULTS.autolink_scope),
        per_page=_per_page(data.get("per_page", DEFAULTS.per_page), reader, diagnostics, path),
        cname=reader.text("cname", default=DEFAULTS.cname).strip().lower(),
        search=reader.boolean("search") if "search" in data else DEFAULTS.search,
    )
    _check(config, reader, diagnostics, path)
    if base_url is not None:
        config = replace(config, base_url=normalize_base_url(base_url))  # the command line checks it
    return config


def normalize_base_url(url: str) -> str:
    """Every base URL ends with '/'; a bare path starts with one."""
    url = url.strip() or "/"
    if not urlsplit(url).scheme and not url.startswith("/"):
        url = "/" + url
    return url if url.endswith("/") else url + "/"


def base_url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme and (parts.scheme not in ("http", "https") or not parts.netloc):
        return f"base_url '{url}' must be an http(s) address such as https://user.github.io/archive/, or a path such as /archive/"
    if parts.query or parts.fragment:
        return f"base_url '{url}' must not have a query or fragment"
    return None


def _per_page(value: object, reader: Fields, diagnostics: Diagnostics, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        diagnostics.error(path, reader.line("per_page"), "'per_page' must be a whole number of at least 1")
        return DEFAULTS.per_page
    return value


def _check(config: SiteConfig, reader: Fields, diagnostics: Diagnostics, path: Path) -> None:
    if config.autolink not in AUTOLINK_MODES:
        diagnostics.error(
            path,
            reader.line("autolink"),
            f"'autolink' must be one of {', '.join(AUTOLINK_MODES)}, not '{config.autolink}'",
        )
    if config.autolink_scope not in AUTOLINK_SCOPES:
        diagnostics.error(
            path,
            reader.line("autolink_scope"),
            f"'autolink_scope' must be one of {', '.join(AUTOLINK_SCOPES)}, not '{config.autolink_scope}'",
        )
    if not is_language_tag(config.language):
        diagnostics.error(
            path,
            reader.line("language"),
            f"'language' must be a BCP 47 code such as 'it' or 'en', not '{config.language}'",
        )
    problem = base_url_problem(config.base_url)
    if problem:
        diagnostics.error(path, reader.line("base_url"), problem)
    if config.cname and not _HOST_RE.fullmatch(config.cname):
        diagnostics.error(
            path,
            reader.line("cname"),
            f"'cname' must be a bare domain such as archivio.example.org (no https://, no path), not '{config.cname}'",
        )
    host = urlsplit(config.base_url).hostname
    if config.cname and host and host != config.cname:
        diagnostics.warning(
            path,
            reader.line("base_url"),
            f"base_url is on {host} but cname is {config.cname}: links and feeds would point at the wrong host; "
            f"set base_url to https://{config.cname}/",
        )


# A host name: dot-separated labels of letters, digits and inner hyphens.
_HOST_RE = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]")
