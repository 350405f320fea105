"""`hamroh ask`: the batch interface used for evaluation.

JSON Lines in, JSON Lines out, one answer per input line and in order. Each line is answered
without conversation memory. A bad line gets `{"error": ...}` and the run goes on.

`risk` is the message's own level; `"check": true` says the chat would follow the answer with
the check question ("are you in danger right now?") because the message was rated elevated.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from bot.content.html import plain_text
from bot.content.loader import Content
from bot.engine.checks import check_kind
from bot.engine.understand import OUT_OF_SCOPE, Understander, Understanding, danger_topic, has_words
from nlu.languages import is_lang


def _is_chat(content: Content, topic: str) -> bool:
    meta = content.catalogue.get(topic)
    return topic == OUT_OF_SCOPE or (meta is not None and meta.area == "chat")


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
    if not isinstance(obj, dict):
        return None, "line must be a JSON object with a \"text\" field"
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return None, "\"text\" is missing or empty"
    lang = obj.get("lang")
    if lang is not None and not is_lang(lang):
        return None, f"unknown language {lang!r}: use \"tg\", \"ru\", \"uz\" or null"
    return text, lang


async def answer_lines(lines: Iterable[bytes], understander: Understander,
                       content: Content) -> AsyncIterator[str]:
    for raw in lines:
        if not raw.strip():
            yield json.dumps({"error": "empty line: expected a JSON object"})
            continue
        text, lang = _parse_line(raw.rstrip(b"\r\n"))
        if text is None:
            yield json.dumps({"error": lang}, ensure_ascii=False)
            continue
        u = await understander.understand(text, lang_hint=lang if is_lang(lang) else None)
        if not has_words(u.text):
            result: dict[str, Any] = {"lang": u.lang, "topic": OUT_OF_SCOPE, "confidence": 0.0,
                                      "alternatives": [], "risk": "none", "indicators": [], "evidence": [],
                                      "handoff": False, "check": False, "answer": ""}
        else:
            risk = u.risk.to_dict()
            topic = u.decision.topic
            if str(u.risk.level) == "high" and _is_chat(content, topic):
                # The same choice as the engine: a danger report is never answered as small talk.
                topic = danger_topic(u.risk.indicators) or topic
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
        yield json.dumps(result, ensure_ascii=False)
