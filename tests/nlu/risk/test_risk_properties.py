"""Any text gives a valid assessment: random Unicode, very long input, any context."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlu.risk.detector import RiskDetector
from nlu.risk.model import Indicator, RiskAssessment, RiskContext, RiskLevel

_LANGS = st.sampled_from(["tg", "ru", "uz"])
_RANKING = st.lists(st.tuples(st.sampled_from(["risk_violence", "docs_patent", "risk_self_harm",
                                               "rights_passport_taken", "x"]),
                              st.floats(allow_nan=True, allow_infinity=True)), max_size=3)


def _valid(got: RiskAssessment) -> None:
    assert isinstance(got.level, RiskLevel)
    assert all(isinstance(i, Indicator) for i in got.indicators)
    assert (got.level is RiskLevel.NONE) == (not got.indicators)
    assert isinstance(got.to_dict(), dict)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=500), lang=_LANGS, ranking=_RANKING,
       previous=st.lists(st.text(max_size=200), max_size=4))
def test_any_text(detector: RiskDetector, text: str, lang: str, ranking: list[tuple[str, float]],
                  previous: list[str]) -> None:
    _valid(detector.assess(text, lang, ranking=ranking,  # type: ignore[arg-type]
                           context=RiskContext(previous=tuple(previous))))


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(chunk=st.text(min_size=1, max_size=50))
def test_100k_characters(detector: RiskDetector, chunk: str) -> None:
    text = (chunk * (100_000 // len(chunk) + 1))[:100_000]
    started = time.perf_counter()
    _valid(detector.assess(text, "ru", context=RiskContext(previous=(text, text))))
    assert time.perf_counter() - started < 20.0  # linear, not backtracking (which takes minutes)


def test_100k_of_risky_words(detector: RiskDetector) -> None:
    text = "паспорт забрали не выпускают pasportimni olib qo'yishdi " * 2_000
    got = detector.assess(text[:100_000], "ru")
    _valid(got)
    assert got.level is RiskLevel.HIGH
