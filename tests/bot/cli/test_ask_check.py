"""`hamroh ask` says when the chat would ask the check question ("check": true for a message
rated elevated, and any hint of self-harm); `risk` stays the message's own level. Real NLU and detector, in process."""

from __future__ import annotations

import json
from pathlib import Path

from bot.cli.ask import answer_lines
from bot.content.store import ContentStore
from tests.bot.engine.real_nlu import ELEVATED, LOCKED_IN_AND_BEATEN, SELF_HARM_HINTS, rated, real_understander


async def test_check_is_true_for_elevated_only(content_dir: Path) -> None:
    understander = real_understander()
    store = ContentStore(content_dir)
    store.reload()
    texts = [await rated(understander, ELEVATED, "elevated"),
             await rated(understander, SELF_HARM_HINTS, ("elevated", "high"), "self_harm"),
             await rated(understander, LOCKED_IN_AND_BEATEN, "high"), "как получить патент", "😀"]
    lines = [json.dumps({"text": t, "lang": "ru"}, ensure_ascii=False).encode() for t in texts]
    answers = [json.loads(a) async for a in answer_lines(lines, understander, store.content)]
    assert [a["check"] for a in answers] == [True, True, False, False, False]
    assert [a["risk"] for a in answers][:1] + [a["risk"] for a in answers][2:] == ["elevated", "high", "none", "none"]
    assert answers[1]["risk"] in ("elevated", "high")  # self-harm: asked directly at either level
    assert [a["handoff"] for a in answers] == [False, answers[1]["risk"] == "high", True, False, False]
