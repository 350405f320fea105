"""Rasa 3.x YAML training data (`data_dir/<lang>/*.yml`) as typed examples, and its checker.

Every problem is reported with the file and line it comes from, never raised, so that an
editor sees all of them at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlu.languages import LANGS, Lang
from nlu.normalize import normalize
from nlu.problems import Problem
from nlu.yamlsafe import NO_ALIASES, YamlError, compose_file

MIN_EXAMPLES = 30
# Rasa entity annotation `[text](entity)` / `[text]{"entity": ...}`: keep the text only.
_ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    lang: Lang
    path: Path
    line: int
    intent_line: int = 0  # the line of its `- intent:` item


@dataclass(frozen=True)
class TrainingData:
    examples: tuple[Example, ...]
    problems: tuple[Problem, ...]

    def for_lang(self, lang: Lang) -> list[Example]:
        return [e for e in self.examples if e.lang == lang]


def data_files(data_dir: Path) -> list[tuple[Lang, Path]]:
    """The training files, in a stable order."""
    out: list[tuple[Lang, Path]] = []
    for lang in LANGS:
        folder = data_dir / lang
        if folder.is_dir():
            out.extend((lang, p) for p in sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml")))
    return out


def data_hash(data_dir: Path) -> str:
    """A hash of every training file's name and bytes: the model cache key."""
    h = hashlib.sha256()
    for lang, path in data_files(data_dir):
        h.update(f"{lang}/{path.name}\0".encode())
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _block_lines(node: yaml.Node) -> int:
    """The 1-based line of the first line of a scalar's content."""
    style = getattr(node, "style", None)
    # A block scalar (| or >) starts on the line after its indicator.
    return node.start_mark.line + (2 if style in ("|", ">") else 1)


def _parse_examples(
    node: yaml.Node, intent: str, lang: Lang, path: Path, problems: list[Problem], intent_line: int
) -> list[Example]:
    if not isinstance(node, yaml.ScalarNode):
        problems.append(Problem(path, node.start_mark.line + 1, f"intent {intent}: examples must be a text block"))
        return []
    first = _block_lines(node)
    out: list[Example] = []
    for offset, raw in enumerate(str(node.value).splitlines()):
        line = first + offset if node.style in ("|", ">") else first
        stripped = raw.strip()
        if not stripped:
            continue
        if not stripped.startswith("-"):
            problems.append(Problem(path, line, f"intent {intent}: example must start with '- '"))
            continue
        text = _ENTITY.sub(r"\1", stripped[1:].strip())
        if not normalize(text):
            problems.append(Problem(path, line, f"intent {intent}: empty example", "warning"))
            continue
        out.append(Example(text, intent, lang, path, line, intent_line))
    return out


def _parse_file(lang: Lang, path: Path, problems: list[Problem]) -> list[Example]:
    try:
        root = compose_file(path, NO_ALIASES)
    except YamlError as exc:
        problems.append(Problem(path, exc.line, exc.message))
        return []
    except OSError as exc:
        problems.append(Problem(path, 1, f"cannot read the file: {exc.strerror or exc}"))
        return []
    if not isinstance(root, yaml.MappingNode):
        problems.append(Problem(path, 1, "expected a mapping with `version` and `nlu`"))
        return []
    top = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    version = top.get("version")
    if not (isinstance(version, yaml.ScalarNode) and str(version.value).startswith("3.")):
        problems.append(Problem(path, 1, 'missing or unexpected version (want "3.1")', "warning"))
    nlu = top.get("nlu")
    if not isinstance(nlu, yaml.SequenceNode):
        problems.append(Problem(path, 1, "missing `nlu:` list"))
        return []
    out: list[Example] = []
    for item in nlu.value:
        line = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            problems.append(Problem(path, line, "each `nlu:` item must be a mapping"))
            continue
        fields = {k.value: v for k, v in item.value if isinstance(k, yaml.ScalarNode)}
        if "intent" not in fields:
            if not {"synonym", "regex", "lookup"} & fields.keys():
                problems.append(Problem(path, line, "item has no `intent`"))
            continue
        intent_node = fields["intent"]
        intent = str(intent_node.value).strip() if isinstance(intent_node, yaml.ScalarNode) else ""
        if not intent:
            problems.append(Problem(path, line, "empty intent name"))
            continue
        if "examples" not in fields:
            problems.append(Problem(path, line, f"intent {intent}: no `examples`"))
            continue
        out.extend(_parse_examples(fields["examples"], intent, lang, path, problems, line))
    return out


def load_training_data(data_dir: Path) -> TrainingData:
    problems: list[Problem] = []
    examples: list[Example] = []
    for lang, path in data_files(data_dir):
        examples.extend(_parse_file(lang, path, problems))
    return TrainingData(tuple(examples), tuple(problems))


def _duplicates(examples: Iterable[Example]) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, Example] = {}
    for ex in examples:
        key = normalize(ex.text)
        first = seen.setdefault(key, ex)
        if first is ex:
            continue
        where = f"{first.path}:{first.line}"
        if first.intent != ex.intent:
            msg = f"example {ex.text!r} ({ex.intent}) is also under {first.intent} at {where}"
            problems.append(Problem(ex.path, ex.line, msg))
        elif first.lang == ex.lang:
            msg = f"example {ex.text!r} repeats {where} (same after normalisation)"
            problems.append(Problem(ex.path, ex.line, msg, "warning"))
    return problems


def check_training_data(data_dir: Path, topic_ids: Collection[str]) -> list[Problem]:
    """Everything wrong with the training data, errors and warnings, sorted by file and line."""
    data = load_training_data(data_dir)
    problems = list(data.problems)
    known = set(topic_ids)
    counts: dict[tuple[Lang, str], int] = {}
    first_seen: dict[tuple[Lang, str], Example] = {}
    for ex in data.examples:
        counts[(ex.lang, ex.intent)] = counts.get((ex.lang, ex.intent), 0) + 1
        first_seen.setdefault((ex.lang, ex.intent), ex)
    for (lang, intent), ex in first_seen.items():
        if intent not in known:
            problems.append(Problem(ex.path, ex.intent_line, f"unknown intent {intent!r} ({lang})"))
        elif counts[(lang, intent)] < MIN_EXAMPLES:
            msg = f"intent {intent} ({lang}) has {counts[(lang, intent)]} examples, want >= {MIN_EXAMPLES}"
            problems.append(Problem(ex.path, ex.intent_line, msg, "warning"))
    for lang in LANGS:
        for topic in sorted(known):
            if (lang, topic) not in counts:
                msg = f"topic {topic} has no training examples in {lang}"
                problems.append(Problem(data_dir / lang, 0, msg))
    problems.extend(_duplicates(data.examples))
    return sorted(problems)
