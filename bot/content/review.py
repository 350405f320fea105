"""What a person must re-check in a content file: its dates, the writer's note and its links.

`read_reviewed()` reads the `verified`, `valid_until` and `review` fields, the sources and the
texts of every topic and safety file that passes the schema (a broken file is the loader's to
report). `review_problems()` turns them into `file:line` problems for `hamroh content check`;
`stale.py` builds the per-language re-check report from the same records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot.content import html as tg_html
from bot.content.links import link_warnings, links_in_text
from bot.content.loader import topic_files
from bot.content.schema import SafetyFile, TopicFile
from bot.content.yamlsrc import Loc, YamlDoc, YamlError, load_yaml
from nlu.languages import LANGS, Lang, content_folder
from nlu.problems import Problem

# `valid_until` this close (in days) is a warning; past it, an error.
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class Reviewed:
    """The review fields of one content file that passed the schema, with its lines."""

    path: Path
    lang: Lang
    doc: YamlDoc
    verified: dt.date | None
    valid_until: dt.date | None
    review: str | None
    sources: tuple[str, ...]
    texts: tuple[tuple[Loc, str], ...]  # where each answer text is, and the text as written

    def line(self, key: str) -> int:
        return self.doc.line((key,))


def _raw_texts(doc: YamlDoc, model: TopicFile | SafetyFile) -> tuple[tuple[Loc, str], ...]:
    data = doc.data if isinstance(doc.data, dict) else {}
    if isinstance(model, TopicFile):
        raw = data.get("text")
        return ((("text",), raw if isinstance(raw, str) else model.text),)
    out: list[tuple[Loc, str]] = []
    countries = data.get("countries")
    countries = countries if isinstance(countries, dict) else {}
    for code, country in model.countries.items():
        raw_country = countries.get(code)
        raw = raw_country.get("text") if isinstance(raw_country, dict) else None
        out.append((("countries", code, "text"), raw if isinstance(raw, str) else country.text))
    return tuple(out)


def read_file(path: Path, lang: Lang) -> Reviewed | None:
    """The review fields of one file, or None when it does not load (the loader says why)."""
    kind: type[TopicFile] | type[SafetyFile] = SafetyFile if path.name == "safety.yaml" else TopicFile
    try:
        doc = load_yaml(path)
        model = kind.model_validate(doc.data)
    except (OSError, YamlError, ValidationError, RecursionError):
        return None
    return Reviewed(path=path, lang=lang, doc=doc, verified=model.verified, valid_until=model.valid_until,
                    review=model.review, sources=tuple(model.sources), texts=_raw_texts(doc, model))


def content_files(root: Path, lang: Lang) -> list[Path]:
    """A language's topic files and its safety file (when it exists)."""
    safety = root / content_folder(lang) / "safety.yaml"
    return list(topic_files(root, lang)) + ([safety] if safety.exists() else [])


def read_reviewed(root: Path, langs: tuple[Lang, ...] = LANGS) -> tuple[list[Reviewed], list[tuple[Lang, Path]]]:
    """Every readable file's review fields, and the files that do not load."""
    good: list[Reviewed] = []
    broken: list[tuple[Lang, Path]] = []
    for lang in langs:
        for path in content_files(root, lang):
            item = read_file(path, lang)
            if item is None:
                broken.append((lang, path))
            else:
                good.append(item)
    return good, broken


def one_line(note: str, limit: int = 160) -> str:
    flat = " ".join(note.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def date_problems(item: Reviewed, today: dt.date) -> list[Problem]:
    out = []
    if item.valid_until is not None:
        left = (item.valid_until - today).days
        until = item.valid_until.isoformat()
        if left < 0:
            out.append(Problem(item.path, item.line("valid_until"),
                               f"valid_until {until} has passed: the figures in this answer may be out of "
                               "date; re-check them against the sources, then update valid_until and verified"))
        elif left <= EXPIRY_WARNING_DAYS:
            out.append(Problem(item.path, item.line("valid_until"),
                               f"valid_until {until} is in {left} day(s): re-check the figures before then",
                               "warning"))
    if item.verified is not None and item.verified > today:
        out.append(Problem(item.path, item.line("verified"),
                           f"verified {item.verified.isoformat()} is in the future: write the date "
                           "a person checked the facts (today or earlier)"))
    if item.review is not None:
        out.append(Problem(item.path, item.line("review"), f"review note: {one_line(item.review)}", "warning"))
    return out


def link_problems(item: Reviewed) -> list[Problem]:
    out = []
    for i, url in enumerate(item.sources):
        out += [Problem(item.path, item.doc.line(("sources", i)), msg, "warning") for msg in link_warnings(url)]
    for loc, text in item.texts:
        first = item.doc.text_line(loc)
        for offset, url in links_in_text(text):
            line = first + tg_html.line_of(text, offset)
            out += [Problem(item.path, line, msg, "warning") for msg in link_warnings(url)]
    return out


def review_problems(items: list[Reviewed], today: dt.date) -> list[Problem]:
    """Dates, review notes and links of every file, as problems for `hamroh content check`."""
    out: list[Problem] = []
    for item in items:
        out += date_problems(item, today) + link_problems(item)
    return out
