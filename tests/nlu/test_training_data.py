"""The training-data loader and checker: exact messages with file:line (training_data_cases.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from nlu import training_data
from nlu.training_data import check_training_data, data_hash, load_training_data

_CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "training_data_cases.yaml").read_text("utf-8"))


def _write(root: Path, files: dict[str, str]) -> None:
    for name, body in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")


@pytest.mark.parametrize("case", _CASES, ids=[c["name"] for c in _CASES])
def test_checker_messages(case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(training_data, "MIN_EXAMPLES", 2)
    _write(tmp_path, case["files"])
    got = [
        str(p).replace(f"{tmp_path}/", "").replace(str(tmp_path), "")
        for p in check_training_data(tmp_path, case["topics"])
    ]
    # a folder-level problem prints as "ru:0:"; the cases write it "ru: 0:" for readability
    got = [g.replace(":0:", ": 0:", 1) if g.split(":")[0] in ("tg", "ru", "uz") else g for g in got]
    assert sorted(got) == sorted(case["want"])


def test_examples_carry_language_file_and_line(fixture_data: Path) -> None:
    data = load_training_data(fixture_data)
    assert data.problems == ()
    first_ru = data.for_lang("ru")[0]
    assert (first_ru.text, first_ru.intent, first_ru.line, first_ru.path.name) == ("привет", "greet", 5, "nlu.yml")
    assert {e.lang for e in data.examples} == {"tg", "ru", "uz"}


def test_entity_annotations_keep_their_text(tmp_path: Path) -> None:
    _write(tmp_path, {"ru/a.yml": 'version: "3.1"\nnlu:\n- intent: x\n  examples: |\n    - в [Москве](city) патент\n'})
    assert [e.text for e in load_training_data(tmp_path).examples] == ["в Москве патент"]


def test_data_hash_follows_content(tmp_path: Path) -> None:
    _write(tmp_path, {"ru/a.yml": "a"})
    before = data_hash(tmp_path)
    assert data_hash(tmp_path) == before
    _write(tmp_path, {"ru/a.yml": "b"})
    assert data_hash(tmp_path) != before


def test_the_project_data_has_no_errors() -> None:
    """The real training data, against the real topic catalogue (warnings are allowed)."""
    root = Path(__file__).resolve().parents[2]
    topics = [t["id"] for t in yaml.safe_load((root / "content/topics.yaml").read_text("utf-8"))["topics"]]
    errors = [str(p) for p in check_training_data(root / "nlu/data", topics) if p.is_error]
    assert errors == []
