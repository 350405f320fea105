"""`hamroh ask`: the batch interface used for evaluation.

JSON Lines in, JSON Lines out, one answer per input line and in order. Each line is answered
without conversation memory. A bad line gets `{"error": ...}` and the run goes on: bytes that
are not UTF-8, JSON that is not an object or nested too deeply, and a line longer than
`MAX_LINE_BYTES` (read in chunks and thrown away, never held in memory whole).

`risk` is the message's own level; `"check": true` says the chat would follow the answer with
the check question ("are you in danger right now?") because the message was rated elevated.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

import structlog

from bot.content.html import plain_text
from bot.content.loader import Content
from bot.engine.checks import check_kind
from bot.engine.understand import OUT_OF_SCOPE, Understander, Understanding, answer_topic, has_words
from nlu.languages import is_lang

log = structlog.get_logger(__name__)

MAX_LINE_BYTES = 64 * 1024  # one question is a few hundred characters; the engine keeps 4096
_CHUNK = 64 * 1024
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class LongLine:
    """A line over the limit: only its length is kept."""

    size: int


def read_lines(stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[bytes | LongLine]:
    """The lines of a binary stream; a line over `max_bytes` is read in chunks and dropped."""
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        if len(line) <= max_bytes or line.endswith(b"\n"):
            yield line
            continue
        size = len(line)
        while not line.endswith(b"\n"):
            line = stream.readline(_CHUNK)
            if not line:
                break
            size += len(line)
        yield LongLine(size - 1 if line.endswith(b"\n") else size)


def _dump(obj: dict[str, Any]) -> str:
    out = json.dumps(obj, ensure_ascii=False)
    try:
        out.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate somewhere: plain ASCII escapes always print
        out = json.dumps(obj)
    return out


def _answer_text(content: Content, u: Understanding, topic: str) -> str:
    """What the person would read: safety first when in danger, then the answer (a guess that
    is not confident enough gets the out-of-scope reply, as in the chat)."""
    parts = []
    if u.risk.level == "high" and (safety := content.safety.get(u.lang)) is not None:
        parts.append(safety.countries[safety.default].text)
    answered = topic if u.decision.kind == "match" or topic != u.decision.topic else OUT_OF_SCOPE
    if not (parts and answered == OUT_OF_SCOPE):  # for a report nothing fits, safety is the answer
        answer = content.answer(u.lang, answered) or content.answer(u.lang, OUT_OF_SCOPE)
        if answer is not None:
            parts.append(answer.text)
    return plain_text("\n\n".join(parts))


def _parse_line(raw: bytes) -> tuple[str, Any] | tuple[None, str]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "line is not valid UTF-8"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"line is not valid JSON: {exc.msg}"
    except RecursionError:
        return None, "line is not valid JSON: nested too deeply"
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        return None, f"line is not valid JSON: {str(exc).split(';')[0]}"
    if not isinstance(obj, dict):
        return None, "line must be a JSON object with a \"text\" field"
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return None, "\"text\" is missing or empty"
    lang = obj.get("lang")
    if lang is not None and not is_lang(lang):
        shown = repr(lang) if isinstance(lang, str) and len(lang) <= 20 else f"of type {type(lang).__name__}"
        return None, f"unknown language {shown}: use \"tg\", \"ru\", \"uz\" or null"
    # JSON may carry lone surrogates ("\\ud800"): not text, and not printable as UTF-8.
    return _SURROGATE.sub("\ufffd", text), lang


async def answer_lines(lines: Iterable[bytes | LongLine] | BinaryIO, understander: Understander,
                       content: Content) -> AsyncIterator[str]:
    """One JSON line per input line, in order; a binary stream is read with `read_lines`."""
    if hasattr(lines, "readline"):
        source: Iterable[bytes | LongLine] = read_lines(cast(BinaryIO, lines))
    else:
        source = cast(Iterable[bytes | LongLine], lines)
    for raw in source:
        if isinstance(raw, LongLine) or len(raw) > MAX_LINE_BYTES + 2:
            size = raw.size if isinstance(raw, LongLine) else len(raw)
            yield _dump({"error": f"line too long: {size} bytes, at most {MAX_LINE_BYTES} allowed"})
            continue
        if not raw.strip():
            yield _dump({"error": "empty line: expected a JSON object"})
            continue
        text, lang = _parse_line(raw.rstrip(b"\r\n"))
        if text is None:
            yield _dump({"error": lang})
            continue
        try:
            yield _dump(await _answer(text, lang, understander, content))
        except Exception as exc:  # one line must never stop the run
            log.exception("ask.line_failed")
            yield _dump({"error": f"internal error: {type(exc).__name__}"})


async def _answer(text: str, lang: Any, understander: Understander, content: Content) -> dict[str, Any]:
    u = await understander.understand(text, lang_hint=lang if is_lang(lang) else None)
    if not has_words(u.text):
        result: dict[str, Any] = {"lang": u.lang, "topic": OUT_OF_SCOPE, "confidence": 0.0,
                                  "alternatives": [], "risk": "none", "indicators": [], "evidence": [],
                                  "handoff": False, "check": False, "answer": ""}
    else:
        risk = u.risk.to_dict()
        # The same choice as the engine: a danger report gets the answer about the danger.
        topic = answer_topic(u.decision.topic, str(u.risk.level), [str(i) for i in u.risk.indicators],
                             content.catalogue)
        result = {
            "lang": u.lang,
            "topic": topic,
            "confidence": round(u.decision.confidence, 4),
            "alternatives": [[t, round(c, 4)] for t, c in u.parse.ranking[1:4]],
            "risk": str(u.risk.level),
            "indicators": list(u.risk.indicators),
            "evidence": risk.get("evidence", []),
            "handoff": str(u.risk.level) == "high",
            # The chat would ask "are you in danger right now?" after the answer (elevated).
            "check": check_kind(str(u.risk.level), [str(i) for i in u.risk.indicators]) is not None,
            "answer": _answer_text(content, u, topic),
        }
        if u.truncated:
            result["note"] = "text was truncated"
    return result
