"""What a message means: language, topic decision and risk, kept apart.

Topic matching (the NLU) and urgency detection (the risk detector) are separate components;
this module only combines their outputs, so `hamroh ask`, the terminal chat and Telegram all
decide the same way.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from bot.ops import metrics
from nlu.languages import Lang
from nlu.service import NLU, ParseResult

OUT_OF_SCOPE = "out_of_scope"
DecisionKind = Literal["match", "ambiguous", "out_of_scope"]

# Control characters other than newline and tab never carry meaning and confuse terminals.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


class RiskLike(Protocol):
    @property
    def level(self) -> str: ...

    @property
    def indicators(self) -> Sequence[str]: ...

    def to_dict(self) -> dict[str, object]: ...


class RiskAssessor(Protocol):
    def assess(self, text: str, lang: Lang, *, ranking: Sequence[tuple[str, float]] = (),
               context: Any = None) -> RiskLike: ...


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    topic: str  # the best guess (OUT_OF_SCOPE when nothing fits)
    confidence: float
    candidates: tuple[str, ...] = ()  # for "did you mean"


@dataclass(frozen=True)
class Understanding:
    text: str  # the cleaned text that was understood
    parse: ParseResult
    decision: Decision
    risk: RiskLike
    truncated: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def lang(self) -> Lang:
        return self.parse.lang


# The answer that fits a danger indicator best, for a report that the topic classifier read
# as small talk ("hello... they locked us in") or could not place.
_INDICATOR_TOPICS: dict[str, str] = {
    "self_harm": "risk_self_harm",
    "retention_of_documents": "rights_passport_taken",
    "restriction_of_movement": "risk_confinement",
    "isolation": "risk_confinement",
    "physical_sexual_violence": "risk_violence",
    "intimidation_threats": "risk_violence",
    "sexual_exploitation": "risk_sexual_exploitation",
    "debt_bondage": "risk_forced_labour",
    "abuse_of_vulnerability": "risk_forced_labour",
    "deception": "risk_forced_labour",
    "withholding_of_wages": "rights_unpaid_wages",
    "abusive_conditions": "risk_forced_labour",
    "excessive_overtime": "rights_working_hours",
}


# Dangers whose answers are specific (crisis line, medical help, the sexual-exploitation
# services): they answer a report even when it shows other indicators too.
_SPECIFIC = ("self_harm", "sexual_exploitation", "physical_sexual_violence")
# Indicators that say nothing about forced labour on their own account.
_NOT_FORCED_LABOUR = frozenset({"self_harm", "excessive_overtime", "withholding_of_wages"})


def danger_topic(indicators: Sequence[str]) -> str | None:
    """The answer for a danger report: a specific danger first; then, when several forced-labour
    indicators show together (the ILO's sign of forced labour: "debts for food and I cannot
    leave", "whoever calls home gets hurt"), the forced-labour answer; else the topic of the
    first indicator that has one."""
    for specific in _SPECIFIC:
        if specific in indicators:
            return _INDICATOR_TOPICS[specific]
    if len({i for i in indicators if i not in _NOT_FORCED_LABOUR}) >= 2:
        return "risk_forced_labour"
    return next((_INDICATOR_TOPICS[i] for i in indicators if i in _INDICATOR_TOPICS), None)


class TopicInfo(Protocol):
    @property
    def area(self) -> str: ...

    @property
    def risk(self) -> str: ...


_RISK_RANK = {"none": 0, "elevated": 1, "high": 2}


def answer_topic(topic: str, level: str, indicators: Sequence[str], catalogue: Mapping[str, TopicInfo]) -> str:
    """The topic to answer. A message escalated as danger gets the answer about that danger
    when the classifier's topic is small talk or a topic of lower risk ("Ishda meni
    urishyapti" read as a work injury; a threat read as a question about complaints): the
    person needs the safety steps of the danger answer, not the procedure."""
    if level != "high":
        return topic
    meta = catalogue.get(topic)
    chat = topic == OUT_OF_SCOPE or (meta is not None and meta.area == "chat")
    danger = danger_topic(indicators)
    if danger is None or danger == topic:
        return topic
    if chat:
        return danger
    own = _RISK_RANK.get(meta.risk if meta else "none", 0)
    theirs = catalogue.get(danger)
    return danger if theirs is not None and _RISK_RANK.get(theirs.risk, 0) > own else topic


def clean_text(text: str, max_chars: int) -> tuple[str, bool]:
    """Normalise Unicode, drop control characters, cut to `max_chars`."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if len(text) > max_chars:
        return text[:max_chars], True
    return text, False


def has_words(text: str) -> bool:
    """True when the text has at least one letter or digit (not only emoji or punctuation)."""
    return any(ch.isalnum() for ch in text)


def decide(ranking: Sequence[tuple[str, float]], *, threshold: float, margin: float) -> Decision:
    if not ranking:
        return Decision("out_of_scope", OUT_OF_SCOPE, 0.0)
    top, conf = ranking[0]
    second = ranking[1][1] if len(ranking) > 1 else 0.0
    candidates = tuple(t for t, _ in ranking if t != OUT_OF_SCOPE)[:3]
    if top == OUT_OF_SCOPE:
        if conf >= threshold or not candidates:
            return Decision("out_of_scope", OUT_OF_SCOPE, conf)
        return Decision("ambiguous", top, conf, candidates)
    if conf >= threshold and conf - second >= margin:
        return Decision("match", top, conf)
    if conf >= threshold / 2:
        return Decision("ambiguous", top, conf, candidates)
    return Decision("out_of_scope", OUT_OF_SCOPE, conf, candidates)


class Understander:
    def __init__(self, nlu: NLU, risk: RiskAssessor, *, threshold: float, margin: float,
                 max_chars: int) -> None:
        self.nlu, self.risk = nlu, risk
        self.threshold, self.margin, self.max_chars = threshold, margin, max_chars

    async def understand(self, text: str, *, lang_hint: Lang | None = None, prior: Lang | None = None,
                         context: object | None = None, history: Sequence[str] = (),
                         telegram_lang: str | None = None) -> Understanding:
        """`lang_hint` fixes the language; `prior` (the person's chosen language), `history`
        (the languages of their earlier messages) and `telegram_lang` (Telegram's
        language_code) only tip an ambiguous text ("salom", "patent"), strongest first."""
        cleaned, truncated = clean_text(text, self.max_chars)
        started = time.perf_counter()
        parse = await self.nlu.parse(cleaned, lang_hint=lang_hint, prior=prior, history=history,
                                     telegram_lang=telegram_lang)
        parsed = time.perf_counter()
        metrics.nlu_parsed(parse.backend, parsed - started)
        decision = decide(parse.ranking, threshold=self.threshold, margin=self.margin)
        risk = self.risk.assess(cleaned, parse.lang, ranking=parse.ranking, context=context)
        metrics.risk_assessed(str(risk.level), time.perf_counter() - parsed)
        return Understanding(text=cleaned, parse=parse, decision=decision, risk=risk, truncated=truncated)
