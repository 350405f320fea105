"""Cross-validation folds, reports and the `nlu` CLI group, on the fixtures."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nlu.cli import nlu_group
from nlu.evaluate import embedded_predictor, evaluate, fold_indices
from nlu.report import write_reports
from nlu.training_data import load_training_data


def test_folds_are_fixed_disjoint_and_per_language(fixture_data: Path) -> None:
    examples = load_training_data(fixture_data).examples
    folds = fold_indices(examples, 4)
    assert folds == fold_indices(examples, 4), "the same seed gives the same folds"
    flat = [i for fold in folds for i in fold]
    assert sorted(flat) == list(range(len(examples)))
    for fold in folds:  # 8 examples per intent and language -> 2 of each in every fold
        for lang in ("tg", "ru", "uz"):
            intents = [examples[i].intent for i in fold if examples[i].lang == lang]
            assert sorted(set(intents)) == sorted({e.intent for e in examples})
            assert all(intents.count(x) == 2 for x in set(intents))


def test_evaluate_and_write_reports(fixture_data: Path, tmp_path: Path) -> None:
    examples = load_training_data(fixture_data).examples
    seen: list[int] = []
    report = evaluate(examples, embedded_predictor, "embedded", folds=2, on_fold=seen.append)
    assert seen == [0, 1]
    assert set(report.languages) == {"tg", "ru", "uz"}
    for rep in report.languages.values():
        assert rep.examples == 32
        assert 0.5 <= rep.macro_f1 <= 1.0
        assert sum(map(sum, rep.matrix)) == 32
    written = write_reports(report, tmp_path)
    names = sorted(p.name for p in written)
    assert names == sorted(
        ["nlu-embedded.md", "nlu-embedded.json"] + [f"nlu-embedded-{lang}-confusion.png" for lang in ("tg", "ru", "uz")]
    )
    body = json.loads((tmp_path / "nlu-embedded.json").read_text("utf-8"))
    assert body["languages"]["ru"]["per_intent"]["docs_patent"]["support"] == 8
    assert "| ru |" in (tmp_path / "nlu-embedded.md").read_text("utf-8")
    assert (tmp_path / "nlu-embedded-uz-confusion.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_check(fixture_data: Path, tmp_path: Path) -> None:
    topics = tmp_path / "topics.yaml"
    topics.write_text("topics:\n  - {id: greet}\n  - {id: docs_patent}\n  - {id: thanks}\n", encoding="utf-8")
    result = CliRunner().invoke(nlu_group, ["check", "--topics", str(topics), "--data-dir", str(fixture_data)])
    assert result.exit_code == 1
    assert "unknown intent 'rights_unpaid_wages' (ru)" in result.output
    assert "topic thanks has no training examples in tg" in result.output


def test_cli_test_embedded(fixture_data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        nlu_group, ["test", "--folds", "2", "--data-dir", str(fixture_data), "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "nlu-embedded.md").exists()
