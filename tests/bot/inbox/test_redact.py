"""Redaction before storage, case by case (redact_cases.yaml: ru, uz Latin and Cyrillic, tg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.inbox.redact import redact

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "redact_cases.yaml").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:40] for c in CASES])
def test_redaction(case: dict[str, Any]) -> None:
    out = redact(case["text"])
    for gone in case.get("gone", []):
        assert gone not in out, out
    for kept in case.get("kept", []):
        assert kept in out, out
    for has in case.get("has", []):
        assert has in out, out


def test_huge_and_binary_input_is_handled() -> None:
    assert redact("") == ""
    big = "патент " * 5000 + "+7 999 123 45 67"
    assert "<phone>" in redact(big)
    assert redact("\x00\x01 ок") == "\x00\x01 ок"
