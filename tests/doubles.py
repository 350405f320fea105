"""Test doubles shared by the engine, Telegram and hotline tests: an NLU and a risk detector
that answer from a script, so flows are tested without a trained model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from nlu.languages import Lang
from nlu.service import ParseResult

SCRIPT: dict[str, tuple[Lang, list[tuple[str, float]]]] = {
    "как получить патент": ("ru", [("docs_patent", 0.92), ("docs_patent_payment", 0.05)]),
    "патент чӣ тавр мегиранд": ("tg", [("docs_patent", 0.9), ("docs_registration", 0.04)]),
    "патент или регистрация": ("ru", [("docs_patent", 0.40), ("docs_registration", 0.38),
                                       ("docs_stay_period", 0.1)]),
    "какая погода завтра": ("ru", [("out_of_scope", 0.95), ("greet", 0.02)]),
    "хозяин забрал паспорт": ("ru", [("rights_passport_taken", 0.9), ("docs_lost_documents", 0.05)]),
    "зарплату не платят": ("ru", [("rights_unpaid_wages", 0.9), ("rights_dismissal", 0.05)]),
}


class ScriptedNLU:
    async def parse(self, text: str, *, lang_hint: Lang | None = None, prior: Lang | None = None,
                    history: Sequence[str] = (), telegram_lang: str | None = None) -> ParseResult:
        lang, ranking = SCRIPT.get(text.strip().lower(), (prior or "ru", [("out_of_scope", 0.2)]))
        return ParseResult(lang=lang_hint or lang, lang_confidence=0.9, ranking=tuple(ranking), backend="test")


@dataclass
class Risk:
    level: str = "none"
    indicators: Sequence[str] = ()
    evidence: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"level": self.level, "indicators": list(self.indicators), "evidence": self.evidence}


class ScriptedRisk:
    """High for a passport, elevated for wages, none otherwise."""

    def assess(self, text: str, lang: Lang, *, ranking: Sequence[tuple[str, float]] = (),
               context: object | None = None) -> Risk:
        lowered = text.lower()
        if "паспорт" in lowered:
            return Risk("high", ["retention_of_documents"], [{"rule": "passport_taken", "matched": "паспорт"}])
        if "зарплат" in lowered:
            return Risk("elevated", ["withholding_of_wages"])
        return Risk()
