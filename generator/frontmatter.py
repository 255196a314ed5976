"""Split a Markdown file into its YAML front matter and body, keeping file line numbers."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.text import CONTROL_RE, control_names, without_controls

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~8x faster when present


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loading, but dates stay strings (the loader checks them, with a line), keys stay as
    written ('on' is not True) and a key given twice is an error, not a silent overwrite."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
            else:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | float | bool | tuple):
                    raise yaml.constructor.ConstructorError(None, None, "a key must be plain text", key_node.start_mark)
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' is given twice; keep one", key_node.start_mark
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


class FrontMatterError(Exception):
    def __init__(self, line: int, message: str, source_line: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.source_line = source_line


@dataclass(frozen=True)
class Document:
    data: dict[str, Any]
    body: str
    body_line: int  # file line where the body starts
    lines: dict[str, int] = field(default_factory=dict)  # top-level key -> file line
    item_lines: dict[str, list[int]] = field(default_factory=dict)  # list key -> line of each item
    item_keys: dict[str, list[dict[str, int]]] = field(
        default_factory=dict
    )  # list key -> each mapping item's key lines


def document_text(data: bytes) -> str:
    """A file's text as every stage reads it: UTF-8 with '\\n' line ends (or UnicodeDecodeError)."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def body_of(data: bytes, body_line: int) -> str:
    """The body of a document whose body starts at file line `body_line`, as split_document
    gave it, without parsing the front matter again."""
    text = without_controls(document_text(data))  # a BOM is on line 1: never in the body
    parts = text.split("\n", body_line - 1)
    return parts[-1] if len(parts) == body_line else ""


