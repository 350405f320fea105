"""The one YAML loader (nlu/yamlsafe.py): hostile files are refused fast, with file:line, and
every caller (content, risk rules, routing, training data) reports them as problems."""

from __future__ import annotations

import itertools
import time
import tracemalloc
from pathlib import Path

import pytest

from hotline_router.routing import check_routing
from nlu.risk.rules import load_rules
from nlu.training_data import load_training_data
from nlu.yamlsafe import DEFAULT_LIMITS, NO_ALIASES, Limits, YamlError, load_file, load_text

# "Billion laughs": 9 levels of 9 aliases, a few hundred bytes, 9**9 values written out.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in itertools.pairwise("abcdefghi"))
HERE = Path("f.yaml")


def refused(text: str, limits: Limits = DEFAULT_LIMITS) -> YamlError:
    with pytest.raises(YamlError) as info:
        load_text(text, HERE, limits)
    return info.value


def file_refused(path: Path) -> YamlError:
    with pytest.raises(YamlError) as info:
        load_file(path)
    return info.value


def test_alias_bomb_is_refused_fast_with_the_line_of_the_alias_over_budget() -> None:
    assert len(BOMB.encode()) < 400
    tracemalloc.start()
    started = time.perf_counter()
    error = refused(BOMB)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 10.0 and peak < 5_000_000  # expanded, the bomb takes minutes and gigabytes
    # e: [*d, ...] is the first list whose aliases take it over 25 000 values written out.
    assert error.line == 5 and "alias *d" in error.message and "more than 25000 values" in error.message
    assert str(error).startswith("f.yaml:5: ")


def test_alias_count_budget_and_no_aliases() -> None:
    many = "a: &a 1\nb:\n" + "".join("  - *a\n" for _ in range(101))
    error = refused(many)
    assert error.line == 103 and "100 aliases" in error.message
    assert load_text("a: &a 1\nb: [*a, *a]\n", HERE).data == {"a": 1, "b": [1, 1]}
    assert "not allowed in this file" in refused("a: &a 1\nb: *a\n", NO_ALIASES).message


@pytest.mark.parametrize(("text", "line", "words"), [
    ("a: &a [1, *a]\n", 1, "refers to the value that contains it"),
    ("[" * 100_000, 1, "nest"),
    ("".join(" " * i + "- \n" for i in range(80)), 51, "more than 50 levels"),
    ("a: *nowhere\n", 1, "undefined alias"),
    ("a: &x 1\nb: &x 2\n", 2, "duplicate anchor"),
    ("ok: 1\nb: \x01\n", 2, "U+0001"),
    ("v: 2025-13-45\n", 1, "is not a valid value"),
    ("v: " + "1" * 5000 + "\n", 1, "is not a valid value"),
    ("v: !!python/name:os.system\n", 1, "is not a valid value"),
    ("a: 1\n---\nb: 2\n", 2, "YAML syntax"),
    ("b:\n  <<: [1]\n", 2, "merges mappings only"),
])
def test_refusals_have_a_line(text: str, line: int, words: str) -> None:
    error = refused(text)
    assert error.line == line and words in error.message


def test_file_level_refusals(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * 3_000_000)
    assert "larger than" in file_refused(big).message
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(b"a: 1\nb: \xe9\n")
    error = file_refused(latin1)
    assert (error.line, error.message) == (2, "file is not UTF-8 text")
    nul = tmp_path / "nul.yaml"
    nul.write_bytes(b"a: 1\n\nb: \x00\n")
    assert file_refused(nul).line == 3
    with pytest.raises(FileNotFoundError):
        load_file(tmp_path / "missing.yaml")
    assert "cannot read" in file_refused(tmp_path).message


def test_lines_merge_keys_and_text_scalars() -> None:
    doc = load_text("base: &b {x: 1, y: 2}\nteam:\n  y: 3\n  <<: *b\ntext: |\n  hello\n", HERE)
    assert doc.data["team"] == {"y": 3, "x": 1}
    assert doc.line(("team", "x")) == 4 and doc.line(("team", "y")) == 3
    assert doc.line(("text",)) == 5 and doc.text_line(("text",)) == 6
    assert load_text("a: [yes, 12, null]\n", HERE, text_scalars=True).data == {"a": ["True", "12", None]}
    # A tag on a list or mapping constructs nothing: the values are read as plain data.
    assert load_text("v: !!python/object/apply:os.system [ls]\n", HERE).data == {"v": ["ls"]}


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_every_caller_reports_the_bomb_as_a_problem(tmp_path: Path) -> None:
    routing = check_routing(_write(tmp_path, "hotline/routing.yaml", BOMB))
    assert [(p.line, p.is_error) for p in routing] == [(5, True)]
    _, rules = load_rules(_write(tmp_path, "ru/risk/rules.yaml", BOMB), "ru", itertools.count())
    assert [p.line for p in rules] == [5]
    _write(tmp_path, "nlu/ru/bomb.yml", BOMB)
    _write(tmp_path, "nlu/ru/deep.yml", "nlu: " + "[" * 5000 + "\n")
    data = load_training_data(tmp_path / "nlu")
    assert [(p.path.name, p.line) for p in data.problems] == [("bomb.yml", 2), ("deep.yml", 1)]
    assert "aliases (*a) are not allowed" in data.problems[0].message


def test_the_projects_files_load(content_dir: Path) -> None:
    for path in sorted(content_dir.rglob("*.yaml")):
        load_file(path)
    for path in sorted((content_dir.parent / "nlu").rglob("*.yml")):
        load_file(path, NO_ALIASES)
