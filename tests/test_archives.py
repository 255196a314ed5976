"""Date archives: /<year>/ and /<year>/<month>/ list the articles of that period, paginated,
linked from the home page's years and from every article's date."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import MakeProject, build_project

DATES = ["2024-11-05", "2025-01-10", "2025-01-20", "2025-01-25", "2025-03-02"]


def article(n: int, date: str) -> str:
    return f"---\ntitle: Articolo {n}\ndate: {date}\n---\nTesto dell'articolo {n}.\n"


def titles(page: Path) -> list[str]:
    return re.findall(r">(Articolo \d)<", page.read_text(encoding="utf-8"))


def test_each_year_and_month_lists_its_articles_newest_first_paginated(make_project: MakeProject, tmp_path: Path) -> None:  # fmt: skip
    files = {f"articles/a{n}.md": article(n, date) for n, date in enumerate(DATES)}
    content = make_project({"site.yml": "title: Prova\nlanguage: it\nper_page: 2\nbase_url: https://example.org/arch/\n", **files})  # fmt: skip
    build_project(content)
    site = tmp_path / "site"
    assert titles(site / "2025/index.html") == ["Articolo 4", "Articolo 3"]
    assert titles(site / "2025/page/2/index.html") == ["Articolo 2", "Articolo 1"]
    assert titles(site / "2025/01/index.html") == ["Articolo 3", "Articolo 2"]
    assert titles(site / "2025/01/page/2/index.html") == ["Articolo 1"]
    assert titles(site / "2024/11/index.html") == ["Articolo 0"]
    assert not (site / "2025/02").exists() and not (site / "2024/01").exists()  # only months with articles
    year = (site / "2025/index.html").read_text(encoding="utf-8")
    assert (
        "<title>Gli articoli del 2025 (Pagina 1 di 2)" not in year
        and "<title>Gli articoli del 2025 — Prova</title>" in year
    )
    assert '<h1>2025 <span class="count">4 articoli</span></h1>' in year
    months = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="count">(\d+)</span></li>', year)
    assert months == [("/arch/2025/03/", "marzo", "1"), ("/arch/2025/01/", "gennaio", "3")]
    month = (site / "2025/01/index.html").read_text(encoding="utf-8")
    assert "<title>Gli articoli di gennaio 2025 — Prova</title>" in month
    assert '<a href="/arch/2025/">2025</a>' in month  # up to its year
    home = (site / "index.html").read_text(encoding="utf-8")
    years = re.findall(r'<li><a href="(/arch/\d{4}/)">(\d{4})</a> <span class="count">(\d+)</span></li>', home)
    assert years == [("/arch/2025/", "2025", "4"), ("/arch/2024/", "2024", "1")]
    page = (site / "articles/a2/index.html").read_text(encoding="utf-8")
    assert '<a href="/arch/2025/01/" class="date-link"><time datetime="2025-01-20">20 gennaio 2025</time></a>' in page
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/arch/2025/01/</loc><lastmod>2025-01-25</lastmod>" in re.sub(r"\s+", "", sitemap).replace("<url>", "")  # fmt: skip


def test_an_article_moved_to_another_month_moves_between_archives(make_project: MakeProject, tmp_path: Path) -> None:
    content = make_project({"articles/a.md": article(1, "2025-01-10"), "articles/b.md": article(2, "2025-01-12")})
    build_project(content)
    site = tmp_path / "site"
    (content / "articles/b.md").write_text(article(2, "2025-02-01"), encoding="utf-8")
    build_project(content)
    assert titles(site / "2025/01/index.html") == ["Articolo 1"]
    assert titles(site / "2025/02/index.html") == ["Articolo 2"]
    (content / "articles/a.md").unlink()
    build_project(content)
    assert not (site / "2025/01").exists()  # a month left without articles has no page
