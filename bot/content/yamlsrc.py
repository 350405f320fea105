"""YAML with line numbers, so every problem can be reported as `file:line: message`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[str | int, ...]


@dataclass
class YamlDoc:
    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)  # location -> 1-based line
    text_lines: dict[Loc, int] = field(default_factory=dict)  # scalar -> line of its first character

    def text_line(self, loc: Loc) -> int:
        """The line where a scalar's text starts (the line after `key: |` for a block)."""
        return self.text_lines.get(loc, self.line(loc))

    def line(self, loc: Loc) -> int:
        """The line of the deepest known node on `loc` (1 when nothing matches)."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1


class YamlError(Exception):
    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


def _build(node: yaml.Node, loc: Loc, lines: dict[Loc, int], text_lines: dict[Loc, int]) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        text_lines[loc] = node.start_mark.line + (2 if node.style in ("|", ">") else 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _build(key_node, (*loc, "__key__"), {}, {})
            if not isinstance(key, str | int):
                key = str(key)
            lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, (*loc, key), lines, text_lines)
            # A block scalar's text starts on the line after its key; the key is what an
            # editor looks for.
            lines[(*loc, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), lines, text_lines) for i, item in enumerate(node.value)]
    try:  # construct one scalar with the safe rules (dates, ints, bools)
        return yaml.SafeLoader("").construct_object(node, deep=True)
    except (ValueError, yaml.constructor.ConstructorError) as exc:
        # e.g. `verified: 2025-13-45` looks like a date but is not one.
        raise _ScalarError(node.start_mark.line + 1, f"{node.value!r} is not a valid value ({exc})") from exc


class _ScalarError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def load_yaml(path: Path) -> YamlDoc:
    """Parse one file; raise YamlError with the line of a syntax or encoding error."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(path, line, "file is not UTF-8 text") from exc
    if "\x00" in text:
        raise YamlError(path, text[: text.index("\x00")].count("\n") + 1, "file contains a NUL byte")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise YamlError(path, *_syntax_message(exc)) from exc
    except yaml.YAMLError as exc:
        raise YamlError(path, 1, f"YAML syntax: {exc}") from exc
    lines: dict[Loc, int] = {}
    text_lines: dict[Loc, int] = {}
    try:
        data = None if node is None else _build(node, (), lines, text_lines)
    except _ScalarError as exc:
        raise YamlError(path, exc.line, exc.message) from exc
    return YamlDoc(path=path, data=data, lines=lines, text_lines=text_lines)


def _syntax_message(exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line an editor should look at, and PyYAML's words with a hint where it helps.

    For an unclosed quote or bracket PyYAML's problem is at the end of the file; the place
    where the unclosed thing started (its context mark) is what the editor must fix."""
    problem = exc.problem or str(exc)
    mark = exc.problem_mark
    message = f"YAML syntax: {problem}"
    if "\t" in problem or "'\\t'" in problem:
        message += " (use spaces, not tabs, to indent)"
    if exc.context and exc.context_mark is not None and (mark is None or exc.context_mark.line < mark.line):
        where = f"line {mark.line + 1}" if mark is not None else "the end"
        return exc.context_mark.line + 1, f"{message} at {where}, {exc.context} that starts here"
    return (mark.line + 1 if mark else 1), message
