"""normalize(): every case in normalize_cases.yaml, plus properties."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from nlu.normalize import normalize, tokenize

_CASES = yaml.safe_load((Path(__file__).parent / "normalize_cases.yaml").read_text("utf-8"))
_FLAT = [pytest.param(src, want, id=f"{group}:{src!r}") for group, cases in _CASES.items() for src, want in cases]


@pytest.mark.parametrize(("src", "want"), _FLAT)
def test_case(src: str, want: str) -> None:
    assert normalize(src) == want


def test_tokenize_splits_the_canonical_form() -> None:
    assert tokenize("Иш  ҳақи, бермаяпти!") == ["ish", "haki", "bermayapti"]


@given(st.text(max_size=200))
def test_idempotent_and_clean(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert all(ch.isalnum() or ch == " " for ch in once)


def test_long_input_is_fine() -> None:
    assert normalize("салом " * 20_000).startswith("salom salom")
