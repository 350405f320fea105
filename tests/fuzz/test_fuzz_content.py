"""Content YAML under arbitrary input: the checker returns problems with file:line, never an
exception (topic files, the catalogue, risk rules, routing), whatever the text."""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.content.checker import check_content
from hotline_router.routing import check_routing
from nlu.problems import Problem
from nlu.risk.rules import load_rules
from tests.fuzz.strategies import FUZZ

TODAY = dt.date(2026, 12, 1)
FIELDS = ["id", "title", "text", "buttons", "sources", "verified", "titel", "<<"]
WORDS = ["greet", "docs_patent", "<b>x", "<a href='x'>", "https://e.org/", "8 495 123-45-67"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.dates(), st.text(max_size=40),
                    st.sampled_from(WORDS))
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=10)
topic_docs = st.dictionaries(st.sampled_from(FIELDS), values, max_size=7).map(
    lambda d: yaml.safe_dump(d, allow_unicode=True, default_flow_style=None))
# YAML-looking fragments glued together: indentation, anchors, aliases, tags, flow, blocks.
pieces = st.sampled_from(["id: greet\n", "title: ", "text: |\n", "  line\n", "- ", "&a ", "*a ", "!!binary ", "!!str ",
                          "{", "}", "[", "]", ", ", ": ", "? ", "---\n", "<<: *a\n", "\t", "'", '"', "#", "\n", "  "])
yamlish = st.lists(st.one_of(pieces, st.text(max_size=8)), max_size=40).map("".join)
texts = st.one_of(st.text(max_size=300), yamlish, topic_docs)

_TREE: list[Path] = []


def tree() -> Path:
    """One small valid content tree, reused: each example overwrites a few files."""
    if not _TREE:
        from tests.bot.content.test_checker import write_tree  # type: ignore[import-not-found]

        _TREE.append(write_tree(Path(tempfile.mkdtemp(prefix="fuzz-content-")) / "content"))
    return _TREE[0]


def well_formed(problems: list[Problem]) -> None:
    for p in problems:
        assert isinstance(p.path, Path) and isinstance(p.line, int) and p.line >= 0 and p.message
        assert f"{p.path}:{p.line}: {p.severity}: " in str(p)


@FUZZ
@given(texts, texts, st.booleans())
def test_content_check_never_raises(topic: str, catalogue: str, binary: bool) -> None:
    root = tree()
    original = (root / "topics.yaml").read_text(encoding="utf-8")
    target = root / "ru/topics/greet.yaml"
    try:
        if binary:
            target.write_bytes(topic.encode("utf-8", "surrogateescape")[:50] + b"\xff\xfe")
        else:
            target.write_text(topic, encoding="utf-8", errors="surrogatepass")
        (root / "topics.yaml").write_text(catalogue if len(catalogue) % 3 == 0 else original, encoding="utf-8",
                                          errors="surrogatepass")
        _, problems = check_content(root, today=TODAY, include_nlu=False)
        well_formed(problems)
    finally:
        (root / "topics.yaml").write_text(original, encoding="utf-8")


@FUZZ
@given(texts)
def test_risk_rules_and_routing_never_raise(text: str) -> None:
    root = tree()
    path = root / "ru/risk/rules.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _, problems = load_rules(path, "ru", itertools.count())
    well_formed(problems)
    routing = root / "hotline/routing.yaml"
    routing.parent.mkdir(parents=True, exist_ok=True)
    routing.write_text(text, encoding="utf-8", errors="surrogatepass")
    well_formed(check_routing(routing))
