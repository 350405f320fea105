"""The detector's own logic: questions, context, the classifier, combining indicators."""

from __future__ import annotations

import json

import pytest

from nlu.languages import LANGS
from nlu.risk.detector import RiskDetector, Thresholds
from nlu.risk.model import Indicator, RiskAssessment, RiskContext, RiskLevel


def test_levels_are_ordered() -> None:
    assert RiskLevel.NONE < RiskLevel.ELEVATED < RiskLevel.HIGH
    assert max([RiskLevel.HIGH, RiskLevel.NONE, RiskLevel.ELEVATED]) is RiskLevel.HIGH


def test_report_has_evidence_and_serialises(detector: RiskDetector) -> None:
    got = detector.assess("Работодатель забрал мой паспорт", "ru")
    assert got.level is RiskLevel.HIGH
    assert got.indicators == (Indicator.RETENTION_OF_DOCUMENTS,)
    data = json.loads(json.dumps(got.to_dict()))
    assert data["level"] == "high"
    assert data["evidence"][0]["rule_id"] == "ru:passport_taken"
    assert data["evidence"][0]["matched"] == "zabral moy pasport"
    assert data["rule_languages"] == ["ru"]


def test_question_keeps_evidence_but_not_level(detector: RiskDetector) -> None:
    got = detector.assess("Законно ли работодателю держать мой паспорт?", "ru")
    assert (got.level, got.indicators, got.is_question) == (RiskLevel.NONE, (), True)
    assert [(e.rule_id, e.counted) for e in got.evidence] == [("ru:passport_taken", False)]


def test_rules_of_every_language_run_whatever_the_language(detector: RiskDetector) -> None:
    for lang in LANGS:
        got = detector.assess("xo'jayin pasportimni olib qo'ydi", lang)
        assert got.level is RiskLevel.HIGH
        assert "uz" in got.languages


def test_mixed_languages_in_one_message(detector: RiskDetector) -> None:
    got = detector.assess("брат, хӯҷаин шиносномаамро гирифт, что делать", "ru")
    assert got.level is RiskLevel.HIGH
    assert got.about_third_party


@pytest.mark.parametrize("context", [
    RiskContext(previous=("у меня проблема с хозяином",)),
    {"previous": ["у меня проблема с хозяином"], "levels": ["none"]},
])
def test_context_joins_the_previous_message(detector: RiskDetector, context: object) -> None:
    alone = detector.assess("он закрыл нас и не выпускает", "ru")
    assert alone.level is RiskLevel.HIGH  # "не выпускает" alone is enough
    split = detector.assess("и паспорт тоже не отдаёт", "ru")
    assert split.level is RiskLevel.HIGH
    got = detector.assess("не отдаёт", "ru", context=context)  # type: ignore[arg-type]
    assert got.level is RiskLevel.NONE
    got = detector.assess("а паспорт держит у себя", "ru", context=context)  # type: ignore[arg-type]
    assert got.level is RiskLevel.HIGH


def test_context_supplies_the_word_the_message_lacks(detector: RiskDetector) -> None:
    ctx = RiskContext(previous=("хозяин забрал паспорт",))
    # The match lies entirely in the earlier message: it was judged then, not again now.
    assert detector.assess("спасибо", "ru", context=ctx).level is RiskLevel.NONE
    ctx = RiskContext(previous=("у нас хозяин плохой, паспорт",))
    assert detector.assess("забрал и не отдаёт", "ru", context=ctx).level is RiskLevel.HIGH


def test_earlier_danger_turns_a_question_into_a_report(detector: RiskDetector) -> None:
    text = "Законно ли работодателю держать паспорт?"
    assert detector.assess(text, "ru").level is RiskLevel.NONE
    ctx = RiskContext(previous=("нас не выпускают",), levels=(RiskLevel.HIGH,))
    assert detector.assess(text, "ru", context=ctx).level is RiskLevel.HIGH
    # Late pay earlier on does not make every later question a report.
    ctx = RiskContext(previous=("зарплату задерживают",), levels=(RiskLevel.ELEVATED,))
    assert detector.assess(text, "ru", context=ctx).level is RiskLevel.NONE


def test_history_ending_with_the_message_itself(detector: RiskDetector) -> None:
    # The engine stores the incoming message before asking, so history may repeat it.
    text = "Законно ли работодателю держать паспорт?"
    ctx = {"previous": ["привет", text], "levels": ["none"]}
    assert detector.assess(text, "ru", context=ctx).level is RiskLevel.NONE


