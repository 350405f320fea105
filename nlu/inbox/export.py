"""Labelled messages as Rasa 3.x YAML: topics (and out of scope) into `nlu/data/<lang>/inbox.yml`,
danger into the situation corpus as `nlu/situations/<lang>/inbox.yml` (`danger_<indicator>`),
both read by the same loaders as every other file there.

An export merges with what earlier exports wrote (the inbox rows themselves are deleted after
the retention period; the examples stay). A text already present in another training file,
or labelled two ways, is left out and reported, so `hamroh nlu check` stays clean.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nlu.languages import LANGS
from nlu.normalize import normalize
from nlu.training_data import load_training_data

FILE = "inbox.yml"
DANGER_PREFIX = "danger_"


@dataclass(frozen=True)
class Labelled:
    text: str
    lang: str
    kind: str  # topic | out_of_scope | danger | new_topic
    label: str | None


@dataclass
class ExportResult:
    written: list[Path] = field(default_factory=list)
    added: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (text, why)
    new_topics: list[Labelled] = field(default_factory=list)


def intent_of(item: Labelled) -> tuple[str, str] | None:
    """(corpus, intent): "data" for topics, "situations" for danger; None for a new topic."""
    if item.kind == "topic" and item.label:
        return "data", item.label
    if item.kind == "out_of_scope":
        return "data", "out_of_scope"
    if item.kind == "danger" and item.label:
        return "situations", DANGER_PREFIX + item.label
    return None


def read_file(path: Path) -> dict[str, list[str]]:
    """intent -> examples of one of our inbox files (empty when missing)."""
    if not path.exists():
        return {}
    body = yaml.safe_load(path.read_text("utf-8")) or {}
    out: dict[str, list[str]] = {}
    for item in body.get("nlu", []) or []:
        lines = str(item.get("examples", "")).splitlines()
        out.setdefault(str(item["intent"]), []).extend(
            line.strip()[2:].strip() for line in lines if line.strip().startswith("- "))
    return out


def render(intents: dict[str, list[str]]) -> str:
    lines = ["# Written by `hamroh nlu inbox export` from the editors' labels; edit freely.",
             'version: "3.1"', "nlu:"]
    for intent in sorted(intents):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in intents[intent]]
    return "\n".join(lines) + "\n"


def one_line(text: str) -> str:
    return " ".join(text.split())[:500]


def _known(folder: Path, skip: Path) -> dict[str, str]:
    """normalised text -> intent in every other file of the corpus."""
    data = load_training_data(folder)
    return {normalize(e.text): e.intent for e in data.examples if e.path.name != skip.name}


def export(items: Iterable[Labelled], data_dir: Path, situations_dir: Path) -> ExportResult:
    result = ExportResult()
    roots = {"data": data_dir, "situations": situations_dir}
    known = {name: _known(root, Path(FILE)) for name, root in roots.items()}
    files: dict[tuple[str, str], dict[str, list[str]]] = {}
    seen: dict[tuple[str, str], str] = {}
    for item in items:
        target = intent_of(item)
        if target is None:
            result.new_topics.append(item)
            continue
        corpus, intent = target
        text = one_line(item.text)
        if item.lang not in LANGS or not any(ch.isalnum() for ch in text):
            result.skipped.append((text, "no language or no words"))
            continue
        norm = normalize(text)
        other = known[corpus].get(norm)
        if other is not None:
            result.skipped.append((text, f"already an example of {other}"))
            continue
        key = (corpus, item.lang)
        current = files.setdefault(key, read_file(roots[corpus] / item.lang / FILE))
        if seen.get((f"{corpus}:{item.lang}", norm), intent) != intent:
            result.skipped.append((text, "labelled two ways"))
            continue
        seen[(f"{corpus}:{item.lang}", norm)] = intent
        if norm in {normalize(t) for texts in current.values() for t in texts}:
            continue
        current.setdefault(intent, []).append(text)
        result.added += 1
    for (corpus, lang), intents in files.items():
        path = roots[corpus] / lang / FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(intents), "utf-8")
        result.written.append(path)
    return result


def pending(items: Sequence[Labelled], data_dir: Path, situations_dir: Path) -> list[Labelled]:
    """The labelled topic items not yet in the training data (for a review before export)."""
    known = {normalize(e.text) for e in load_training_data(data_dir).examples}
    return [i for i in items if (t := intent_of(i)) is not None and t[0] == "data"
            and normalize(one_line(i.text)) not in known]
