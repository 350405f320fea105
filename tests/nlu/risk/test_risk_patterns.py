"""Pattern syntax and the term index: stems, endings, gaps, numbers and negation."""

from __future__ import annotations

import pytest

from nlu.normalize import tokenize
from nlu.risk.patterns import (
    Negation,
    PatternError,
    TermIndex,
    WordPat,
    compile_pattern,
    make_term,
)


def _find(pattern: str, text: str, negation: Negation | None = None) -> list[tuple[int, int, bool]]:
    index = TermIndex()
    index.add(make_term(0, pattern, negation))
    return [(o.start, o.end, o.negated) for o in index.find(tokenize(text))]


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        ("паспорт*", "мой паспортом", [(1, 2, False)]),
        ("паспорт", "паспорта", []),
        ("*madi", "olmadi", [(0, 1, False)]),
        ("*madi", "madi", []),  # a suffix needs something before it
        ("*ma*", "bermayapti", [(0, 1, False)]),
        ("по # часов", "по 16 часов", [(0, 3, False)]),
        ("закрыли * ключ", "закрыли на ключ", [(0, 3, False)]),
        ("как ... защитить*", "как защитить", [(0, 2, False)]),
        ("как ... защитить*", "как мне себя защитить", [(0, 4, False)]),
        ("как ... защитить*", "как a b c d e f защитить", []),  # more than five words between
        ("шиноснома*", "ШИНОСНОМААМРО", [(0, 1, False)]),
        ("шиноснома*", "shinosnomamro", [(0, 1, False)]),  # Latin Tajik meets Cyrillic
        ("olib qo'y*", "олиб қўйди", [(0, 2, False)]),  # Uzbek Cyrillic meets Latin
        ("olib qo'y*", "olib qoʻydi", [(0, 2, False)]),
    ],
)
def test_matching(pattern: str, text: str, found: list[tuple[int, int, bool]]) -> None:
    assert _find(pattern, text) == found


def test_negation_before_after_and_forms() -> None:
    neg = Negation(before=(WordPat("exact", "ne"),), after=(WordPat("exact", "yok"),),
                   forms=(WordPat("infix", "madi"),), window=1)
    assert _find("забрал*", "паспорт не забрали", neg) == [(2, 3, True)]
    assert _find("забрал*", "паспорт забрали", neg) == [(1, 2, False)]
    assert _find("не отда*", "не отдаёт паспорт", neg) == [(0, 2, False)]  # "не" is the pattern's
    assert _find("olgan*", "olgani yo'q", neg) == [(0, 1, True)]
    assert _find("olib qo'y*", "olib qo'yishmadi", neg) == [(0, 2, True)]
    # The negative ending belongs to the pattern itself: "won't give back" is a finding.
    assert _find("berma*", "bermayapti", neg) == [(0, 1, False)]
    assert _find("забрал*", "паспорт не забрали", None) == [(2, 3, False)]


@pytest.mark.parametrize("bad", ["", "   ", "!!!", "* x", "x *", "... x", "*a-b*", "ur*di"])
def test_bad_patterns(bad: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(bad)


def test_suffix_of_cyrillic_is_not_read_as_word_start() -> None:
    # normalize() writes a word-initial "е" as "ye"; inside a word it is "e".
    assert compile_pattern("*ет") == (WordPat("suffix", "et"),)


def test_negation_stays_in_its_clause() -> None:
    index = TermIndex()
    index.add(make_term(0, "паспорт у меня", Negation(before=compile_pattern("нет"))))
    toks = ["net", "pasport", "u", "menya"]
    assert [o.negated for o in index.find(toks)] == [True]
    # "Нет, паспорт у меня": the "нет" answers the question, it does not negate the words.
    assert [o.negated for o in index.find(toks, [0, 1, 1, 1])] == [False]
