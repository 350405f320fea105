"""Hypothesis strategies shared by the fuzz suite: JSON of every shape, YAML-ish text."""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

# Bounded so the whole suite runs in well under a minute on two shared cores; a longer hunt:
# HAMROH_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/fuzz
FUZZ = settings(max_examples=int(os.environ.get("HAMROH_FUZZ_EXAMPLES", "60")), deadline=None, database=None)

# Text with everything a person (or an attacker) may send: any plane, controls, lone surrogates.
surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])
any_text = st.text(st.one_of(st.characters(), surrogates), max_size=60)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), any_text)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)),
    max_leaves=12)


def dump(value: Any) -> bytes:
    """JSON as `hamroh ask` receives it (ASCII escapes keep lone surrogates representable)."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()
