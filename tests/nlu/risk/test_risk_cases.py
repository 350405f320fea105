"""Every editor's case in content/*/risk/cases.yaml, one test each, through the detector."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from nlu.languages import LANGS
from nlu.risk.check import Case, all_cases, check_risk, run_case
from nlu.risk.detector import RiskDetector
from nlu.risk.model import Indicator

CONTENT = Path(__file__).resolve().parents[3] / "content"
_CASES, _PROBLEMS = all_cases(CONTENT)


def _id(case: Case) -> str:
    return f"{case.lang}:{case.line}:{case.text[:40]}"


def test_case_files_load_cleanly() -> None:
    assert _PROBLEMS == []


@pytest.mark.parametrize("case", _CASES, ids=_id)
def test_case(detector: RiskDetector, case: Case) -> None:
    _got, wrong = run_case(detector, case)
    assert wrong is None, wrong


@pytest.mark.parametrize("lang", LANGS)
def test_enough_cases_both_ways(lang: str) -> None:
    kinds = Counter(c.kind for c in _CASES if c.lang == lang)
    assert kinds["must_trigger"] >= 30
    assert kinds["must_not_trigger"] >= 30


@pytest.mark.parametrize("lang", LANGS)
def test_every_indicator_has_a_case(lang: str) -> None:
    covered = {i for c in _CASES if c.lang == lang for i in c.indicators}
    assert set(Indicator) - covered == set()


def test_check_risk_is_clean_on_the_project_content() -> None:
    assert [str(p) for p in check_risk(CONTENT) if p.is_error] == []
