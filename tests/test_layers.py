"""Imports flow one way: cli -> serve -> build -> stages -> core. A stage never imports a stage."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "generator"
CORE = {"errors", "model", "text", "urls", "i18n", "frontmatter", "parallel", "files", "project", "layout"}
STAGES = {
    "config",
    "cache",
    "load",
    "resolve",
    "markdown",
    "graph",
    "pages",
    "templates",
    "write",
    "sitecheck",
    "export",
    "search",
}
ORCHESTRATION = [
    "render",  # the render stage's work, in worker processes: markdown, templates, write
    "build",
    "check",
    "importing",
    "incremental",
    "scaffold",
    "progress",
    "serve",
    "cli",
]  # each may import those before it
# config is read by load, because site.yml is part of loading; and load takes a body's [[...]]
# references from the Markdown parser, which alone knows what is code
ALLOWED_EXTRA = {("load", "config"), ("load", "markdown")}


def sources(module: str) -> list[Path]:
    folder = PACKAGE / module
    return sorted(folder.glob("*.py")) if folder.is_dir() else [PACKAGE / f"{module}.py"]


def imports_of(module: str) -> set[str]:
    """The generator modules that `module` (a file or a package) imports, itself excluded."""
    found = set()
    nodes = [node for path in sources(module) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))]
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator"):
            name = node.module.removeprefix("generator").lstrip(".")
            found.update({name.split(".")[0]} if name else {alias.name for alias in node.names} - {"__version__"})
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("generator."))
    return found - {"", module}


def modules() -> list[str]:
    files = [p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")]
    packages = [p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()]
    return sorted(files + packages)


def test_every_module_has_a_layer() -> None:
    assert set(modules()) <= CORE | STAGES | set(ORCHESTRATION)


def test_core_imports_only_core() -> None:
    for module in CORE:
        assert imports_of(module) - {"__init__"} <= CORE, module


def test_stages_import_only_core() -> None:
    for module in STAGES & set(modules()):
        extra = {(module, other) for other in imports_of(module) - CORE - {"__init__"}}
        assert extra <= ALLOWED_EXTRA, extra


def test_orchestration_imports_only_downwards() -> None:
    for index, module in enumerate(ORCHESTRATION):
        if module in modules():
            above = set(ORCHESTRATION[index:])
            assert not imports_of(module) & above - {module}, module
