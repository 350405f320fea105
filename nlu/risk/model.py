"""What the risk detector returns: a level, the indicators behind it and the evidence.

The indicators are the ILO's eleven indicators of forced labour (2012) plus self-harm and
sexual exploitation, which the hotline handles with the same urgency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal


class RiskLevel(StrEnum):
    NONE = "none"
    ELEVATED = "elevated"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __lt__(self, other: object) -> bool:  # ordered by severity, not alphabetically
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank >= other.rank


_RANK: dict[RiskLevel, int] = {RiskLevel.NONE: 0, RiskLevel.ELEVATED: 1, RiskLevel.HIGH: 2}


class Indicator(StrEnum):
    ABUSE_OF_VULNERABILITY = "abuse_of_vulnerability"
    DECEPTION = "deception"
    RESTRICTION_OF_MOVEMENT = "restriction_of_movement"
    ISOLATION = "isolation"
    PHYSICAL_SEXUAL_VIOLENCE = "physical_sexual_violence"
    INTIMIDATION_THREATS = "intimidation_threats"
    RETENTION_OF_DOCUMENTS = "retention_of_documents"
    WITHHOLDING_OF_WAGES = "withholding_of_wages"
    DEBT_BONDAGE = "debt_bondage"
    ABUSIVE_CONDITIONS = "abusive_conditions"
    EXCESSIVE_OVERTIME = "excessive_overtime"
    SELF_HARM = "self_harm"
    SEXUAL_EXPLOITATION = "sexual_exploitation"


EvidenceSource = Literal["rule", "classifier", "model"]


@dataclass(frozen=True)
class Evidence:
    """One signal: which rule (`ru:passport_taken`) or classifier intent matched which words."""

    indicator: Indicator
    source: EvidenceSource
    rule_id: str
    matched: str
    level: RiskLevel = RiskLevel.HIGH
    # False when the match sits in a general question ("is it legal to keep a passport?")
    # and so does not count towards the level; kept so editors can see what matched.
    counted: bool = True
    # The situation model's probability of danger (None for rules and topic intents).
    probability: float | None = None
    note: str = ""  # why the level differs from the rule's own (e.g. doubted by the model)

    def to_dict(self) -> dict[str, Any]:
        out = {"indicator": str(self.indicator), "source": self.source, "rule_id": self.rule_id,
               "matched": self.matched, "level": str(self.level), "counted": self.counted}
        if self.probability is not None:
            out["probability"] = self.probability
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class RiskAssessment:
    """`indicators` are the ones that count towards `level` (empty when the level is none);
    `evidence` also lists matches that a question frame kept from counting."""

    level: RiskLevel = RiskLevel.NONE
    indicators: tuple[Indicator, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    is_question: bool = False
    about_third_party: bool = False

    @property
    def languages(self) -> tuple[str, ...]:
        """The rule files (language codes) whose rules matched, e.g. ("ru", "tg")."""
        seen: dict[str, None] = {}
        for ev in self.evidence:
            if ev.source == "rule" and ":" in ev.rule_id:
                seen[ev.rule_id.split(":", 1)[0]] = None
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": str(self.level),
            "indicators": [str(i) for i in self.indicators],
            "evidence": [e.to_dict() for e in self.evidence],
            "is_question": self.is_question,
            "about_third_party": self.about_third_party,
            "rule_languages": list(self.languages),
        }


@dataclass(frozen=True)
class RiskContext:
    """The person's earlier messages in this conversation (oldest first) and the levels they
    were given, so "my boss..." followed by "he locked the door" is read together."""

    previous: tuple[str, ...] = ()
    levels: tuple[RiskLevel, ...] = field(default=())

    @classmethod
    def coerce(cls, value: RiskContext | Mapping[str, Any] | None) -> RiskContext | None:
        """Accept a RiskContext or the engine's plain dict {"previous": [...], "levels": [...]}."""
        if value is None or isinstance(value, RiskContext):
            return value
        if not isinstance(value, Mapping):
            return None
        previous = tuple(str(t) for t in _seq(value.get("previous")) if isinstance(t, str) and t)
        levels = tuple(RiskLevel(v) for v in _seq(value.get("levels"))
                       if isinstance(v, str) and v in _LEVEL_VALUES)
        return cls(previous=previous, levels=levels)

    @property
    def max_level(self) -> RiskLevel:
        return max(self.levels, default=RiskLevel.NONE)


_LEVEL_VALUES = frozenset(level.value for level in RiskLevel)


def _seq(value: object) -> Sequence[object]:
    return value if isinstance(value, list | tuple) else ()
