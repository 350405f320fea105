"""Safe YAML with line numbers: the one loader for every file editors and trainers write.

Content (`content/**`), risk rules and cases, the routing file and the training data all come
through here, so every problem is reported the same way, as `file:line: message`, and no
file can hurt the process that reads it:

* a file larger than `max_bytes` is refused before it is parsed;
* nesting deeper than `max_depth` is refused while composing (no `RecursionError`);
* aliases (`*name`) are limited in number, may not refer to the value that contains them,
  and the values they expand to are counted as if written out, so a "billion laughs" file of
  a few hundred bytes is refused at the first alias over the budget, in milliseconds;
* decoding errors, NUL bytes, PyYAML's syntax errors, values that are not what they look like
  (`2025-13-45`) and the odd `RecursionError`/`MemoryError` all become `YamlError`.

This module lives in `nlu` because `nlu`, `bot` and `hotline_router` all read YAML and `nlu`
imports neither of the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.yamlcompose import DEFAULT_LIMITS, MAX_ALIASES, MAX_BYTES, MAX_DEPTH, NO_ALIASES, Limits, Refused, compose

__all__ = ["DEFAULT_LIMITS", "MAX_ALIASES", "MAX_BYTES", "MAX_DEPTH", "NO_ALIASES", "Limits", "Loc", "YamlDoc",
           "YamlError", "compose_file", "compose_text", "load_file", "load_text", "read_text"]

Loc = tuple[str | int, ...]
_MERGE = "tag:yaml.org,2002:merge"

class YamlError(Exception):
    """A file that cannot be loaded, with the line an editor should look at."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


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


