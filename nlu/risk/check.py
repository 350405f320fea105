"""`hamroh content check` for the risk rules: validate them, then run every language's
`risk/cases.yaml` through the detector so an editor who changes a rule sees what broke.

cases.yaml:

    must_trigger:                      # each must reach its level (high unless it says)
      - "Хозяин забрал паспорт"
      - text: "Зарплату задержали на неделю"
        level: elevated
        indicators: [withholding_of_wages]   # optional: these must be among the found ones
        third_party: false                    # optional
        context: ["earlier message", ...]     # optional: the person's previous messages
    must_not_trigger:                  # each must stay at level none
      - "Как получить патент?"
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nlu.languages import LANGS, Lang, content_folder
from nlu.problems import Problem
from nlu.risk.detector import RiskDetector
from nlu.risk.model import Indicator, RiskAssessment, RiskContext, RiskLevel
from nlu.risk.rules import Loc, Rule, RuleSet, load_all, load_yaml_lines, rules_path

CaseKind = Literal["must_trigger", "must_not_trigger"]


class _CaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1)
    level: Literal["elevated", "high"] = "high"
    indicators: list[Indicator] = []
    third_party: bool | None = None
    context: list[str] = []


class _FileSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    must_trigger: list[str | dict[str, Any]] = []
    must_not_trigger: list[str | dict[str, Any]] = []


@dataclass(frozen=True)
class Case:
    kind: CaseKind
    text: str
    lang: Lang
    level: RiskLevel  # NONE for must_not_trigger
    indicators: tuple[Indicator, ...]
    third_party: bool | None
    context: tuple[str, ...]
    path: Path
    line: int


def cases_path(content_dir: Path, lang: Lang) -> Path:
    return content_dir / content_folder(lang) / "risk" / "cases.yaml"


def load_cases(path: Path, lang: Lang) -> tuple[list[Case], list[Problem]]:
    try:
        data, lines = load_yaml_lines(path)
    except ValueError as exc:
        return [], [Problem(path, exc.args[1] if len(exc.args) > 1 else 1, str(exc.args[0]))]

    def line(loc: Loc) -> int:
        for end in range(len(loc), -1, -1):
            if loc[:end] in lines:
                return lines[loc[:end]]
        return 1

    try:
        spec = _FileSpec.model_validate(data if data is not None else {})
    except ValidationError as exc:
        return [], [Problem(path, line(tuple(e["loc"])), f"{'.'.join(map(str, e['loc']))}: {e['msg']}")
                    for e in exc.errors()]
    cases: list[Case] = []
    problems: list[Problem] = []
    for kind in ("must_trigger", "must_not_trigger"):
        for i, raw in enumerate(getattr(spec, kind)):
            try:
                item = _CaseSpec.model_validate({"text": raw} if isinstance(raw, str) else raw)
            except ValidationError as exc:
                problems += [Problem(path, line((kind, i, *e["loc"])),
                                     f"{kind}[{i}].{'.'.join(map(str, e['loc']))}: {e['msg']}")
                             for e in exc.errors()]
                continue
            level = RiskLevel(item.level) if kind == "must_trigger" else RiskLevel.NONE
            cases.append(Case(kind, item.text, lang, level, tuple(item.indicators), item.third_party,
                              tuple(item.context), path, line((kind, i))))
    return cases, problems


def run_case(detector: RiskDetector, case: Case) -> tuple[RiskAssessment, str | None]:
    """The assessment of a case and what is wrong with it (None when it passes)."""
    context = RiskContext(previous=case.context) if case.context else None
    got = detector.assess(case.text, case.lang, context=context)
    wrong: list[str] = []
    if got.level != case.level:
        wrong.append(f"expected {case.level}, got {got.level}")
    missing = [str(i) for i in case.indicators if i not in got.indicators]
    if missing:
        wrong.append(f"expected indicators {', '.join(missing)}, "
                     f"got {', '.join(map(str, got.indicators)) or 'none'}")
    if case.third_party is not None and got.about_third_party != case.third_party:
        wrong.append(f"expected third_party {str(case.third_party).lower()}")
    if not wrong:
        return got, None
    return got, f'"{case.text}" {"; ".join(wrong)} (rules matched: {matched(got)})'


def matched(got: RiskAssessment) -> str:
    parts = [f"{e.rule_id}{'' if e.counted else ' (in a question)'}" for e in got.evidence]
    return ", ".join(parts) or "nothing"


def all_cases(content_dir: Path) -> tuple[list[Case], list[Problem]]:
    cases: list[Case] = []
    problems: list[Problem] = []
    for lang in LANGS:
        path = cases_path(content_dir, lang)
        if not path.is_file():
            problems.append(Problem(path, 1, "risk test cases file is missing", "warning"))
            continue
        found, more = load_cases(path, lang)
        cases += found
        problems += more
    return cases, problems


def check_risk(content_dir: Path) -> list[Problem]:
    """Problems in the rules files, then every failing case as `cases.yaml:LINE: error: ...`.

    A rule left out because of a mistake (a misspelt indicator) makes many cases fail. Those
    are not listed one by one: one line per refused rule and cases file, placed on the
    rule's own line in rules.yaml ("↳ 45 cases in ru/risk/cases.yaml fail because ..."), so
    the rule's error comes first and the follow-on failures do not bury it. The same when a
    whole rules file cannot be read."""
    rulesets, problems = load_all(content_dir)
    detector = RiskDetector(rulesets, problems=problems)
    refused = [r for rs in rulesets for r in rs.refused]
    repaired = RiskDetector([replace(rs, rules=rs.rules + rs.refused) for rs in rulesets]) \
        if refused else None
    unread = _unread_files(content_dir, rulesets, problems)
    cases, more = all_cases(content_dir)
    problems += more
    follow_on: dict[tuple[Path, int, str, Path], list[Case]] = {}
    failures: list[Problem] = []
    for case in cases:
        _got, wrong = run_case(detector, case)
        if not wrong:
            continue
        cause = _cause(case, repaired, refused, unread)
        if cause is None:
            failures.append(Problem(case.path, case.line, wrong))
        else:
            follow_on.setdefault((*cause, case.path), []).append(case)
    for (path, line, why, cases_file), failed in follow_on.items():
        first = failed[0]
        where = "/".join(cases_file.parts[-3:])
        problems.append(Problem(path, line, (
            f"↳ {len(failed)} case{'s' if len(failed) > 1 else ''} in {where} "
            f"fail{'' if len(failed) > 1 else 's'} because {why} "
            f"(first: line {first.line}, \"{first.text}\"); fix the error above first")))
    return problems + failures


def _unread_files(content_dir: Path, rulesets: list[RuleSet],
                  problems: list[Problem]) -> list[tuple[Path, int]]:
    """Rules files that could not be read at all, with the line of their first problem."""
    loaded = {rs.lang for rs in rulesets}
    out: list[tuple[Path, int]] = []
    for lang in LANGS:
        if lang in loaded:
            continue
        path = rules_path(content_dir, lang)
        line = next((p.line for p in problems if p.path == path and p.is_error), 1)
        out.append((path, line))
    return out


def _cause(case: Case, repaired: RiskDetector | None, refused: list[Rule],
           unread: list[tuple[Path, int]]) -> tuple[Path, int, str] | None:
    """Why a case fails when the reason is a rule that was left out: the refused rule that
    matches it once repaired, or else a rules file that could not be read."""
    if repaired is not None:
        context = RiskContext(previous=case.context) if case.context else None
        got = repaired.assess(case.text, case.lang, context=context)
        matched_ids = {e.rule_id for e in got.evidence}
        for rule in refused:
            if rule.id in matched_ids:
                name = rule.id.split(":", 1)[1]
                return rule.path, rule.line, f"rule {name!r} was refused"
    if unread:
        path, line = unread[0]
        return path, line, f"{'/'.join(path.parts[-3:])} could not be loaded"
    return None
