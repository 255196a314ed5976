"""What a reader does in a browser: follow mentions both ways, on a phone and a desktop."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from generator import search
from tests.conftest import ARTIFACTS, REPO, build_project, copy_content, serve_directory

pytestmark = pytest.mark.browser
ARTICLE = "articles/bytedance-caccia-esperti-ai/"


@pytest.fixture(scope="module")
def archive_origin(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The shipped archive built for a project site and served under /archive/."""
    www = tmp_path_factory.mktemp("www")
    build_project(REPO / "content", out=www / "archive", base_url="https://example.github.io/archive/")
    with serve_directory(www) as origin:
        yield origin + "/archive/"


@pytest.mark.parametrize("width", [375, 1280])
def test_article_fits_the_screen(browser, archive_origin: str, width: int) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": width, "height": 800})
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.goto(archive_origin + ARTICLE)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("link[rel=stylesheet]").count() == 1
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(253, 252, 249)"  # CSS loaded
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"article-{width}.png", full_page=True)
    assert failed == []
    page.close()


def test_mention_to_entity_and_back_to_the_passage(browser, archive_origin: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(archive_origin + ARTICLE)
    page.locator(".body a.mention[id]", has_text="Zheshang Securities").click()
    page.wait_for_url("**/archive/entities/zheshang-securities/")
    assert page.locator("h1").inner_text() == "Zheshang Securities"
    assert page.locator(".mentions blockquote.snippet mark").first.inner_text() == "Zheshang Securities"
    page.locator(".mentions a.passage").first.click()
    page.wait_for_url("**/archive/articles/bytedance-caccia-esperti-ai/#m*")
    target = page.evaluate("document.querySelector(':target').textContent")
    assert target == "Zheshang Securities"
    page.screenshot(path=ARTIFACTS / "mention-target.png")
    page.close()


def test_missing_page_shows_the_styled_404(browser, archive_origin: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(archive_origin + "404.html")
    assert page.locator("h1").inner_text() == "Pagina non trovata"
    page.locator("a", has_text="Torna alla pagina iniziale").click()
    page.wait_for_url(archive_origin)
    assert page.locator("h1").first.inner_text() == "Ultimi articoli"
    page.close()


def note_and_passage(page, number: int):  # type: ignore[no-untyped-def]
    passage = page.locator(f'mark[aria-details~="note-{number}"]').first
    paragraph = passage.locator("xpath=ancestor::*[parent::div[contains(@class,'annotated-block')]]")
    return passage.bounding_box(), paragraph.bounding_box(), page.locator(f"#note-{number}").bounding_box()


def test_on_a_wide_screen_the_note_sits_beside_its_passage(browser, archive_origin: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(archive_origin + ARTICLE)
    for number in range(1, 8):
        passage, paragraph, note = note_and_passage(page, number)
        assert note["x"] >= paragraph["x"] + paragraph["width"], number  # in the margin, right of the text
        assert note["y"] < paragraph["y"] + paragraph["height"] + 400, number  # level with its paragraph
    passage, paragraph, note = note_and_passage(page, 1)
    assert abs(note["y"] - paragraph["y"]) < 40  # the first note of a block starts level with it
    page.screenshot(path=ARTIFACTS / "annotations-1280.png", full_page=True)
    page.close()


def test_on_a_phone_the_note_sits_under_its_paragraph(browser, archive_origin: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(archive_origin + ARTICLE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for number in range(1, 8):
        passage, paragraph, note = note_and_passage(page, number)
        assert note["y"] >= paragraph["y"] + paragraph["height"], number
        assert abs(note["x"] - paragraph["x"]) < 2, number
    page.screenshot(path=ARTIFACTS / "annotations-375.png", full_page=True)
    page.close()


def test_marker_goes_to_the_note_and_back_by_keyboard(browser, archive_origin: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 375, "height": 700})
    page.goto(archive_origin + ARTICLE)
    marker = page.locator("#ann-7")
    marker.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**#note-7")
    note = page.locator("#note-7")
    assert note.evaluate("el => el.matches(':target')")
    box = note.bounding_box()
    assert -1 < box["y"] < 700  # scrolled into view (to within a sub-pixel)
    assert note.get_attribute("aria-labelledby") == "note-7-label"
    assert page.locator('mark[aria-details~="note-7"]').count() >= 1
    page.screenshot(path=ARTIFACTS / "annotation-note-target.png")
    page.locator("#note-7 a.note-back").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**#ann-7")
    assert -1 < marker.bounding_box()["y"] < 700
    page.close()


@pytest.fixture
def served_archive(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`rassegna serve` on a copy of the shipped archive with a project-site base_url."""
    content = copy_content(REPO / "content", tmp_path / "content")
    site_yml = content / "site.yml"
    site_yml.write_text(site_yml.read_text().replace("base_url: /", "base_url: https://example.github.io/archive/"))
    command = [sys.executable, "-m", "generator", "serve", "--port", "0", "--jobs", "1"]
    server = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if line.startswith("serving "):
                break
        url = line.split(" at ")[1].split()[0]
        threading.Thread(target=server.stdout.read, daemon=True).start()  # keep the pipe drained
        yield content, url
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(10) == 0


def test_serve_shows_each_save_and_each_error(browser, served_archive) -> None:  # type: ignore[no-untyped-def]
    content, url = served_archive
    assert url.endswith("/archive/")
    article = content / "articles" / "bytedance-caccia-esperti-ai.md"
    good = article.read_text()
    page = browser.new_page()
    page.goto(url + ARTICLE)
    page.evaluate("window.notReloaded = true")
    article.write_text(good + "\nQuesta frase è stata aggiunta durante la prova.\n")
    page.wait_for_selector("text=Questa frase è stata aggiunta durante la prova.", timeout=10_000)
    assert page.evaluate("window.notReloaded === undefined")  # the page reloaded by itself

    article.write_text(good.replace("title:", "title: [non chiuso", 1))
    overlay = page.locator("#rassegna-overlay")
    overlay.wait_for(timeout=10_000)
    assert "bytedance-caccia-esperti-ai.md:" in overlay.inner_text()
    assert "front matter is not valid YAML" in overlay.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "serve-error-overlay.png")
    page.reload()  # a page opened while the build is broken shows the error too
    overlay.wait_for(timeout=10_000)
    assert page.locator("text=Questa frase è stata aggiunta durante la prova.").count() == 1  # last good site

    article.write_text(good)
    overlay.wait_for(state="detached", timeout=10_000)
    page.wait_for_selector("text=Questa frase è stata aggiunta durante la prova.", state="detached", timeout=10_000)
    page.close()


def test_a_mention_previews_its_entity_on_hover_and_focus(browser, archive_origin: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.goto(archive_origin + ARTICLE)
    page.on("request", lambda request: requests.append(request.url))
    card = page.locator("#entity-card")
    mention = page.locator(".body a.mention", has_text="Zheshang Securities").first
    mention.hover()
    assert card.is_visible()
    assert card.locator(".name").inner_text() == "Zheshang Securities"
    assert card.locator(".type").inner_text().lower() == "organizzazione"
    assert "cinese" in card.locator(".description").inner_text()  # the entity's description, from the page
    box, link = card.bounding_box(), mention.bounding_box()
    assert box["y"] >= link["y"] + link["height"]  # under the mention, not over it
    page.mouse.move(5, 5)
    assert not card.is_visible()
    page.keyboard.press("Tab")
    mention.focus()
    assert card.is_visible() and mention.get_attribute("aria-describedby") == "entity-card"
    page.keyboard.press("Escape")
    assert not card.is_visible() and mention.get_attribute("aria-describedby") is None
    assert [url for url in requests if not url.endswith("/favicon.svg")] == []  # the card's words are in the page
    page.close()


def test_a_mention_is_a_plain_link_without_javascript(browser, archive_origin: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(archive_origin + ARTICLE)
    page.locator(".body a.mention", has_text="Zheshang Securities").first.click()
    page.wait_for_url("**/archive/entities/zheshang-securities/")
    context.close()


def test_a_search_link_under_a_base_path_finds_the_entity_and_the_article(browser, archive_origin: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.goto(archive_origin + "search/?q=tiktok")
    results = page.locator(".pagefind-ui__result-link")
    results.first.wait_for()
    hrefs = results.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert "/archive/entities/tiktok/" in hrefs
    assert "/archive/" + ARTICLE in hrefs
    assert all(href.startswith("/archive/") for href in hrefs)
    page.locator(".pagefind-ui__result-link", has_text="TikTok").first.click()
    page.wait_for_url("**/archive/entities/tiktok/")
    assert failed == []
    page.close()


@pytest.fixture(scope="module")
def bundled_origin(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The shipped archive indexed in bundles of at most 4 pages, as a large archive is."""
    www = tmp_path_factory.mktemp("bundled")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "BUNDLE_PAGES", 4)
        build_project(REPO / "content", out=www / "archive", base_url="/archive/")
    with serve_directory(www) as origin:
        yield origin + "/archive/"


def test_a_search_finds_pages_of_every_bundle_and_filters_them(browser, bundled_origin: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    bundles = []
    page.on("request", lambda request: bundles.append(request.url.split("/pagefind/")[1].split("/")[0]) if "/pagefind-entry.json" in request.url else None)  # fmt: skip
    page.goto(bundled_origin + "search/?q=tiktok")
    results = page.locator(".pagefind-ui__result-link")
    results.first.wait_for()
    hrefs = results.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    # the article is in the first bundle, TikTok in entities-o and ByteDance in entities-b
    assert {"/archive/" + ARTICLE, "/archive/entities/tiktok/", "/archive/entities/bytedance/"} <= set(hrefs), hrefs
    assert len(hrefs) == len(set(hrefs))  # each page once
    assert len(set(bundles)) == 7  # all of them merged
    page.get_by_text("Tipo").first.click()  # the type filter gathers the types of every bundle
    page.locator(".pagefind-ui__filter-label", has_text="Prodotto").first.wait_for()
    assert failed == []
    page.close()


def test_the_masthead_search_box_opens_the_search_page(browser, archive_origin: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(archive_origin + "404.html")
    page.locator("#not-found-search").fill("Volcano Engine")
    page.locator("#not-found-search").press("Enter")
    page.wait_for_url("**/archive/search/?q=Volcano+Engine")
    page.locator(".pagefind-ui__result-link").first.wait_for()
    assert "/archive/entities/volcano-engine/" in page.locator(".pagefind-ui__result-link").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    page.close()
