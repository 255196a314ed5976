"""The shipped site, byte for byte. After an intended change, update the golden tree with:

RASSEGNA_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, site_tree

GOLDEN = REPO / "tests" / "golden" / "shipped"


def test_shipped_site_matches_the_golden_tree(shipped_site: Path) -> None:
    if os.environ.get("RASSEGNA_UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(
            shipped_site, GOLDEN, ignore=lambda folder, names: ["pagefind"] if Path(folder) == shipped_site else []
        )  # see site_tree
    expected, actual = site_tree(GOLDEN), site_tree(shipped_site)
    assert sorted(actual) == sorted(expected)
    for name, data in actual.items():
        if data != expected[name]:
            diff = difflib.unified_diff(
                expected[name].decode().splitlines(), data.decode().splitlines(), f"golden/{name}", name, lineterm=""
            )
            raise AssertionError("\n".join(list(diff)[:60]) + "\n(run with RASSEGNA_UPDATE_GOLDEN=1 if intended)")


def test_output_does_not_depend_on_time_zone_locale_or_hash_seed(tmp_path: Path, shipped_site: Path) -> None:
    env = {**os.environ, "TZ": "Pacific/Kiritimati", "LANG": "C", "LC_ALL": "C", "PYTHONHASHSEED": "12345"}
    out = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "generator", "build", "--content", str(REPO / "content"), "--out", str(out), "--templates", str(REPO / "templates")],
        check=True, env=env, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    assert site_tree(out) == site_tree(shipped_site)
