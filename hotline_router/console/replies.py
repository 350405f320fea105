"""Ready replies: texts editors keep per language in content/hotline/replies/<lang>.yaml.

An operator inserts one with a click or by typing `/` and its shortcut in the reply box. The
texts are in the person's language. Placeholders are filled when the case page is shown:
`{operator}` (the operator's name), `{hotline_numbers}` (the phones of the case's team, with
their labels in the person's language) and `{emergency_numbers}` (of the person's country).
`hamroh content check` runs `check_replies` (the format is in content/hotline/README.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlu.languages import LANGS
from nlu.problems import Problem
from nlu.yamlsafe import YamlError, load_file

PLACEHOLDERS = ("operator", "hotline_numbers", "emergency_numbers")
MAX_TEXT = 3500  # room for the numbers within the console's 4,000 characters
_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,23}$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class ReadyReply:
    shortcut: str
    title: str
    text: str

    def fill(self, values: dict[str, str]) -> str:
        return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), self.text)


def _parse(path: Path) -> tuple[list[ReadyReply], list[Problem]]:
    try:
        doc = load_file(path)
    except FileNotFoundError:
        return [], [Problem(path, 1, "no ready replies for this language", "warning")]
    except YamlError as exc:
        return [], [Problem(path, exc.line, exc.message)]
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("replies"), list):
        return [], [Problem(path, 1, "the file must be a mapping with a list `replies:`")]
    replies, problems, seen = [], [], set()
    for i, entry in enumerate(data["replies"]):
        line = doc.line(("replies", i))
        if not isinstance(entry, dict):
            problems.append(Problem(path, line, "a reply is a mapping: shortcut, title, text"))
            continue
        unknown = sorted(set(entry) - {"shortcut", "title", "text"})
        if unknown:
            problems.append(Problem(path, line, f"unknown keys {unknown}: use shortcut, title, text"))
        shortcut, title, text = (str(entry.get(k) or "").strip() for k in ("shortcut", "title", "text"))
        if not _SHORTCUT.match(shortcut):
            problems.append(Problem(path, line, f"shortcut {shortcut!r}: lower-case letters, digits, "
                                                "- and _ (at most 24), typed after /"))
        elif shortcut in seen:
            problems.append(Problem(path, line, f"shortcut {shortcut!r} is used twice"))
        if not title:
            problems.append(Problem(path, line, "the reply needs a title (shown in the list)"))
        if not text:
            problems.append(Problem(path, line, "the reply needs a text"))
        elif len(text) > MAX_TEXT:
            problems.append(Problem(path, line, f"the text has {len(text)} characters: at most {MAX_TEXT}"))
        bad = [p for p in _PLACEHOLDER.findall(text) if p not in PLACEHOLDERS]
        if bad:
            problems.append(Problem(path, doc.text_line(("replies", i, "text")),
                                    f"unknown placeholder(s) {bad}: use {{{'}, {'.join(PLACEHOLDERS)}}}"))
        if text.count("{") != text.count("}"):
            problems.append(Problem(path, doc.text_line(("replies", i, "text")),
                                    "a { without its } (placeholders look like {operator})"))
        seen.add(shortcut)
        if shortcut and title and text:
            replies.append(ReadyReply(shortcut, title, text))
    return replies, problems


def check_replies(folder: Path) -> list[Problem]:
    """Every problem of the ready replies, for `hamroh content check`."""
    if not folder.is_dir():
        return []
    problems: list[Problem] = []
    shortcuts: dict[str, set[str]] = {}
    for lang in LANGS:
        replies, found = _parse(folder / f"{lang}.yaml")
        problems += found
        shortcuts[lang] = {r.shortcut for r in replies}
    every = set().union(*shortcuts.values())
    for lang in LANGS:
        for missing in sorted(every - shortcuts[lang]):
            problems.append(Problem(folder / f"{lang}.yaml", 1,
                                    f"ready reply /{missing} exists in another language but not here",
                                    "warning"))
    return problems


@lru_cache(maxsize=16)
def _load(path: Path, mtime: float) -> tuple[ReadyReply, ...]:
    del mtime  # part of the cache key: an edited file is read again
    return tuple(_parse(path)[0])


def load(folder: Path, lang: str) -> tuple[ReadyReply, ...]:
    """The replies of one language; none when the file is missing or broken."""
    path = folder / f"{lang}.yaml"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return ()
    return _load(path, mtime)