def test_classifier_adds_evidence(detector: RiskDetector) -> None:
    th = Thresholds()
    got = detector.assess("помогите", "ru", ranking=[("risk_confinement", th.classifier_high)])
    assert got.level is RiskLevel.HIGH
    assert got.evidence[0].source == "classifier"
    assert got.indicators == (Indicator.RESTRICTION_OF_MOVEMENT,)
    got = detector.assess("помогите", "ru", ranking=[("risk_violence", th.classifier_elevated)])
    assert got.level is RiskLevel.ELEVATED
    low = th.classifier_elevated - 0.01
    assert detector.assess("помогите", "ru", ranking=[("risk_violence", low)]).level is RiskLevel.NONE
    # Only a risk intent at the top counts.
    ranking = [("docs_patent", 0.5), ("risk_violence", 0.45)]
    assert detector.assess("помогите", "ru", ranking=ranking).level is RiskLevel.NONE


def test_classifier_does_not_escalate_a_general_question(detector: RiskDetector) -> None:
    got = detector.assess("Какие признаки принудительного труда?", "ru",
                          ranking=[("risk_forced_labour", 0.95)])
    assert got.level is RiskLevel.NONE
    assert all(not e.counted for e in got.evidence)


def test_three_elevated_indicators_make_high(detector: RiskDetector) -> None:
    two = detector.assess("работаем без выходных, зарплату не платят", "ru")
    assert two.level is RiskLevel.ELEVATED
    assert set(two.indicators) == {Indicator.EXCESSIVE_OVERTIME, Indicator.WITHHOLDING_OF_WAGES}
    three = detector.assess("обманули: работаем без выходных, зарплату не платят", "ru")
    assert three.level is RiskLevel.HIGH


def test_negated_rule_words_keep_the_classifier_quiet(detector: RiskDetector) -> None:
    ranking = [("rights_passport_taken", 0.9)]
    for text in ("паспорт не забирали, он у меня", "шиносномаамро нагирифтанд",
                 "pasportimni olib qo'yishmadi"):
        got = detector.assess(text, "ru", ranking=ranking)
        assert got.level is RiskLevel.NONE, text
        assert [(e.source, e.counted) for e in got.evidence] == [("classifier", False)]


def test_reassurance_keeps_the_classifier_quiet(detector: RiskDetector) -> None:
    got = detector.assess("всё хорошо, спасибо", "ru", ranking=[("risk_violence", 0.9)])
    assert got.level is RiskLevel.NONE
    # ... but not the rules.
    got = detector.assess("всё хорошо, только хозяин забрал паспорт", "ru")
    assert got.level is RiskLevel.HIGH


def test_unless_explains_the_words_away(detector: RiskDetector) -> None:
    got = detector.assess("меня не выпускают из России из-за штрафа", "ru",
                          ranking=[("risk_confinement", 0.9)])
    assert got.level is RiskLevel.NONE


@pytest.mark.parametrize(("text", "level"), [
    ("Majburiy mehnat nima?", RiskLevel.NONE),  # a question word ending the clause
    ("Кори маҷбурӣ чист?", RiskLevel.NONE),
    ("Хозяин держит паспорт, законно ли это?", RiskLevel.HIGH),  # frame after a report
    ("хозяин грозит депортацией если пожалуюсь", RiskLevel.HIGH),  # condition after it
    ("Что делать, если работодатель держит паспорт", RiskLevel.NONE),
    ("мегӯяд агар равӣ, депорт мекунонам", RiskLevel.HIGH),  # the threat is the main clause
    ("ish beruvchi pasportni olib qo'yishi qonuniymi", RiskLevel.NONE),  # frame closes it
    ("что делать если не хочу жить", RiskLevel.HIGH),  # ignore_questions
])
def test_question_frames(detector: RiskDetector, text: str, level: RiskLevel) -> None:
    assert detector.assess(text, "ru").level is level


def test_high_indicators_come_first(detector: RiskDetector) -> None:
    got = detector.assess("зарплату не платят и паспорт забрали", "ru")
    assert got.indicators == (Indicator.RETENTION_OF_DOCUMENTS, Indicator.WITHHOLDING_OF_WAGES)


def test_empty_and_odd_input(detector: RiskDetector) -> None:
    for text in ("", "   ", "🙂🙂🙂", "\x00\x01", "?!", "." * 10_000, "," * 10_000):
        got = detector.assess(text, "ru")
        assert isinstance(got, RiskAssessment)
        assert got.level is RiskLevel.NONE


def test_a_report_at_the_start_of_a_very_long_message(detector: RiskDetector) -> None:
    text = "хозяин забрал паспорт. " + "слово " * 50_000
    assert detector.assess(text, "ru").level is RiskLevel.HIGH


def test_context_coercion_ignores_rubbish() -> None:
    ctx = RiskContext.coerce({"previous": ["a", 3, None], "levels": ["high", "bogus", [1]]})
    assert ctx == RiskContext(previous=("a",), levels=(RiskLevel.HIGH,))
    assert RiskContext.coerce("nonsense") is None  # type: ignore[arg-type]
    assert RiskContext.coerce(None) is None
