"""Where the person is now, kept apart from places they only ask about.

A case starts with the bot's record of the person's country (`country_source="profile"`).
That record may be a place the person asked about ("can I work in Korea?"), so a danger case
is not routed on it with confidence: the person is asked, or an operator corrects it.

- The dialogue engine asks "where are you now?" when `LocationPort.should_ask` says so (a
  high-risk case opened and nobody has confirmed the country), and passes the answer to
  `LocationPort.person_is_in`.
- An operator corrects it in the console (`set_country`, audited by the console).

A waiting case whose country changes is routed again (the team of the new country, its
numbers); a case an operator already holds stays with them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from hotline_router import cases
from hotline_router.models import Case
from hotline_router.queue import team_loads
from hotline_router.router import choose_team
from hotline_router.routing import Routing

SOURCES = ("profile", "person", "operator")
CONFIRMED = ("person", "operator")
_CODE = re.compile(r"^[A-Z]{2,8}$")


class LocationError(ValueError):
    pass


@dataclass(frozen=True)
class CountryChange:
    before: str | None
    after: str
    source: str
    team_before: str
    team_after: str

    @property
    def rerouted(self) -> bool:
        return self.team_before != self.team_after


def confirmed(case: Case) -> bool:
    """The person said where they are, or an operator corrected it."""
    return case.country is not None and case.country_source in CONFIRMED


def should_ask(case: Case) -> bool:
    """A danger case is open and nobody has confirmed where the person is."""
    return case.is_open and case.level == "high" and not confirmed(case)


def choices(routing: Routing) -> list[str]:
    """Country codes an operator may pick: those the routing file knows, then OTHER."""
    codes = {c for t in routing.teams for c in t.countries if c != "*"}
    codes |= {c for c in routing.emergency if c != "default"}
    codes.discard("OTHER")
    return [*sorted(codes), "OTHER"]


async def set_country(session: AsyncSession, case: Case, country: str, *, source: str,
                      actor: cases.Actor, routing: Routing, now: dt.datetime,
                      window_s: int) -> CountryChange:
    """Record where the person is; a waiting case goes to the team that serves it."""
    country = country.strip().upper()
    if not _CODE.match(country):
        raise LocationError("country codes are upper-case letters (RU, KZ, OTHER)")
    if source not in SOURCES:
        raise LocationError(f"unknown source {source!r}")
    before, team_before = case.country, case.team
    case.country, case.country_source = country, source
    if case.status == "queued":
        loads = await team_loads(session, routing, now=now, window_s=window_s)
        decision = choose_team(routing, lang=case.lang, country=country, now=now, loads=loads)
        case.team, case.preferred_team = decision.team, decision.preferred
        case.out_of_hours = decision.out_of_hours
    change = CountryChange(before, country, source, team_before, case.team)
    cases.record(session, case, "country_set", actor, now, before=before, after=country,
                 source=source, **({"to_team": case.team} if change.rerouted else {}))
    return change


class HotlineLike(Protocol):
    @property
    def routing(self) -> Routing: ...
    def clock(self) -> dt.datetime: ...


class LocationPort:
    """What the dialogue engine calls (with its own session; it commits)."""

    def __init__(self, hotline: HotlineLike, *, window_s: int = 120) -> None:
        self.hotline, self.window_s = hotline, window_s

    async def should_ask(self, session: AsyncSession, *, user_id: int) -> bool:
        case = await cases.open_case(session, user_id)
        return case is not None and should_ask(case)

    async def person_is_in(self, session: AsyncSession, *, user_id: int,
                           country: str) -> CountryChange | None:
        """The person answered "where are you now?" (or pressed a country button)."""
        case = await cases.open_case(session, user_id)
        if case is None:
            return None
        return await set_country(session, case, country, source="person", actor=cases.PERSON,
                                 routing=self.hotline.routing, now=self.hotline.clock(),
                                 window_s=self.window_s)
