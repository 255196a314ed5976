"""What a reader does in a browser: follow mentions both ways, on a phone and a desktop."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, REPO, build_project, serve_directory

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
    page.locator(".body a.mention", has_text="Zheshang Securities").click()
    page.wait_for_url("**/archive/entities/zheshang-securities/")
    assert page.locator("h1").inner_text() == "Zheshang Securities"
    assert page.locator("blockquote.snippet mark").first.inner_text() == "Zheshang Securities"
    page.locator("a.to-mention").first.click()
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
