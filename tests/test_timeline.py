"""An entity's page shows when the archive mentions it: bars per month (per year past three
years) drawn as inline SVG at build time, with a text alternative, a table and the totals."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import MakeProject, build_project


def mentioning(n: int, date: str, times: int = 1) -> str:
    return f"---\ntitle: Articolo {n}\ndate: {date}\n---\n" + " ".join(["[[anna|Anna]]"] * times) + "\n"


def timeline(site: Path) -> str:
    page = (site / "entities/anna/index.html").read_text(encoding="utf-8")
    return re.search(r'<section class="timeline".*?</section>', page, re.S)[0]  # type: ignore[index]


def test_months_with_the_empty_ones_between_and_the_totals(make_project: MakeProject, tmp_path: Path) -> None:
    dates = ["2025-01-05", "2025-01-20", "2025-03-02"]
    files = {f"articles/a{n}.md": mentioning(n, d, times=n + 1) for n, d in enumerate(dates)}
    content = make_project({"site.yml": "title: T\nlanguage: it\nautolink: all\n", "entities/anna.md": "---\nname: Anna\ntype: person\n---\n", **files})  # fmt: skip
    build_project(content)
    section = timeline(tmp_path / "site")
    bars = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"><title>([^<]+)</title></rect>', section)  # fmt: skip
    assert [b[4] for b in bars] == ["gennaio 2025: 2 articoli", "febbraio 2025: 0 articoli", "marzo 2025: 1 articolo"]
    assert [float(b[3]) for b in bars] == [100.0, 0.0, 50.0]  # to scale: the fullest month fills the chart
    assert "6 menzioni · 3 articoli" in section  # 1 + 2 + 3 mentions
    assert 'Prima menzione: <a href="/articles/a0/">5 gennaio 2025</a>' in section
    assert 'Ultima menzione: <a href="/articles/a2/">2 marzo 2025</a>' in section
    assert (
        '<title id="in-time-chart">Articoli che citano Anna, per mese: gennaio 2025 2, marzo 2025 1</title>' in section
    )
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', section)
    assert rows == [("gennaio 2025", "2"), ("marzo 2025", "1")]


def test_years_past_three_years(make_project: MakeProject, tmp_path: Path) -> None:
    dates = ["2019-06-01", "2024-02-01", "2024-05-01"]
    files = {f"articles/a{n}.md": mentioning(n, d) for n, d in enumerate(dates)}
    content = make_project({"entities/anna.md": "---\nname: Anna\ntype: person\n---\n", **files})
    build_project(content)
    section = timeline(tmp_path / "site")
    labels = re.findall(r"<rect [^>]*><title>(\d{4}):", section)
    assert labels == ["2019", "2020", "2021", "2022", "2023", "2024"]
    assert '<p class="timeline-axis" aria-hidden="true"><span>2019</span><span>2024</span></p>' in section
    assert "by year" in section