def read_text(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """The file as text; YamlError when too large, not UTF-8 or containing NUL.

    FileNotFoundError is raised as it is (callers say which file is missing)."""
    try:
        with path.open("rb") as f:
            raw = f.read(limits.max_bytes + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise YamlError(path, 1, f"cannot read the file: {exc.strerror or exc}") from exc
    if len(raw) > limits.max_bytes:
        raise YamlError(path, 1, f"file is larger than {limits.max_bytes // 1024} KB: split it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(path, line, "file is not UTF-8 text") from exc
    if "\x00" in text:
        raise YamlError(path, text[: text.index("\x00")].count("\n") + 1, "file contains a NUL byte")
    return text


def compose_text(text: str, path: Path, limits: Limits = DEFAULT_LIMITS) -> yaml.Node | None:
    """The node tree of one YAML document (marks give lines); every failure is YamlError."""
    if len(text) > limits.max_bytes:
        raise YamlError(path, 1, f"file is larger than {limits.max_bytes // 1024} KB: split it")
    try:
        return compose(text, limits)
    except Refused as exc:
        raise YamlError(path, exc.line, exc.message) from None
    except yaml.MarkedYAMLError as exc:
        raise YamlError(path, *syntax_message(exc)) from exc
    except yaml.reader.ReaderError as exc:
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)[:1]
        at = text.find(char) if char else -1
        line = text[:at].count("\n") + 1 if at >= 0 else 1
        raise YamlError(path, line, f"YAML syntax: character U+{ord(char or chr(0)):04X} is not allowed "
                                    "in YAML") from exc
    except yaml.YAMLError as exc:
        raise YamlError(path, 1, f"YAML syntax: {exc}") from exc
    except RecursionError:
        raise YamlError(path, 1, "nested too deeply: flatten the structure") from None
    except MemoryError:
        raise YamlError(path, 1, "too large to load: split the file") from None


def compose_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> yaml.Node | None:
    return compose_text(read_text(path, limits), path, limits)


def load_text(text: str, path: Path, limits: Limits = DEFAULT_LIMITS, *, text_scalars: bool = False) -> YamlDoc:
    """Parse a document into plain data with the line of every value.

    With `text_scalars` every scalar but null is kept as text (`yes` is "True", `12` is "12")."""
    node = compose_text(text, path, limits)
    builder = _Builder(text_scalars)
    try:
        data = None if node is None else builder.build(node, (), record=True)
    except Refused as exc:
        raise YamlError(path, exc.line, exc.message) from None
    except RecursionError:
        raise YamlError(path, 1, "nested too deeply: flatten the structure") from None
    except MemoryError:
        raise YamlError(path, 1, "too large to load: split the file") from None
    return YamlDoc(path=path, data=data, lines=builder.lines, text_lines=builder.text_lines)


def load_file(path: Path, limits: Limits = DEFAULT_LIMITS, *, text_scalars: bool = False) -> YamlDoc:
    """`load_text` of a file; FileNotFoundError when it is missing, YamlError for the rest."""
    return load_text(read_text(path, limits), path, limits, text_scalars=text_scalars)


class _Builder:
    def __init__(self, text_scalars: bool) -> None:
        self.text_scalars = text_scalars
        self.constructor = yaml.SafeLoader("")  # one per document: an alias reuses its value
        self.lines: dict[Loc, int] = {}
        self.text_lines: dict[Loc, int] = {}

    def build(self, node: yaml.Node, loc: Loc, *, record: bool) -> Any:
        if record:
            self.lines[loc] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    self.merge(out, key_node, value_node, loc, record=record)
                    continue
                key = self.build(key_node, loc, record=False)
                if not isinstance(key, str | int):
                    key = str(key)
                out[key] = self.build(value_node, (*loc, key), record=record)
                if record:  # the key, not its value, is what an editor looks for
                    self.lines[(*loc, key)] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i), record=record) for i, item in enumerate(node.value)]
        if record:
            style = getattr(node, "style", None)
            self.text_lines[loc] = node.start_mark.line + (2 if style in ("|", ">") else 1)
        return self.scalar(node)

    def merge(self, out: dict[Any, Any], key_node: yaml.Node, value_node: yaml.Node, loc: Loc, *,
              record: bool) -> None:
        """`<<: *defaults` (or a list of them): keys not written in this mapping come from there."""
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise Refused(source.start_mark, "`<<:` merges mappings only (write `<<: *name` of a mapping)")
            for key, value in self.build(source, loc, record=False).items():
                if key not in out:
                    out[key] = value
                    if record:
                        self.lines[(*loc, key)] = key_node.start_mark.line + 1

    def scalar(self, node: yaml.Node) -> Any:
        """One scalar with the safe rules (dates, ints, bools)."""
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError) as exc:
            # e.g. `verified: 2025-13-45` looks like a date but is not one.
            shown = str(node.value)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise Refused(node.start_mark, f"{shown!r} is not a valid value ({reason})") from exc
        if self.text_scalars and value is not None and not isinstance(value, str):
            return str(value)
        return value


def syntax_message(exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line an editor should look at, and PyYAML's words with a hint where it helps.

    For an unclosed quote or bracket PyYAML's problem is further down (often at the end of the
    file); the place where the unclosed thing started (its context mark) is what the editor
    must fix. For everything else the problem's own line is the right one."""
    problem = exc.problem or str(exc)
    mark = exc.problem_mark
    message = f"YAML syntax: {problem}"
    if "\t" in problem or "'\\t'" in problem:
        message += " (use spaces, not tabs, to indent)"
    if exc.context and "duplicate anchor" in exc.context and exc.context_mark is not None:
        message = f"YAML syntax: {exc.context.removesuffix('; first occurrence')} (first on line " \
                  f"{exc.context_mark.line + 1}): give each anchor its own name"
    unclosed = bool(exc.context) and ("flow" in str(exc.context) or "quoted" in str(exc.context))
    if unclosed and exc.context_mark is not None and (mark is None or exc.context_mark.line < mark.line):
        where = f"line {mark.line + 1}" if mark is not None else "the end"
        return exc.context_mark.line + 1, f"{message} at {where}, {exc.context} that starts here"
    return (mark.line + 1 if mark else 1), message
