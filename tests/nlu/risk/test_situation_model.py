"""The situation corpus, its checker, and the danger model trained on a small corpus of our own."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nlu.risk.detector import RiskDetector
from nlu.risk.model import Indicator, RiskLevel
from nlu.risk.situation_model import (
    SituationModel,
    choose_thresholds,
    load_or_train,
    threshold_for,
    train,
)
from nlu.risk.situations import Situation, check_situations, label_of, situation_examples

CONTENT = Path(__file__).resolve().parents[3] / "content"

DANGER = {
    "retention_of_documents": [
        "бригадир забрал паспорт и держит его в сейфе уже {n} месяца",
        "паспорт у хозяина на хранении {n} месяцев, без него уйти боимся",
        "документы не отдают пока не отработаем, уже {n} недели",
    ],
    "restriction_of_movement": [
        "нас закрывают на складе на ночь, выйти нельзя уже {n} дней",
        "охрана не выпускает за ворота, сидим тут {n} недели",
        "двери запирают снаружи, нас {n} человек внутри",
    ],
    "intimidation_threats": [
        "прораб сказал если уйду найдут мою семью, я тут {n} месяца",
        "хозяин обещал что пожалеем если пожалуемся, нас {n} человек",
        "бригадир грозит закопать того кто позвонит домой, я тут {n} дней",
    ],
}
SAFE = [
    "в гостинице паспорт взяли на {n} минут для регистрации и сразу вернули",
    "как продлить патент на {n} месяцев",
    "начальник меня убьёт если опоздаю опять, ха-ха, уже {n} раз",
    "склад закрывают на ремонт на {n} дней, где взять справку",
    "сколько стоит билет домой, хочу уехать через {n} недели",
    "что такое долговая кабала, спрашиваю для урока номер {n}",
]


def _corpus(root: Path) -> Path:
    folder = root / "ru"
    folder.mkdir(parents=True)
    lines = ['version: "3.1"', "nlu:"]
    for indicator, templates in DANGER.items():
        lines += [f"- intent: danger_{indicator}", "  examples: |"]
        lines += [f"    - {t.format(n=n)}" for t in templates for n in range(2, 12)]
    lines += ["- intent: safe_everyday", "  examples: |"]
    lines += [f"    - {t.format(n=n)}" for t in SAFE for n in range(2, 12)]
    (folder / "corpus.yml").write_text("\n".join(lines) + "\n", "utf-8")
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _corpus(tmp_path_factory.mktemp("situations"))


@pytest.fixture(scope="module")
def model(corpus: Path) -> SituationModel:
    return train(situation_examples(corpus), key="test", folds=3)


def test_labels_of_intents() -> None:
    assert label_of("danger_debt_bondage") == "debt_bondage"
    assert label_of("safe_idiom") == "safe"
    assert label_of("danger_unknown") is None
    assert label_of("safe_whatever") is None
    assert label_of("docs_patent") is None


def test_check_reports_file_and_line_of_unknown_intent_and_conflicts(tmp_path: Path) -> None:
    folder = tmp_path / "ru"
    folder.mkdir()
    (folder / "a.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: danger_retention_of_documents\n  examples: |\n'
        "    - паспорт забрали\n- intent: safe_procedure\n  examples: |\n    - Паспорт забрали!\n"
        "- intent: danger_typo\n  examples: |\n    - что-то\n", "utf-8")
    problems = check_situations(tmp_path)
    errors = [p for p in problems if p.is_error]
    assert any(p.line == 9 and "unknown intent 'danger_typo'" in p.message for p in errors)
    assert any(p.line == 8 and "danger and safe at once" in p.message for p in errors)
    assert any("want >= 20" in p.message and p.severity == "warning" for p in problems)


def test_a_text_under_danger_and_safe_is_left_out(tmp_path: Path) -> None:
    folder = tmp_path / "ru"
    folder.mkdir()
    (folder / "a.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: danger_isolation\n  examples: |\n    - телефон забрали\n'
        "    - домой звонить запрещают\n- intent: safe_everyday\n  examples: |\n    - телефон забрали!\n",
        "utf-8")
    items = situation_examples(tmp_path)
    assert [s.text for s in items] == ["домой звонить запрещают"]


def test_threshold_is_chosen_for_recall_first() -> None:
    probs = np.array([0.9, 0.8, 0.7, 0.2, 0.1, 0.6, 0.05])
    danger = np.array([True, True, True, True, False, False, False])
    assert threshold_for(probs, danger, 1.0) == pytest.approx(0.2)
    assert threshold_for(probs, danger, 0.75) == pytest.approx(0.7)
    items = [Situation("x", "debt_bondage" if d else "safe", "ru", "situations", "k") for d in danger]
    th = choose_thresholds(items, probs)
    assert th.recall >= 0.98 and th.elevated <= th.high


def test_model_tells_danger_from_look_alikes(model: SituationModel) -> None:
    danger = model.score("хозяин держит паспорт в сейфе, без него уйти боимся, уже год")
    assert danger.level == RiskLevel.HIGH
    assert danger.indicator == Indicator.RETENTION_OF_DOCUMENTS
    assert danger.words and all(w in "хозяин держит паспорт в сейфе, без него уйти боимся, уже год"
                                for w in danger.words)
    safe = model.score("паспорт взяли в гостинице для регистрации и сразу вернули")
    assert safe.level == RiskLevel.NONE and safe.words == ()
    assert model.score("").level == RiskLevel.NONE


def test_the_model_adds_evidence_and_never_cancels_a_rule(model: SituationModel) -> None:
    detector = RiskDetector.load(CONTENT, situations=model)
    told = detector.assess("прораб сказал найдут мою семью если уйду", "ru")
    assert told.level == RiskLevel.HIGH
    assert any(e.source == "model" and e.probability is not None for e in told.evidence)
    # A rule match stays high even where the tiny model sees nothing.
    ruled = detector.assess("меня избили на стройке", "ru")
    assert ruled.level == RiskLevel.HIGH
    assert any(e.source == "rule" and e.counted for e in ruled.evidence)


def test_topic_intents_count_only_when_the_model_sees_danger(model: SituationModel) -> None:
    detector = RiskDetector.load(CONTENT, situations=model)
    ranking = (("rights_passport_taken", 0.9), ("docs_registration", 0.1))
    calm = detector.assess("в гостинице паспорт взяли на 7 минут для регистрации", "ru", ranking=ranking)
    assert calm.level == RiskLevel.NONE
    assert not any(e.counted for e in calm.evidence if e.source == "classifier")
    without = RiskDetector.load(CONTENT)
    loud = without.assess("в гостинице паспорт взяли на 7 минут для регистрации", "ru", ranking=ranking)
    assert loud.level == RiskLevel.HIGH


def test_cache_is_reused_and_a_broken_cache_retrains(corpus: Path, tmp_path: Path) -> None:
    first = load_or_train(corpus, None, tmp_path)
    assert first is not None
    files = list(tmp_path.glob("situations-*.joblib"))
    assert len(files) == 1
    again = load_or_train(corpus, None, tmp_path)
    assert again is not None and again.key == first.key and again.train_seconds == first.train_seconds
    files[0].write_bytes(b"not a model")
    rebuilt = load_or_train(corpus, None, tmp_path)
    assert rebuilt is not None and rebuilt.key == first.key
    assert load_or_train(tmp_path / "missing", None, tmp_path) is None


def test_a_rule_in_a_clear_look_alike_is_asked_about_not_escalated(model: SituationModel) -> None:
    # Thresholds moved so that the model reads every message as a clear look-alike.
    doubting = replace(model, thresholds=replace(model.thresholds, high=1.0, elevated=1.0, doubt=1.0))
    detector = RiskDetector.load(CONTENT, situations=doubting)
    text = "бригадир вчера ударил меня"
    assert RiskDetector.load(CONTENT).assess(text, "ru").level == RiskLevel.HIGH
    doubted = detector.assess(text, "ru")
    assert doubted.level == RiskLevel.ELEVATED
    ev = next(e for e in doubted.evidence if e.source == "rule")
    assert "look-alike" in ev.note and ev.probability is not None and ev.to_dict()["note"] == ev.note
    # Self-harm is never doubted, whatever the model says.
    assert detector.assess("не хочу больше жить", "ru").level == RiskLevel.HIGH


def test_self_harm_rules_are_never_doubted(model: SituationModel) -> None:
    detector = RiskDetector.load(CONTENT, situations=model)
    told = detector.assess("не хочу больше жить", "ru")
    assert told.level == RiskLevel.HIGH
    assert "self_harm" in told.indicators


def test_two_words_are_too_few_for_the_model_alone(model: SituationModel) -> None:
    detector = RiskDetector.load(CONTENT, situations=model)
    short = detector.assess("семью найдут", "ru")
    assert short.level <= RiskLevel.ELEVATED
    assert all(e.level != RiskLevel.HIGH for e in short.evidence if e.source == "model")


def test_cross_validated_danger_report(corpus: Path) -> None:
    from nlu.risk.evaluate import embedded_danger, evaluate_danger, markdown

    items = situation_examples(corpus)
    rules = RiskDetector.load(CONTENT)
    report = evaluate_danger(items, embedded_danger, "embedded", rules=lambda t: rules.assess(t, "ru"), folds=3)
    ru = report.languages["ru"]
    assert ru.danger == 90 and ru.safe == 60
    assert ru.recall >= 0.9 and 0.0 <= ru.false_alarms <= 1.0
    assert ru.combined_recall >= ru.recall - 0.05
    text = markdown(report)
    assert "| ru | 90 | 60 |" in text and "Missed by rules + model" in text
