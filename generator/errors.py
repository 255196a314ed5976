"""Problems found in the content: data with a location, collected, then reported together."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    level: str  # "error" or "warning"
    message: str
    source_line: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.level}: {self.message}"
        if self.source_line is not None:
            text += f"\n    {self.line} | {self.source_line}"
        return text


class Diagnostics:
    """Collects every problem of a run so that one build reports all of them."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, path: Path | str, line: int, message: str, source_line: str | None = None) -> None:
        self.items.append(Diagnostic(str(path), line, "error", message, source_line))

    def warning(self, path: Path | str, line: int, message: str) -> None:
        self.items.append(Diagnostic(str(path), line, "warning", message))

    def extend(self, other: Diagnostics) -> None:
        self.items.extend(other.items)

    def apply_strict(self) -> None:
        """--strict: every warning is an error."""
        self.items = [
            Diagnostic(d.path, d.line, "error", d.message, d.source_line) if d.level == "warning" else d
            for d in self.items
        ]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "warning"]

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items)


class ContentError(Exception):
    """The content has errors; the build stops and reports them all."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} problem(s) in the content")
        self.diagnostics = diagnostics


class UsageError(Exception):
    """The command line asks for something that cannot be done (exit status 2)."""
