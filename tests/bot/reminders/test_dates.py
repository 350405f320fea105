"""Typed dates in Russian, Tajik and Uzbek (dates.yaml), and the month arithmetic of patents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.reminders.dates import DateError, month_of, parse_date

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "dates.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[f"{c['text']!r}@{c['today']}" for c in CASES])
def test_typed_dates(case: dict[str, Any]) -> None:
    direction = case.get("direction", "future")
    if "error" in case:
        with pytest.raises(DateError) as caught:
            parse_date(case["text"], today=case["today"], direction=direction)
        assert caught.value.reason == case["error"]
    else:
        assert parse_date(case["text"], today=case["today"], direction=direction).date == case["date"]


def test_huge_and_binary_input_is_refused_quickly() -> None:
    for text in ("5" * 10_000, "марта " * 2000, "\udcff\x00" * 50):
        with pytest.raises(DateError):
            parse_date(text, today=dt.date(2027, 1, 1))


@pytest.mark.parametrize("word,month", [("yanvarya", 1), ("fevralya", 2), ("maya", 5), ("may", 5), ("iyunya", 6),
                                        ("iyul", 7), ("avgusta", 8), ("oktyabr", 10), ("noyabrya", 11),
                                        ("dekabr", 12), ("marta", 3), ("aprel", 4)])
def test_month_words(word: str, month: int) -> None:
    assert month_of(word) == month


def test_words_that_are_not_months() -> None:
    for word in ("patent", "oplata", "salom", "kogda"):
        assert month_of(word) is None
