"""Command line: `rassegna build`. The only module that prints; exit 0 ok, 1 content errors, 2 usage."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from generator import __version__
from generator.build import BuildOptions, build
from generator.errors import ContentError, Diagnostic, UsageError
from generator.parallel import default_jobs
from generator.progress import ProgressReporter


def run() -> NoReturn:
    """The `rassegna` command: main(), then exit without the interpreter's teardown, which
    frees a large archive's objects one by one (5 s for 10,000 articles) for nothing."""
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"rassegna: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rassegna",
        description="Build a static site from an archive of articles and the entities they mention.",
        epilog="Run 'rassegna COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"rassegna {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build_parser = commands.add_parser(
        "build",
        help="build the site",
        description="Build the archive in --content into a static site in --out. "
        "The previous site is replaced only when the build succeeds.",
    )
    build_parser.add_argument(
        "--content", type=Path, default=Path("content"), metavar="DIR", help="content directory (default: content)"
    )
    build_parser.add_argument(
        "--out", type=Path, default=Path("site"), metavar="DIR", help="output directory (default: site)"
    )
    build_parser.add_argument(
        "--templates",
        type=Path,
        default=None,
        metavar="DIR",
        help="templates directory (default: ./templates, else the bundled ones)",
    )
    build_parser.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="where the site is hosted, e.g. https://user.github.io/archive/ (overrides site.yml)",
    )
    build_parser.add_argument("--drafts", action="store_true", help="include articles marked 'draft: true'")
    build_parser.add_argument(
        "--strict", action="store_true", help="treat warnings (stub entities, unknown keys) as errors"
    )
    build_parser.add_argument(
        "--jobs", type=positive, default=default_jobs(), metavar="N", help="worker processes (default: all cores)"
    )
    build_parser.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="build everything afresh, without reading or writing the build cache (.rassegna-cache/)",
    )
    build_parser.set_defaults(run=run_build)
    return parser


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not '{text}'")
    return int(text)


def run_build(args: argparse.Namespace) -> int:
    options = BuildOptions(
        args.content, args.out, args.templates, args.base_url, args.drafts, args.strict, args.jobs, args.cache
    )
    try:
        with ProgressReporter() as progress:
            result = build(options, progress)
    except ContentError as exc:
        report(exc.diagnostics)
        errors = sum(1 for d in exc.diagnostics if d.level == "error")
        print(f"build failed: {errors} error(s); {args.out} was left as it was", file=sys.stderr)
        return 1
    report(result.diagnostics)
    print(
        f"built {result.pages} pages ({result.articles} articles, {result.entities} entities) "
        f"in {result.seconds:.2f} s into {args.out}"
    )
    if result.base_path == "/":
        print(f"preview: python3 -m http.server --directory {args.out} 8000, then open http://127.0.0.1:8000/")
    return 0


def report(diagnostics: Sequence[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        print(diagnostic, file=sys.stderr)
