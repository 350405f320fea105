"""`hamroh ask`: one JSON answer per input line, in order; bad lines get an error and the run goes on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

GOOD = [
    {"text": "Как получить патент?", "lang": "ru"},
    {"text": "Хозяин забрал мой паспорт и не отдаёт", "lang": None},
    {"text": "patentni qanday olsam boʻladi", "lang": "uz"},
    {"text": "чи тавр патент гирам", "lang": None},
]


def run_ask(payload: bytes) -> list[dict[str, object]]:
    env = {**os.environ, "HAMROH_LOG_LEVEL": "WARNING"}
    proc = subprocess.run([sys.executable, "-m", "bot.cli.main", "ask"], input=payload, capture_output=True,
                          cwd=ROOT, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return [json.loads(line) for line in proc.stdout.decode().splitlines()]


@pytest.fixture(scope="module")
def answers() -> list[dict[str, object]]:
    lines = [json.dumps(o, ensure_ascii=False).encode() for o in GOOD]
    bad = [b"{not json", b"\xff\xfe\x00garbage", b'{"text": ""}', b'{"text": "   "}', b'{"lang": "ru"}',
           b'{"text": "salom", "lang": "en"}', b'["text"]', b""]
    return run_ask(b"\n".join(lines + bad + lines[:1]) + b"\n")


def test_one_answer_per_line_in_order(answers: list[dict[str, object]]) -> None:
    assert len(answers) == len(GOOD) + 8 + 1
    assert answers[0]["topic"] == answers[-1]["topic"]  # no memory between lines


def test_good_line_has_every_field(answers: list[dict[str, object]]) -> None:
    first = answers[0]
    assert set(first) >= {"lang", "topic", "confidence", "alternatives", "risk", "indicators", "handoff", "answer"}
    assert first["lang"] == "ru" and first["topic"] == "docs_patent" and first["risk"] == "none"
    assert isinstance(first["answer"], str) and first["answer"]


def test_high_risk_line(answers: list[dict[str, object]]) -> None:
    second = answers[1]
    assert second["lang"] == "ru"
    assert second["risk"] == "high" and second["handoff"] is True
    assert "retention_of_documents" in second["indicators"]  # type: ignore[operator]


def test_detected_languages(answers: list[dict[str, object]]) -> None:
    assert answers[2]["lang"] == "uz" and answers[2]["topic"] == "docs_patent"
    assert answers[3]["lang"] == "tg" and answers[3]["topic"] == "docs_patent"


@pytest.mark.parametrize("index,needle", [(4, "not valid JSON"), (5, "not valid UTF-8"), (6, "missing or empty"),
                                          (7, "missing or empty"), (8, "missing or empty"),
                                          (9, "unknown language"), (10, "JSON object"), (11, "empty line")])
def test_bad_lines_get_errors(answers: list[dict[str, object]], index: int, needle: str) -> None:
    assert set(answers[index]) == {"error"}
    assert needle in str(answers[index]["error"])
