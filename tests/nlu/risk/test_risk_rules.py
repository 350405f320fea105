"""Loading the editors' rules: every mistake is a Problem with its file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from nlu.risk.check import check_risk
from nlu.risk.detector import RiskDetector
from nlu.risk.rules import load_all

GOOD_RULE = """\
rules:
  - id: passport_taken
    indicator: retention_of_documents
    level: high
    all: [паспорт*, забрал*]
"""


def _content(tmp_path: Path, ru: str, *, cases: str | None = None) -> Path:
    for folder, text in (("ru", ru), ("tj", GOOD_RULE), ("uz", GOOD_RULE)):
        risk = tmp_path / folder / "risk"
        risk.mkdir(parents=True)
        (risk / "rules.yaml").write_text(textwrap.dedent(text), "utf-8")
        if folder == "ru" and cases is not None:
            (risk / "cases.yaml").write_text(textwrap.dedent(cases), "utf-8")
    return tmp_path


def _errors(tmp_path: Path, ru: str) -> list[str]:
    _sets, problems = load_all(_content(tmp_path, ru))
    return [f"{p.path.parent.parent.name}/{p.path.name}:{p.line}: {p.message}"
            for p in problems if p.is_error]


def test_good_rules_load(tmp_path: Path) -> None:
    sets, problems = load_all(_content(tmp_path, GOOD_RULE))
    assert problems == []
    assert [r.id for rs in sets for r in rs.rules] == ["tg:passport_taken", "ru:passport_taken",
                                                       "uz:passport_taken"]


def test_malformed_yaml_has_its_line(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "rules:\n  - id: x\n    any: [a, b\n  - id: y\n")
    assert len(errors) == 1
    # The unclosed `[` on line 3 is what to fix (the shared loader, nlu/yamlsafe.py).
    assert errors[0].startswith("ru/rules.yaml:3: YAML syntax")
    assert "at line 4, while parsing a flow sequence that starts here" in errors[0]


@pytest.mark.parametrize(
    ("rule", "line", "message"),
    [
        ("    indicator: kidnapping\n    level: high\n    any: [x]\n", 3, "unknown indicator 'kidnapping'"),
        ("    indicator: deception\n    level: urgent\n    any: [x]\n", 4, "bad level 'urgent'"),
        ("    indicator: deception\n    level: none\n    any: [x]\n", 4, "bad level 'none'"),
        ("    indicator: deception\n    level: high\n    any: ['']\n", 5, "empty pattern"),
        ("    indicator: deception\n    level: high\n    any: ['!!!']\n", 5, "no letters or digits"),
        ("    indicator: deception\n    level: high\n    any: ['@nope']\n", 5, "unknown word list '@nope'"),
        ("    indicator: deception\n    level: high\n", 2, "exactly one of `any:` or `all:`"),
        ("    indicator: deception\n    level: high\n    any: ['* x']\n", 5, "stand for words between"),
        ("    indicator: deception\n    level: high\n    any: [x]\n    colour: red\n", 6, "colour"),
    ],
)
def test_rule_errors_have_file_and_line(tmp_path: Path, rule: str, line: int, message: str) -> None:
    text = "rules:\n  - id: bad\n" + rule + GOOD_RULE.removeprefix("rules:\n")
    errors = _errors(tmp_path, text)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"ru/rules.yaml:{line}: ")
    assert message in errors[0]


def test_a_bad_rule_does_not_switch_off_the_others(tmp_path: Path) -> None:
    text = "rules:\n  - id: bad\n    indicator: nope\n    level: high\n    any: [x]\n" + \
        GOOD_RULE.removeprefix("rules:\n")
    detector = RiskDetector.load(_content(tmp_path, text))
    assert detector.problems
    assert detector.assess("хозяин забрал паспорт", "ru").level == "high"


def test_duplicate_ids_and_unused_words(tmp_path: Path) -> None:
    text = "words:\n  spare: [x]\n" + GOOD_RULE + GOOD_RULE.removeprefix("rules:\n")
    _sets, problems = load_all(_content(tmp_path, text))
    messages = [(p.line, p.severity, p.message) for p in problems if "ru" in str(p.path)]
    assert (8, "error", "duplicate rule id 'passport_taken'") in messages
    assert (2, "warning", "word list @spare is not used by any rule") in messages


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    root = _content(tmp_path, GOOD_RULE)
    (root / "uz" / "risk" / "rules.yaml").unlink()
    _sets, problems = load_all(root)
    assert [(p.path.parent.parent.name, p.message) for p in problems] == [
        ("uz", "risk rules file is missing")]


def test_failing_case_is_reported_with_its_line(tmp_path: Path) -> None:
    cases = """\
    must_trigger:
      - хозяин забрал паспорт
      - text: меня заперли
        level: high
    must_not_trigger:
      - как получить патент
    """
    problems = [p for p in check_risk(_content(tmp_path, GOOD_RULE, cases=cases)) if p.is_error]
    assert [str(p).split("risk/", 1)[1] for p in problems] == [
        'cases.yaml:3: error: "меня заперли" expected high, got none (rules matched: nothing)']


def test_bad_case_entry(tmp_path: Path) -> None:
    cases = "must_trigger:\n  - text: x\n    level: urgent\nmust_not_trigger: []\n"
    problems = [p for p in check_risk(_content(tmp_path, GOOD_RULE, cases=cases)) if p.is_error]
    assert len(problems) == 1
    assert problems[0].line == 3
    assert "level" in problems[0].message


OTHER_RULE = """\
rules:
  - id: unrelated
    indicator: deception
    level: elevated
    any: [qqqzzz]
