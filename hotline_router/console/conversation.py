"""The case page's conversation and risk evidence, ready to show.

One list, oldest first (the page opens scrolled to the newest): the bot conversation before
the handoff, then the handoff itself. A bot answer is shown by its topic's title and opens on
a click. The evidence quotes the person's own words: a rule's `matched` is the normalised form
("zabral pasport"), so it is found again in the person's message word by word, and that
message is highlighted and linked from the evidence panel.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from hotline_router.console import labels
from hotline_router.console.attachments import Attachment
from hotline_router.console.i18n import tr
from hotline_router.models import Case, Message
from nlu.languages import content_folder, is_lang
from nlu.normalize import normalize
from nlu.yamlsafe import YamlError, load_file

_CHUNK = re.compile(r"\S+")
_TAG = re.compile(r"<[^>]+>")
_EDGE = re.compile(r"^\W+|\W+$")


@dataclass
class Item:
    anchor: str  # the element id: "t3" (before the handoff) or "m15"
    who: str  # person | bot | operator | notice
    at: dt.datetime | None
    text: str
    raw: str = ""  # a button's payload, for a tooltip
    media: str | None = None
    title: str = ""  # a bot answer: its topic's title
    author: str = ""  # an operator reply: who wrote it
    status: str = ""  # delivery of replies and notices
    error: str = ""
    file: Attachment | None = None
    before_handoff: bool = False
    danger: bool = False
    marks: list[tuple[int, int]] = field(default_factory=list)  # the person's words that matched

    def segments(self) -> list[tuple[str, bool]]:
        """The text in pieces, True for a piece the risk evidence quotes."""
        out, pos = [], 0
        for start, end in sorted(self.marks):
            if start < pos:
                continue
            out += [(self.text[pos:start], False), (self.text[start:end], True)]
            pos = end
        out.append((self.text[pos:], False))
        return [(text, marked) for text, marked in out if text]


@dataclass(frozen=True)
class EvidenceView:
    indicator: str
    quote: str  # the person's words (or the normalised form when they cannot be found)
    found: bool  # the quote is the person's own text
    anchor: str | None  # the message it comes from
    source: str  # rule | model | classifier
    rule_id: str
    probability: float | None = None
    note: str = ""
    counted: bool = True


def bot_text(text: str) -> str:
    """A bot answer as plain text, its paragraphs kept."""
    return html.unescape(_TAG.sub("", text)).strip()


def find_span(original: str, matched: str) -> tuple[int, int] | None:
    """Where the normalised words `matched` stand in `original` (first occurrence)."""
    target = normalize(matched).split()
    if not target:
        return None
    tokens: list[tuple[str, int, int]] = []
    for chunk in _CHUNK.finditer(original):
        word = chunk.group()
        lead = len(word) - len(_EDGE.sub("", word, count=1)) if _EDGE.match(word) else 0
        trimmed = _EDGE.sub("", word)
        start = chunk.start() + lead
        for piece in normalize(word).split():
            tokens.append((piece, start, start + len(trimmed)))
    n = len(target)
    for i in range(len(tokens) - n + 1):
        if [t[0] for t in tokens[i:i + n]] == target:
            return tokens[i][1], tokens[i + n - 1][2]
    return None


def _model_span(original: str, matched: str) -> tuple[int, int] | None:
    """The situation model's words ("бригадир, паспорт") as they stand in the message."""
    spans = [find_span(original, w) for w in matched.split(",") if w.strip()]
    found = [s for s in spans if s is not None]
    if not found or len(found) < len(spans):
        return None
    return min(s[0] for s in found), max(s[1] for s in found)


@lru_cache(maxsize=8)
def _titles(content_dir: Path, lang: str) -> dict[str, str]:
    if not is_lang(lang):
        return {}
    out: dict[str, str] = {}
    for path in sorted((content_dir / content_folder(lang) / "topics").glob("*.y*ml")):
        try:
            data = load_file(path).data
        except (OSError, YamlError):
            continue
        if isinstance(data, dict) and isinstance(data.get("title"), str):
            out[str(data.get("id") or path.stem)] = data["title"]
    return out


def topic_title(content_dir: Path, topic: str | None, locale: str) -> str:
    if not topic:
        return ""
    for lang in (locale, "ru"):
        title = _titles(content_dir, lang).get(topic)
        if title:
            return title
    return topic


def _at(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def build(case: Case, messages: Sequence[Message], names: Mapping[int, str],
          files: Mapping[int, Attachment], *, content_dir: Path, locale: str) -> list[Item]:
    items: list[Item] = []
    for i, t in enumerate(case.transcript or []):
        text = str(t.get("text") or "")
        if t.get("direction") == "in":
            r = labels.said(t.get("kind"), text)
            items.append(Item(f"t{i}", "person", _at(t.get("at")), r.text, r.raw, r.media_type,
                              before_handoff=True))
        else:
            items.append(Item(f"t{i}", "bot", _at(t.get("at")), bot_text(text),
                              title=topic_title(content_dir, t.get("topic"), locale),
                              before_handoff=True))
    for m in messages:
        if m.direction == "in":
            r = labels.said(m.kind, m.text)
            items.append(Item(f"m{m.id}", "person", m.at, r.text, r.raw, r.media_type,
                              file=files.get(m.id)))
        else:
            who = "operator" if m.direction == "out" else "notice"
            author = names.get(m.operator_id, tr("operator")) if m.operator_id else ""
            items.append(Item(f"m{m.id}", who, m.at, m.text, author=author, status=m.status,
                              error=m.error or ""))
    return items


def evidence(case: Case, items: Sequence[Item]) -> list[EvidenceView]:
    """The case's evidence in plain words; marks the message each one quotes."""
    said = [it for it in reversed(items) if it.who == "person" and not it.media and not it.raw]
    out: list[EvidenceView] = []
    for ev in case.evidence or []:
        if not isinstance(ev, dict):
            continue
        source, matched = str(ev.get("source") or "rule"), str(ev.get("matched") or "")
        quote, anchor = matched, None
        for item in said:
            span = (_model_span if source == "model" else find_span)(item.text, matched)
            if span is not None:
                item.danger, anchor = True, item.anchor
                item.marks.append(span)
                quote = item.text[span[0]:span[1]] if source != "model" else matched
                break
        prob = ev.get("probability")
        out.append(EvidenceView(
            indicator=str(ev.get("indicator") or ""), quote=quote,
            found=anchor is not None or source == "model", anchor=anchor, source=source,
            rule_id=str(ev.get("rule_id") or ev.get("rule") or ""),
            probability=float(prob) if isinstance(prob, int | float) else None,
            note=str(ev.get("note") or ""), counted=bool(ev.get("counted", True))))
    return out
