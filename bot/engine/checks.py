"""The middle path for doubt, and danger that is remembered.

A message rated "elevated" is not a report of danger, but it may hide one. After the answer the
bot asks one short, caring question (a direct one when self-harm is among the indicators, as
crisis lines do): Yes raises a handoff at level high with the message that raised the doubt as
evidence, No gets a kind reply and is not asked again for the same indicators in this window.

What a person reported stays with them: any later request for a person is raised to at least
the level of their worst message in the last `REMEMBER_DANGER`, with its evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from bot.engine.types import CHECK_NO, CHECK_YES, HANDOFF_YES, Button, CheckKind, Reply
from bot.i18n import Translator
from bot.storage.models import Event

REMEMBER_DANGER = dt.timedelta(days=30)
RISK_RANK = {"none": 0, "elevated": 1, "high": 2}
_KINDS: dict[str, CheckKind] = {"danger": "danger", "self_harm": "self_harm"}


@dataclass(frozen=True)
class RiskFacts:
    """A level with what supports it: the indicators and the detector's evidence."""

    level: str = "none"
    indicators: tuple[str, ...] = ()
    evidence: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, event: Event | None) -> RiskFacts:
        if event is None or event.risk not in RISK_RANK:
            return cls()
        return cls(event.risk, tuple(str(i) for i in event.indicators or ()),
                   tuple(e for e in event.evidence or () if isinstance(e, dict)))

    @property
    def rank(self) -> int:
        return RISK_RANK.get(self.level, 0)

    def at_least(self, other: RiskFacts) -> RiskFacts:
        """These facts raised to `other`'s level; `other`'s indicators and evidence are added
        when it is at least as serious (the stronger one's come first)."""
        if other.rank == 0 or other.rank < self.rank:
            return self
        first, second = (other, self) if other.rank > self.rank else (self, other)
        evidence = first.evidence + tuple(e for e in second.evidence if e not in first.evidence)
        return RiskFacts(first.level, tuple(dict.fromkeys((*first.indicators, *second.indicators))),
                         evidence)

    def as_kwargs(self) -> dict[str, Any]:
        return {"level": self.level, "indicators": list(self.indicators), "evidence": list(self.evidence)}


def check_kind(level: str, indicators: Sequence[str],
               declined: Collection[str] | None = None) -> CheckKind | None:
    """The check question for a message, or None: for "elevated", and for any hint of
    self-harm whatever its level (crisis lines ask directly, even after the numbers are shown);
    not again when the person already answered No for all of these indicators (`declined`,
    None = never asked)."""
    self_harm = "self_harm" in indicators
    if level != "elevated" and not (self_harm and level == "high"):
        return None
    if declined is not None and set(indicators) <= set(declined):
        return None
    return "self_harm" if self_harm else "danger"


def parse_answer(payload: str) -> tuple[bool, CheckKind] | None:
    """(yes?, kind) for a check button's payload, None for any other payload."""
    for prefix, yes in ((CHECK_YES, True), (CHECK_NO, False)):
        if payload.startswith(prefix):
            kind = _KINDS.get(payload.removeprefix(prefix))
            if kind is not None:
                return yes, kind
    return None


def is_check_payload(payload: str) -> bool:
    return payload.startswith((CHECK_YES, CHECK_NO))


def declined(events: Sequence[Event]) -> set[str] | None:
    """The indicators the person answered No for in these events (None: no No at all)."""
    nos = [e for e in events if e.direction == "in" and e.kind == "button" and e.text.startswith(CHECK_NO)]
    if not nos:
        return None
    return {str(i) for e in nos for i in e.indicators or ()}


def doubt(events: Sequence[Event]) -> Event | None:
    """The newest message that was rated "elevated": the one a check question asks about."""
    return next((e for e in reversed(events) if e.direction == "in" and e.risk == "elevated"), None)


def question(_: Translator, kind: CheckKind) -> Reply:
    text = (_("Are you thinking about ending your life?") if kind == "self_harm"
            else _("Are you or someone close to you in danger right now?"))
    return Reply(text, ((Button(_("Yes"), CHECK_YES + kind), Button(_("No"), CHECK_NO + kind)),
                        (Button(_("👤 Talk to a person"), HANDOFF_YES),)))


def confirmed(doubted: RiskFacts, kind: CheckKind) -> RiskFacts:
    """The doubted message's facts at level high, marked as confirmed by the person."""
    indicators = doubted.indicators or (("self_harm",) if kind == "self_harm" else ())
    evidence = tuple({**e, "confirmed_by_person": True} for e in doubted.evidence)
    answer = {"indicator": "self_harm" if kind == "self_harm" else (indicators[0] if indicators else ""),
              "source": "person", "rule_id": CHECK_YES + kind, "matched": "yes", "level": "high",
              "counted": True}
    return RiskFacts("high", indicators, (*evidence, answer))


def declined_reply(_: Translator) -> Reply:
    return Reply(_("Thank you. If anything changes, write to me at any time."))


def self_harm_intro(_: Translator) -> str:
    return _("Thank you for telling me. You are not alone. A person from the hotline will write to you.")

