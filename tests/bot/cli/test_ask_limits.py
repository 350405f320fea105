"""`hamroh ask` never stops at a bad line (issue 10): long lines are read in chunks and
dropped, deep JSON is a per-line error, and every line gets one answer, in order."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from bot.cli.ask import MAX_LINE_BYTES, LongLine, answer_lines, read_lines
from bot.content.loader import Content
from bot.content.store import ContentStore
from tests.bot.telegram.scripted import scripted_understander

ROOT = Path(__file__).resolve().parents[3]


class Endless(io.RawIOBase):
    """`size` bytes of one line without ever holding them, then `tail`."""

    def __init__(self, size: int, tail: bytes) -> None:
        self.left, self.tail = size, tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if self.left > 0:
            n = min(len(view), self.left)
            view[:n] = b"a" * n
            self.left -= n
            return n
        n = min(len(view), len(self.tail))
        view[:n], self.tail = self.tail[:n], self.tail[n:]
        return n


def test_a_long_line_is_read_in_chunks_and_dropped() -> None:
    stream = io.BufferedReader(Endless(30_000_000, b'\n{"text": "hi"}\n'))
    tracemalloc.start()
    lines = list(read_lines(stream))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert lines == [LongLine(30_000_000), b'{"text": "hi"}\n']
    assert peak < 2_000_000


def test_line_length_edges() -> None:
    exact = b"x" * MAX_LINE_BYTES
    lines = list(read_lines(io.BytesIO(exact + b"\n" + exact + b"y\n" + exact + b"yz")))
    assert lines == [exact + b"\n", LongLine(MAX_LINE_BYTES + 1), LongLine(MAX_LINE_BYTES + 2)]


@pytest.fixture(scope="module")
def content() -> Content:
    store = ContentStore(ROOT / "content")
    store.reload()
    return store.content


BAD = [
    (b"[" * 60_000, "nested too deeply"),
    (b'{"text": ' + b"[" * 5000 + b"}", "nested too deeply"),
    (b"x" * (MAX_LINE_BYTES + 10), "line too long"),
    (b"\xff\xfe\x00", "not valid UTF-8"),
    (b'{"text": "' + b"1" * 10 + b'", "lang": [[[]]]}', "unknown language of type list"),
    (b'{"text": 1' + b"0" * 5000 + b"}", "Exceeds the limit (4300 digits)"),
    (b'{"text": "a", "n": 1' + b"0" * 5000 + b"}", "not valid JSON"),
    (b"\xef\xbb\xbf{}", "not valid JSON"),
    (b"   ", "empty line"),
]


async def test_every_line_gets_one_answer_in_order(content: Content) -> None:
    good = json.dumps({"text": "как получить патент", "lang": "ru"}, ensure_ascii=False).encode()
    surrogate = b'{"text": "\\ud800 patent \\udfff", "lang": null}'
    raw = [good, *(line for line, _ in BAD), surrogate, good]
    stream = io.BytesIO(b"\n".join(raw) + b"\n")
    out = [json.loads(a) async for a in answer_lines(stream, scripted_understander(), content)]
    assert len(out) == len(raw)
    assert "error" not in out[0] and out[0] == out[-1]
    for answer, (_, words) in zip(out[1:], BAD, strict=False):
        assert words in answer["error"]
    assert "error" not in out[-2] and out[-2]["lang"]


def test_the_command_goes_on_after_hostile_lines(tmp_path: Path) -> None:
    good = json.dumps({"text": "как получить патент", "lang": "ru"}, ensure_ascii=False).encode()
    payload = b"\n".join([good, b"[" * 100_000, b'{"text": "' + b"a" * 2_000_000 + b'"}',
                          b'{"text": "\\udc80\\ud800"}', b"\x80\x81", good]) + b"\n"
    env = {**os.environ, "HAMROH_LOG_LEVEL": "WARNING"}
    proc = subprocess.run([sys.executable, "-m", "bot.cli.main", "ask"], input=payload, capture_output=True,
                          cwd=ROOT, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    assert b"Traceback" not in proc.stderr
    answers = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(answers) == 6
    assert [("error" in a) for a in answers] == [False, True, True, False, True, False]
    assert answers[2]["error"].startswith("line too long: 2000012 bytes")
