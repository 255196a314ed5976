#!/usr/bin/env python3
"""Bundle the annotation clients of tests/test_anchoring.py: Apache Annotator and
dom-anchor-text-quote from the npm registry (the versions package-lock.json pins), with
esbuild, into one script kept in a cache folder between runs ($RASSEGNA_TEST_CACHE, else
~/.cache/rassegna-tests). Prints its path; `.ci/run` runs it before the tests."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = ("package.json", "package-lock.json", "entry.js")


class NoNpm(Exception):
    pass


def client_bundle() -> Path:
    """The bundle, made once per version of what goes into it."""
    key = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in SOURCES)).hexdigest()[:16]
    cache = Path(os.environ.get("RASSEGNA_TEST_CACHE") or Path.home() / ".cache" / "rassegna-tests")
    folder = cache / f"anchoring-{key}"
    bundle = folder / "anchoring.js"
    if bundle.is_file():
        return bundle
    npm = shutil.which("npm")
    if npm is None:
        raise NoNpm("npm is not installed (apt-get install nodejs npm): the annotation clients cannot be bundled")
    folder.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        shutil.copy(HERE / name, folder / name)
    run = {"check": True, "cwd": folder, "capture_output": True}
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], **run)  # type: ignore[call-overload]
    esbuild = str(folder / "node_modules" / ".bin" / "esbuild")
    subprocess.run([esbuild, "entry.js", "--bundle", "--format=iife", "--outfile=anchoring.tmp.js"], **run)  # type: ignore[call-overload]
    (folder / "anchoring.tmp.js").replace(bundle)  # whole, or not there
    return bundle


if __name__ == "__main__":
    print(client_bundle())
