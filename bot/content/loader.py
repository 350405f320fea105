"""Read the content folder into a `Content` snapshot, with every problem and its line.

Each file is validated on its own: a broken file is reported and left out, the rest loads.
`ContentStore` (store.py) uses that to keep the last good version of a refused file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bot.content import html as tg_html
from bot.content.schema import Catalogue, SafetyFile, TopicFile, TopicMeta
from bot.content.yamlsrc import YamlDoc, YamlError, load_yaml
from nlu.languages import LANGS, Lang, content_folder
from nlu.problems import Problem

# A phone number written the Russian domestic way (8 ...), or without a country code.
_DOMESTIC_PHONE = re.compile(r"(?<![\d+])8[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)")


@dataclass(frozen=True)
class Answer:
    lang: Lang
    topic: TopicMeta
    title: str
    text: str
    buttons: tuple[str, ...]
    sources: tuple[str, ...]
    verified: dt.date | None
    path: Path


@dataclass
class Content:
    """An immutable-by-convention snapshot of everything the bot can say from content."""

    catalogue: dict[str, TopicMeta] = field(default_factory=dict)
    answers: dict[tuple[Lang, str], Answer] = field(default_factory=dict)
    safety: dict[Lang, SafetyFile] = field(default_factory=dict)

    def answer(self, lang: Lang, topic_id: str) -> Answer | None:
        return self.answers.get((lang, topic_id))

    def topics_in_area(self, area: str) -> list[TopicMeta]:
        return [t for t in self.catalogue.values() if t.area == area]


@dataclass
class LoadResult:
    content: Content
    problems: list[Problem]
    files: dict[Path, object] = field(default_factory=dict)  # path -> parsed model (good files)


def validation_problems(doc: YamlDoc, exc: ValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc) or "file"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see content/README.md)"
        elif err["type"] == "too_long" and "max_length" in err.get("ctx", {}):
            msg = f"too many items: at most {err['ctx']['max_length']} allowed"
        out.append(Problem(doc.path, doc.line(loc), f"{where}: {msg}"))
    return out


def _html_problems(doc: YamlDoc, loc: tuple[str, ...], text: str) -> list[Problem]:
    out = []
    base = doc.line(loc)
    first = doc.text_line(loc)
    for issue in tg_html.validate(text):
        out.append(Problem(doc.path, first + tg_html.line_of(text, issue.offset), issue.message))
    length = tg_html.visible_length(text)
    if length > tg_html.MAX_MESSAGE_CHARS:
        out.append(Problem(doc.path, base, f"text is {length} characters; Telegram's limit for "
                           f"one message is {tg_html.MAX_MESSAGE_CHARS}"))
    for m in _DOMESTIC_PHONE.finditer(text):
        out.append(Problem(doc.path, first + tg_html.line_of(text, m.start()),
                           f"phone number {m.group(0)!r} is not in international form (+7 ...)",
                           "warning"))
    return out


def _age_problem(doc: YamlDoc, verified: dt.date | None, today: dt.date, max_age: int) -> list[Problem]:
    if verified is not None and (today - verified).days > max_age:
        return [Problem(doc.path, doc.line(("verified",)),
                        f"verified {verified.isoformat()} is older than {max_age} days: "
                        "re-check the facts and update the date", "warning")]
    return []


def load_catalogue(root: Path) -> tuple[dict[str, TopicMeta], list[Problem]]:
    path = root / "topics.yaml"
    try:
        doc = load_yaml(path)
        cat = Catalogue.model_validate(doc.data)
    except FileNotFoundError:
        return {}, [Problem(path, 1, "the topic catalogue is missing")]
    except YamlError as exc:
        return {}, [Problem(exc.path, exc.line, exc.message)]
    except ValidationError as exc:
        return {}, validation_problems(doc, exc)
    seen: dict[str, TopicMeta] = {}
    problems = []
    for i, meta in enumerate(cat.topics):
        if meta.id in seen:
            problems.append(Problem(path, doc.line(("topics", i)), f"topic {meta.id!r} is listed twice"))
        seen[meta.id] = meta
    return seen, problems


def load_topic_file(path: Path, lang: Lang, catalogue: dict[str, TopicMeta], today: dt.date,
                    max_age: int) -> tuple[Answer | None, list[Problem]]:
    try:
        doc = load_yaml(path)
    except YamlError as exc:
        return None, [Problem(exc.path, exc.line, exc.message)]
    except OSError as exc:  # e.g. removed between the folder listing and the read
        return None, [Problem(path, 1, f"cannot read the file: {exc.strerror or exc}")]
    if not isinstance(doc.data, dict):
        return None, [Problem(path, 1, "a topic file must be a mapping of fields (id, title, text, ...)")]
    try:
        model = TopicFile.model_validate(doc.data)
    except ValidationError as exc:
        return None, validation_problems(doc, exc)
    problems: list[Problem] = []
    if model.id != path.stem:
        problems.append(Problem(path, doc.line(("id",)), f"id {model.id!r} differs from the file name {path.stem!r}"))
    meta = catalogue.get(model.id)
    if meta is None:
        problems.append(Problem(path, doc.line(("id",)), f"topic {model.id!r} is not in content/topics.yaml"))
    for i, target in enumerate(model.buttons):
        if target not in catalogue:
            problems.append(Problem(path, doc.line(("buttons", i)), f"button to unknown topic {target!r}"))
        elif target == model.id:
            problems.append(Problem(path, doc.line(("buttons", i)), "a topic's button points to itself"))
    if meta is not None and meta.area != "chat" and not model.sources:
        problems.append(Problem(path, doc.line(("sources",)), "sources: at least one URL is required"))
    problems += _html_problems(doc, ("text",), model.text)
    problems += _age_problem(doc, model.verified, today, max_age)
    if any(p.is_error for p in problems) or meta is None:
        return None, problems
    return Answer(lang=lang, topic=meta, title=model.title, text=model.text, buttons=tuple(model.buttons),
                  sources=tuple(model.sources), verified=model.verified, path=path), problems


def load_safety_file(path: Path, today: dt.date, max_age: int) -> tuple[SafetyFile | None, list[Problem]]:
    try:
        doc = load_yaml(path)
        model = SafetyFile.model_validate(doc.data)
    except FileNotFoundError:
        return None, [Problem(path, 1, "safety.yaml is missing: high-risk replies need it")]
    except YamlError as exc:
        return None, [Problem(exc.path, exc.line, exc.message)]
    except ValidationError as exc:
        return None, validation_problems(doc, exc)
    problems: list[Problem] = []
    if model.default not in model.countries:
        problems.append(Problem(path, doc.line(("default",)), f"default country {model.default!r} has no entry"))
    for code, country in model.countries.items():
        problems += _html_problems(doc, ("countries", code, "text"), country.text)
    problems += _age_problem(doc, model.verified, today, max_age)
    return (None if any(p.is_error for p in problems) else model), problems


def topic_files(root: Path, lang: Lang) -> Iterable[Path]:
    folder = root / content_folder(lang) / "topics"
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if folder.is_dir() else []


def load_content(root: Path, *, max_age_days: int = 180, today: dt.date | None = None) -> LoadResult:
    """Load everything under `root`; problems are collected, never raised."""
    today = today or dt.date.today()
    catalogue, problems = load_catalogue(root)
    content = Content(catalogue=catalogue)
    result = LoadResult(content=content, problems=problems)
    for lang in LANGS:
        for path in topic_files(root, lang):
            answer, probs = load_topic_file(path, lang, catalogue, today, max_age_days)
            problems += probs
            if answer is not None:
                content.answers[(lang, answer.topic.id)] = answer
                result.files[path] = answer
        safety_path = root / content_folder(lang) / "safety.yaml"
        safety, probs = load_safety_file(safety_path, today, max_age_days)
        problems += probs
        if safety is not None:
            content.safety[lang] = safety
            result.files[safety_path] = safety
    return result
