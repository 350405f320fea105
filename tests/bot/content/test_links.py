"""Dead-looking and home-page-only links (bot/content/links.py), from link_cases.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.content.links import link_warnings, links_in_text

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "link_cases.yaml").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["url"] for c in CASES])
def test_link_warnings(case: dict[str, Any]) -> None:
    got = link_warnings(case["url"])
    assert len(got) == len(case["want"]), got
    for message, words in zip(got, case["want"], strict=True):
        assert words in message
        assert message.startswith("link ")


def test_links_in_text_finds_hrefs_and_bare_urls_with_their_offsets() -> None:
    text = ("<b>Проверка</b>: <a href=\"https://a.ru/check?x=1&amp;y=2\">здесь</a>\n"
            "или https://b.ru/page. Звоните <a href='tel:+74951234567'>нам</a>")
    found = list(links_in_text(text))
    assert [url for _, url in found] == ["https://a.ru/check?x=1&y=2", "https://b.ru/page"]
    assert [text[offset:offset + 4] for offset, _ in found] == ["href", "http"]


def test_a_long_text_is_scanned_quickly() -> None:
    text = "<a href=\"" + "x" * 200_000 + " https://" + "a" * 200_000
    assert list(links_in_text(text)) == [(200_010, "https://" + "a" * 200_000)]


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(st.text(max_size=80), st.from_regex(r"https?://[^/]{0,20}/?.{0,30}", fullmatch=True)))
def test_any_link_gets_sentences_not_exceptions(url: str) -> None:
    assert all(isinstance(m, str) and m.startswith("link ") for m in link_warnings(url))
    assert all(isinstance(offset, int) for offset, _ in links_in_text(url))
