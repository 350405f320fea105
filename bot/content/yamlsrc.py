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
    return yaml.SafeLoader(  # construct one scalar with the safe rules (dates, ints, bools)
        ""
    ).construct_object(node, deep=True)


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
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(path, line, f"YAML syntax: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlError(path, 1, f"YAML syntax: {exc}") from exc
    lines: dict[Loc, int] = {}
    text_lines: dict[Loc, int] = {}
    data = None if node is None else _build(node, (), lines, text_lines)
    return YamlDoc(path=path, data=data, lines=lines, text_lines=text_lines)
