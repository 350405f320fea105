"""`hamroh ask` under arbitrary input: every line gets exactly one JSON answer or error, in
order, and never a crash (the real NLU and risk detector, in process)."""

from __future__ import annotations

import asyncio
import io
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bot.cli.ask import MAX_LINE_BYTES, answer_lines
from bot.content.loader import Content
from bot.content.store import ContentStore
from bot.engine.understand import Understander
from tests.bot.engine.real_nlu import ROOT, real_understander
from tests.fuzz.strategies import FUZZ, any_text, dump, json_values

_CONTENT: list[Content] = []


def content() -> Content:
    if not _CONTENT:
        store = ContentStore(ROOT / "content")
        store.reload()
        _CONTENT.append(store.content)
    return _CONTENT[0]


LANGS = st.one_of(st.sampled_from(["tg", "ru", "uz", None]), json_values)
questions = st.builds(lambda text, lang, extra: dump({"text": text, "lang": lang, **extra}),
                      any_text, LANGS, st.dictionaries(any_text, json_values, max_size=2))
deep = st.integers(1, 60_000).flatmap(lambda n: st.sampled_from([b"[" * n, b'{"text": ' + b"[" * n,
                                                                 b'{"a":' * n, b"[" * n + b"]" * n]))
huge = st.integers(MAX_LINE_BYTES - 20, MAX_LINE_BYTES + 40).map(lambda n: b'{"text": "' + b"a" * n + b'"}')
lines = st.one_of(st.binary(max_size=200), json_values.map(dump), questions, deep, huge,
                  st.sampled_from([b"", b"\r", b"\xef\xbb\xbf{}", b'{"text": 1e999}', b'{"text": "\\ud800"}']))


def run(payload: bytes, understander: Understander) -> list[dict[str, Any]]:
    async def collect() -> list[str]:
        return [a async for a in answer_lines(io.BytesIO(payload), understander, content())]
    return [json.loads(a) for a in asyncio.run(collect())]


@FUZZ
@given(st.lists(lines, min_size=1, max_size=6))
def test_every_line_gets_one_answer(batch: list[bytes]) -> None:
    payload = b"\n".join(batch) + b"\n"
    expected = len(io.BytesIO(payload).readlines())
    answers = run(payload, real_understander())
    assert len(answers) == expected
    for answer in answers:
        assert isinstance(answer, dict)
        if "error" in answer:
            assert isinstance(answer["error"], str) and not answer["error"].startswith("internal error")
        else:
            assert {"lang", "topic", "risk", "answer", "check"} <= set(answer)
