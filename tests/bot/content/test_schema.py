"""The review fields of the schema (issue 12): `verified`, `valid_until`, `review`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from bot.content.schema import SafetyFile, TopicFile

TOPIC: dict[str, Any] = {"id": "docs_patent", "title": "Патент", "text": "Текст",
                         "sources": ["https://www.consultant.ru/document/cons_doc_LAW_37868/"]}
SAFETY: dict[str, Any] = {"countries": {"RU": {"name": "Россия", "text": "112"}}}


@pytest.mark.parametrize("model, base", [(TopicFile, TOPIC), (SafetyFile, SAFETY)])
def test_review_fields_are_optional(model: type[TopicFile] | type[SafetyFile], base: dict[str, Any]) -> None:
    parsed = model.model_validate(base)
    assert (parsed.verified, parsed.valid_until, parsed.review) == (None, None, None)


@pytest.mark.parametrize("model, base", [(TopicFile, TOPIC), (SafetyFile, SAFETY)])
def test_review_fields_are_read(model: type[TopicFile] | type[SafetyFile], base: dict[str, Any]) -> None:
    parsed = model.model_validate({**base, "verified": dt.date(2026, 11, 2), "valid_until": "2026-12-31",
                                   "review": "  confirm the consulate's phone\n"})
    assert parsed.verified == dt.date(2026, 11, 2)
    assert parsed.valid_until == dt.date(2026, 12, 31)
    assert parsed.review == "confirm the consulate's phone"


@pytest.mark.parametrize("review", ["", "   ", "\n"])
def test_a_blank_review_note_is_none(review: str) -> None:
    assert TopicFile.model_validate({**TOPIC, "review": review}).review is None


@pytest.mark.parametrize("field, value", [("valid_until", "next year"), ("valid_until", "2026-02-30"),
                                          ("verified", "yesterday"), ("review", ["a", "b"]), ("reviewed", "x")])
def test_bad_review_fields_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as exc:
        TopicFile.model_validate({**TOPIC, field: value})
    assert exc.value.errors()[0]["loc"] == (field,)
