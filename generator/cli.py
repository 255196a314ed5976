"""Command line: `rassegna build`. The only module that prints; exit 0 ok, 1 content errors, 2 usage."""

from __future__ import annotations

import argparse
import json
import multiprocessing.util
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from generator import __version__
from generator.build import BuildOptions, BuildResult, build, clean
from generator.check import CheckOptions, CheckResult, check
from generator.errors import ContentError, Diagnostic, UsageError
from generator.importing import import_annotations
from generator.parallel import default_jobs
from generator.progress import ProgressReporter
from generator.project import find_root, shown
from generator.scaffold import init_project, new_article, new_entity
from generator.text import counted


def run() -> NoReturn:
    """The `rassegna` command: main(), then exit without the interpreter's teardown, which
    frees a large archive's objects one by one (5 s for 10,000 articles) for nothing."""
    status = main()
    # What the interpreter's exit would still do: release the worker pools' semaphores, which
    # the resource tracker would otherwise report as leaked.
    multiprocessing.util._run_finalizers(0)  # type: ignore[attr-defined]
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
        locate_project(args)
        return int(args.run(args))
    except UsageError as exc:
        print(f"rassegna: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rassegna: interrupted", file=sys.stderr)
        return 130


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rassegna",
        description="Build a static site from an archive of articles and the entities they mention.",
        epilog="Run 'rassegna COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"rassegna {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    init_parser = add_command(
        commands,
        "init",
        run_init,
        "start a new archive",
        "Write a new archive ready to build, serve and publish into DIR: content/site.yml, an example "
        "article with an entity mention and an annotation, its two entities, .gitignore and the "
        "GitHub Pages workflow. Files that exist are never written over.",
    )
    init_parser.add_argument("dir", nargs="?", type=Path, default=Path("."), help="where (default: here)")
    init_parser.add_argument("--lang", default="en", help="the site's language, a BCP 47 code (default: en)")
    init_parser.add_argument("--title", default=None, help="the site's title")
    add_base_url_option(init_parser, "where the site will be hosted (default: /; the Pages workflow passes its own)")
    build_parser = add_command(
        commands,
        "build",
        run_build,
        "build the site",
        "Build the archive in --content into a static site in --out. "
        "The previous site is replaced only when the build succeeds.",
    )
    add_site_options(build_parser)
    build_parser.add_argument(
        "--strict", action="store_true", help="treat warnings (stub entities, unknown keys) as errors"
    )
    build_parser.add_argument(
        "--atomic",
        action="store_true",
        help="replace the site in one step, never a mix of old and new pages even if the build is killed "
        "(slower: every file of the site is linked anew); for a site served straight from --out",
    )
    build_parser.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        help="build everything afresh, without reading or writing the build cache (.rassegna-cache/)",
    )
    new_parser = add_command(
        commands,
        "new",
        run_new,
        "write a new article or entity file",
        "Write content/articles/<slug>.md or content/entities/<slug>.md with valid front matter "
        "(the slug from the title or name, today's date, the site's language); never over an existing file.",
    )
    new_parser.add_argument("kind", choices=("article", "entity"), help="what to write")
    new_parser.add_argument("title", help="the article's title, or the entity's name")
    new_parser.add_argument("--type", dest="entity_type", default="topic", help="the entity's type (default: topic)")
    add_content_option(new_parser)
    check_parser = add_command(
        commands,
        "check",
        run_check,
        "report every problem in the content and, with --site, in the built site",
        "Report what a build would (front matter, references, annotations), what an editor "
        "should look at (stub entities, entities no article mentions, names shared by two entities, "
        "articles with no entities, known names left unlinked) and, with --site, what would break the "
        "published site (links, #fragments, images without alt, paths that differ only in case, "
        "GitHub Pages' size limits). Nothing is written. Exit 1 on errors.",
    )
    add_content_option(check_parser)  # none given: the project's, unless only --site is asked for
    check_parser.add_argument("--site", type=Path, default=None, metavar="DIR", help="a built site to check too")
    add_base_url_option(check_parser, "where the site is hosted (default: what its build recorded, else site.yml's)")
    add_templates_option(check_parser)
    check_parser.add_argument("--drafts", action="store_true", help="check articles marked 'draft: true' too")
    check_parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    check_parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="text lines, or one JSON document for tools"
    )
    import_parser = add_command(
        commands,
        "import",
        run_import,
        "write annotations made elsewhere into their articles' front matter",
        "Read W3C Web Annotations (this archive's own annotations.jsonld, or any client's) or "
        "Hypothesis' JSON export from FILE, and add each one to the 'annotations:' of the article "
        "its target URL names, placed by its quoted passage. What cannot be placed is refused "
        "with the reason, and then nothing is written. Exit 1 on errors.",
    )
    import_parser.add_argument("what", choices=("annotations",), help="what FILE holds")
    import_parser.add_argument("file", type=Path, metavar="FILE", help="a JSON file of annotations")
    add_content_option(import_parser)
    clean_parser = add_command(
        commands,
        "clean",
        run_clean,
        "remove the built site and its build cache",
        "Remove --out, only if rassegna built it (it holds a .rassegna marker), and its build cache.",
    )
    add_out_option(clean_parser)
    serve_parser = add_command(
        commands,
        "serve",
        run_serve,
        "build, serve the site and rebuild it on every save",
        "Build the site, serve it under the path of its base_url, and rebuild what changed "
        "whenever a file in --content or the templates is saved; open pages reload by themselves.",
    )
    add_site_options(serve_parser)
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve_parser.add_argument("--port", type=port_number, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve_parser.add_argument("--open", action="store_true", help="open the site in a browser")
    serve_parser.set_defaults(strict=False, cache=True)
    return parser


def add_command(
    commands: Any, name: str, run: Callable[[argparse.Namespace], int], summary: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand: its one-line help, its --help text, and the function that runs it."""
    command: argparse.ArgumentParser = commands.add_parser(name, help=summary, description=description)
    command.set_defaults(run=run)
    return command


def add_content_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--content",
        type=Path,
        default=None,
        metavar="DIR",
        help="content directory (default: content/ of the project this folder is in)",
    )


def add_out_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="output directory (default: site/ of the project)"
    )


def add_templates_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--templates",
        type=Path,
        default=None,
        metavar="DIR",
        help="a folder of templates and assets used before the packaged theme's (default: templates/ beside content/)",
    )


def add_base_url_option(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--base-url", default=None, metavar="URL", help=help)


def add_site_options(parser: argparse.ArgumentParser) -> None:
    """What to build, and where: the options build and serve share."""
    add_content_option(parser)
    add_out_option(parser)
    add_templates_option(parser)
    add_base_url_option(parser, "where the site is hosted, e.g. https://user.github.io/archive/ (overrides site.yml)")
    parser.add_argument("--drafts", action="store_true", help="include articles marked 'draft: true'")
    parser.add_argument(
        "--jobs", type=positive, default=default_jobs(), metavar="N", help="worker processes (default: all cores)"
    )


def locate_project(args: argparse.Namespace) -> None:
    """--content and --out default to the project's: the nearest folder, here or above, that
    holds content/site.yml (or, failing that, content/ here). Paths stay relative to here, so
    that messages name files as the user sees them."""
    args.defaults = {}
    wants_content, wants_out = getattr(args, "content", "") is None, getattr(args, "out", "") is None
    if not (wants_content or wants_out):
        return
    found = find_root(Path.cwd()) or (Path.cwd() if Path("content").is_dir() else None)
    root = shown(found) if found is not None else None
    site_only = args.command == "check" and args.site is not None
    if wants_content and not (site_only and root is None):
        if root is None:
            raise UsageError(
                f"no rassegna project here: no content/site.yml in {Path.cwd()} or a folder above it; "
                "run 'rassegna init' to start one, or pass --content DIR"
            )
        args.content = args.defaults["content"] = root / "content"
    if wants_out:  # the project's site/; beside a --content given by hand, here
        mine = root is not None and (not hasattr(args, "content") or "content" in args.defaults)
        args.out = args.defaults["out"] = (root if mine and root is not None else Path()) / "site"


def port_number(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, not '{text}'")
    return int(text)


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not '{text}'")
    return int(text)


def build_options(args: argparse.Namespace) -> BuildOptions:
    return BuildOptions(
        args.content,
        args.out,
        args.templates,
        args.base_url,
        args.drafts,
        args.strict,
        args.jobs,
        args.cache,
        getattr(args, "atomic", False),
    )


def run_new(args: argparse.Namespace) -> int:
    if args.kind == "article":
        path = new_article(args.content, args.title)
    else:
        path = new_entity(args.content, args.title, args.entity_type)
    print(f"created {path}")
    return 0


def run_init(args: argparse.Namespace) -> int:
    written = init_project(args.dir, args.lang, args.title, args.base_url or "/", __version__)
    for path in written.created:
        print(f"created {path}")
    for path in written.kept:
        print(f"kept {path}: it exists already")
    go = "" if args.dir.resolve() == Path.cwd() else f"cd {shlex.quote(str(args.dir))}\n  "
    print(
        f"\nnext:\n  {go}rassegna build    build the site into site/\n"
        "  rassegna serve    preview it at http://127.0.0.1:8000/, rebuilt on every save\n"
        "  to publish it: push the folder to a GitHub repository and turn Pages on "
        "(Settings → Pages → Source: GitHub Actions)"
    )
    return 0


def run_check(args: argparse.Namespace) -> int:
    content = args.content  # None: only --site, outside any project
    result = check(CheckOptions(content, args.site, args.base_url, args.templates, args.drafts, args.strict))
    if args.format == "json":
        print(json.dumps(check_document(result), ensure_ascii=False, indent=2))
    else:
        for diagnostic in result.diagnostics:
            print(diagnostic)
        print(check_summary(result))
    return 1 if result.errors else 0


def run_import(args: argparse.Namespace) -> int:
    try:
        imported = import_annotations(args.content, args.file)
    except OSError as exc:  # an article that cannot be written: the ones before it were
        print(f"rassegna: error: cannot write {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except ContentError as exc:
        report(exc.diagnostics)
        errors = sum(1 for d in exc.diagnostics if d.level == "error")
        print(f"import failed: {counted(errors, 'error')}; no article was changed", file=sys.stderr)
        return 1
    for path, added in imported.articles.items():
        print(f"{path}: {counted(added, 'annotation')} added")
    already = f"; {counted(imported.skipped, 'annotation')} already there" if imported.skipped else ""
    print(
        f"import: {counted(sum(imported.articles.values()), 'annotation')} added to {counted(len(imported.articles), 'article')}{already}"
    )
    return 0


def check_summary(result: CheckResult) -> str:
    content = f"{counted(result.articles, 'article')}, {counted(result.entities, 'entity', 'entities')}"
    checked = [content] if result.articles or result.entities else []
    checked += [counted(result.site_files, "site file")] if result.site_files else []
    found = (
        f"{counted(result.errors, 'error')}, {counted(result.warnings, 'warning')}"
        if result.diagnostics
        else "no problems"
    )
    return f"check: {found} in {'; '.join(checked) or 'nothing'}"


def check_document(result: CheckResult) -> dict[str, object]:
    problems = [{"path": d.path, "line": d.line, "level": d.level, "message": d.message} for d in result.diagnostics]
    summary = {
        "errors": result.errors,
        "warnings": result.warnings,
        "articles": result.articles,
        "entities": result.entities,
        "site_files": result.site_files,
    }
    return {"summary": summary, "problems": problems}


def run_clean(args: argparse.Namespace) -> int:
    removed = clean(args.out)
    for path in removed:
        print(f"removed {shown(path)}")
    if not removed:
        print(f"nothing to remove: {args.out} does not exist")
    return 0


def run_serve(args: argparse.Namespace) -> int:
    from generator.serve import serve  # watchfiles and the HTTP server: only for this command

    return serve(build_options(args), args.host, args.port, args.open, sys.stdout)


def run_build(args: argparse.Namespace) -> int:
    options = build_options(args)
    try:
        with ProgressReporter() as progress:
            result = build(options, progress)
    except ContentError as exc:
        report(exc.diagnostics)
        errors = sum(1 for d in exc.diagnostics if d.level == "error")
        print(f"build failed: {counted(errors, 'error')}; {args.out} was left as it was", file=sys.stderr)
        return 1
    report(result.diagnostics)
    print(
        f"built {counted(result.pages, 'page')} ({counted(result.articles, 'article')}, "
        f"{counted(result.entities, 'entity', 'entities')}) in {result.seconds:.2f} s into {args.out}: "
        f"{changes(result)}"
    )
    given = (("content", args.content), ("out", args.out), ("base-url", args.base_url))
    flags = "".join(f" --{name} {value}" for name, value in given if value is not None and name not in args.defaults)
    url = f"http://127.0.0.1:8000{result.base_path}"
    print(f"preview: rassegna serve{flags} (rebuilds on every save), then open {url}")
    return 0


def changes(result: BuildResult) -> str:
    """What this build did to the site: what the progress counted, and what it wrote."""
    if not (result.rendered or result.written or result.removed):
        return "nothing changed"
    done = [f"{counted(result.rendered, 'file')} rendered", f"{result.written:,} written"]
    done += [f"{result.removed:,} removed"] if result.removed else []
    made, bundles, seconds = result.indexed
    searched = f"; search index: {made} of {counted(bundles, 'bundle')} made in {seconds:.2f} s" if made else ""
    return ", ".join(done) + searched


def report(diagnostics: Sequence[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        print(diagnostic, file=sys.stderr)