def split_document(text: str) -> Document:
    """Parse `---`-delimited YAML front matter at the top of `text`; raise FrontMatterError."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise FrontMatterError(1, "no front matter: start the file with a line '---', then the YAML keys, then '---'")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            break
    else:
        raise FrontMatterError(1, "front matter is not closed: add a line '---' after the YAML keys")
    yaml_text = "\n".join(lines[1:index])
    data, key_lines, item_lines, item_keys = parse_yaml(yaml_text, first_line=2, source=lines, subject="front matter")
    body = "\n".join(lines[index + 1 :])
    return Document(data, body, index + 2, key_lines, item_lines, item_keys)


def parse_yaml(
    yaml_text: str, first_line: int, source: list[str], subject: str
) -> tuple[dict[str, Any], dict[str, int], dict[str, list[int]], dict[str, list[dict[str, int]]]]:
    """Load a YAML mapping; return it with the file line of each key, of each list item, and of
    each key of a list item that is a mapping (an annotation's 'entity').
    `subject` ('front matter', 'site.yml') names the YAML in error messages."""
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        last = len(yaml_text.rstrip("\n").split("\n")) - 1
        mark = exc.problem_mark or exc.context_mark
        if mark and mark.line >= last and exc.context_mark and exc.context_mark.line < mark.line:
            mark = exc.context_mark  # the stream ended inside something: point where it opened
        line = first_line + min(mark.line if mark else 0, max(last, 0))  # never the closing '---'
        problem = exc.problem or exc.context or "syntax error"
        raise FrontMatterError(line, f"{subject} is not valid YAML: {problem}", _source_line(source, line)) from None
    except yaml.reader.ReaderError as exc:
        line = first_line + yaml_text.count("\n", 0, exc.position)
        problem = f"character U+{exc.character:04X} is not allowed in YAML; remove it"
        raise FrontMatterError(line, f"{subject} is not valid YAML: {problem}", _source_line(source, line)) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(first_line, f"{subject} is not valid YAML: {exc}") from None
    except (ValueError, OverflowError, RecursionError) as exc:  # a value YAML parses but Python cannot hold
        line = first_line + (_failing_line(loader, node) if node is not None else 0)
        problem = _value_problem(exc)
        raise FrontMatterError(
            line, f"{subject} has a value that cannot be read: {problem}", _source_line(source, line)
        ) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode | type(None)):
        raise FrontMatterError(first_line, f"{subject} must be a mapping of keys to values, such as 'title: ...'")
    key_lines: dict[str, int] = {}
    item_lines: dict[str, list[int]] = {}
    item_keys: dict[str, list[dict[str, int]]] = {}
    for key_node, value_node in node.value if node is not None else ():
        key = str(key_node.value)
        key_lines[key] = first_line + key_node.start_mark.line
        if isinstance(value_node, yaml.SequenceNode):
            item_lines[key] = [first_line + item.start_mark.line for item in value_node.value]
            item_keys[key] = [_key_lines(item, first_line) for item in value_node.value]
    return data, key_lines, item_lines, item_keys


def _failing_line(loader: _Loader, node: yaml.Node) -> int:
    """The line (in the YAML) of the first scalar that cannot be constructed on its own."""
    stack = [node]
    while stack:
        current = stack.pop(0)
        if isinstance(current, yaml.ScalarNode):
            try:
                loader.construct_object(current, deep=True)
            except (ValueError, OverflowError, yaml.YAMLError):
                return int(current.start_mark.line)
        elif isinstance(current, yaml.MappingNode):
            stack[:0] = [child for pair in current.value for child in pair]
        elif isinstance(current, yaml.SequenceNode):
            stack[:0] = list(current.value)
    return 0


def _value_problem(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "it is nested too deeply"
    if "integer string conversion" in str(exc):
        return "a number with thousands of digits; quote it if it is text"
    return f"{exc}; quote it if it is text"


def _key_lines(node: yaml.Node, first_line: int) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): first_line + key.start_mark.line for key, _ in node.value}


def _source_line(source: list[str], line: int) -> str | None:
    """The line shown under a message; a very long one cut, so that the message stays readable."""
    text = source[line - 1] if 0 < line <= len(source) else None
    return text[:SHOWN_WIDTH] + "…" if text is not None and len(text) > SHOWN_WIDTH else text


SHOWN_WIDTH = 160


class Fields:
    """Typed access to a document's keys; every problem goes to `report(line, message)`."""

    def __init__(self, doc: Document, report: Any, start_line: int = 1) -> None:
        self.doc = doc
        self.report = report
        self.start_line = start_line  # where to point for a missing key

    def line(self, key: str, index: int | None = None, item_key: str | None = None) -> int:
        """The line of `key`; of its item `index`; of that item's own key `item_key`."""
        if index is not None and key in self.doc.item_lines:
            if item_key is not None and item_key in self.doc.item_keys[key][index]:
                return self.doc.item_keys[key][index][item_key]
            return self.doc.item_lines[key][index]
        return self.doc.lines.get(key, self.start_line)

    def check_keys(self, known: tuple[str, ...], warn: Any) -> None:
        for key in self.doc.data:
            if key not in known:
                hint = _closest(str(key), known)
                warn(self.line(str(key)), f"unknown key '{key}' is ignored{hint}")

    def present(self, key: str) -> bool:
        return self.doc.data.get(key) is not None

    def text(self, key: str, required: bool = False, default: str = "") -> str:
        value = self.doc.data.get(key)
        if value is None:
            if required and key in self.doc.lines:
                self.report(self.line(key), f"'{key}' must not be empty")
            elif required:
                self.report(self.start_line, f"missing required key '{key}': add a line '{key}: ...'")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.report(self.line(key), f"'{key}' must be text; put the value in quotes")
            return default
        text = str(value).strip()
        if required and not text:
            self.report(self.line(key), f"'{key}' must not be empty")
        return text

    def text_list(self, key: str) -> tuple[str, ...]:
        value = self.doc.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.report(self.line(key), f"'{key}' must be a list, such as [a, b] or lines starting '- '")
            return ()
        items = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, str | int | float) or not str(item).strip():
                self.report(self.line(key, index), f"each item of '{key}' must be non-empty text")
                continue
            items.append(str(item).strip())
        return tuple(items)

    def boolean(self, key: str) -> bool:
        value = self.doc.data.get(key, False)
        if not isinstance(value, bool):
            self.report(self.line(key), f"'{key}' must be true or false")
            return False
        return value


def _closest(key: str, known: tuple[str, ...]) -> str:
    matches = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else f"; known keys: {', '.join(known)}"


def clean_text(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The text without control characters, and (line, the characters) for each line that had
    some: a form feed pasted from a PDF should not stop a build, nor reach a page."""
    if not CONTROL_RE.search(text):
        return text, []
    found = [(n, control_names(line)) for n, line in enumerate(text.split("\n"), start=1) if CONTROL_RE.search(line)]
    return without_controls(text), found


def clean_values(data: dict[str, Any], lines: dict[str, int]) -> list[tuple[str, int, str]]:
    """Remove control characters from every string of `data`, in place (YAML escapes can make
    them); (top-level key, its line, the characters) for each key that had some."""
    found = []
    for key, value in data.items():
        names: list[str] = []
        data[key] = _cleaned(value, names)
        if names:
            found.append((key, lines.get(key, 0), ", ".join(dict.fromkeys(names))))
    return found


def _cleaned(value: Any, names: list[str]) -> Any:
    if isinstance(value, str):
        if CONTROL_RE.search(value):
            names.append(control_names(value))
            return without_controls(value)
        return value
    if isinstance(value, list):
        return [_cleaned(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _cleaned(item, names) for key, item in value.items()}
    return value