"""


def _ru_only(tmp_path: Path, ru: str, *, cases: str | None = None) -> Path:
    """Only the Russian file has real rules, so the other files cannot make a case pass."""
    root = _content(tmp_path, ru, cases=cases)
    for folder in ("tj", "uz"):
        (root / folder / "risk" / "rules.yaml").write_text(OTHER_RULE, "utf-8")
    return root


NEAR_RULE = """\
rules:
  - id: passport_taken
    indicator: retention_of_documents
    level: high
    all: [паспорт*, забрал*]
    unless_near: [консульств*]
"""


@pytest.mark.parametrize(("text", "level"), [
    ("паспорт забрали в консульстве", "none"),  # right after the match
    ("в консульстве забрали паспорт", "none"),  # right before it
    ("хозяин забрал паспорт, что делать, идти в консульство", "high"),  # another clause
    ("хозяин забрал паспорт и я потом пошёл в консульство", "high"),  # too far away
])
def test_unless_near_only_cancels_next_to_the_match(tmp_path: Path, text: str, level: str) -> None:
    detector = RiskDetector.load(_ru_only(tmp_path, NEAR_RULE))
    assert not detector.problems
    got = detector.assess(text, "ru", ranking=[("rights_passport_taken", 0.95)])
    assert got.level == level  # cancelled words also keep the classifier quiet


FOLLOW_ON_CASES = """\
must_trigger:
  - хозяин забрал паспорт
  - забрали паспорт у меня
  - text: паспорт забрал бригадир
    level: high
  - меня заперли
must_not_trigger:
  - как получить патент
"""


def test_a_refused_rule_is_reported_before_the_cases_it_breaks(tmp_path: Path) -> None:
    bad = GOOD_RULE.replace("retention_of_documents", "retention_of_document")
    root = _ru_only(tmp_path, bad, cases=FOLLOW_ON_CASES)
    # sorted the way `hamroh content check` prints them
    problems = sorted((p for p in check_risk(root) if p.is_error),
                      key=lambda p: (str(p.path), p.line, p.message))
    shown = [f"{p.path.name}:{p.line}: {p.message}" for p in problems]
    assert len(shown) == 3, shown
    assert shown[0].startswith("cases.yaml:6: ")  # a real failure: no rule for it at all
    assert "меня заперли" in shown[0]
    assert shown[1].startswith("rules.yaml:3: unknown indicator 'retention_of_document'")
    assert shown[2] == ('rules.yaml:3: ↳ 3 cases in ru/risk/cases.yaml fail because rule '
                        '\'passport_taken\' was refused (first: line 2, "хозяин забрал паспорт"); '
                        'fix the error above first')


def test_a_misspelt_word_list_is_repaired_for_the_summary(tmp_path: Path) -> None:
    rules = """\
words:
  passport: [паспорт*]
rules:
  - id: passport_taken
    indicator: retention_of_documents
    level: high
    all: ["@pasport", забрал*]
"""
    problems = [p for p in check_risk(_ru_only(tmp_path, rules, cases=FOLLOW_ON_CASES))
                if p.is_error]
    messages = [p.message for p in problems]
    assert messages[0] == "unknown word list '@pasport' (define it under `words:`)"
    assert messages[1].startswith("↳ 3 cases in ru/risk/cases.yaml fail because rule "
                                  "'passport_taken' was refused")
    assert len(messages) == 3  # plus "меня заперли", which no rule ever caught


def test_an_unreadable_rules_file_is_one_line(tmp_path: Path) -> None:
    root = _ru_only(tmp_path, "rules:\n  - id: x\n    any: [a, b\n", cases=FOLLOW_ON_CASES)
    problems = [p for p in check_risk(root) if p.is_error]
    assert [p.path.name for p in problems] == ["rules.yaml", "rules.yaml"]
    assert problems[1].message.startswith(
        "↳ 4 cases in ru/risk/cases.yaml fail because ru/risk/rules.yaml could not be loaded")
