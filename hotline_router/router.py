"""Which team takes a case, and an honest estimate of the wait.

Pure functions over the routing file and a snapshot of the load, so the rules are tested
without a database.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hotline_router.routing import Routing, Team


@dataclass(frozen=True)
class TeamLoad:
    online: int = 0  # operators of the team with the console open
    busy: int = 0  # cases assigned to them now
    queued: int = 0  # cases waiting for the team


@dataclass(frozen=True)
class RouteDecision:
    team: str
    preferred: str
    out_of_hours: bool  # no team for this person is open: the case waits for the morning

    @property
    def overflowed(self) -> bool:
        return self.team != self.preferred


def candidates(routing: Routing, lang: str, country: str | None) -> list[Team]:
    """Teams for this person in the file's order, the fallback team last."""
    own = [t for t in routing.teams if t.id != routing.fallback and t.serves(lang, country)]
    return [*own, routing.team(routing.fallback)]


def has_room(team: Team, load: TeamLoad) -> bool:
    return load.online > 0 and load.busy + load.queued < load.online * team.capacity


def choose_team(routing: Routing, *, lang: str, country: str | None, now: dt.datetime,
                loads: Mapping[str, TeamLoad]) -> RouteDecision:
    """The first open team with room; else the first open team; else the preferred team,
    out of hours. A full or unstaffed team overflows to the next one, then to the fallback."""
    teams = candidates(routing, lang, country)
    preferred = teams[0].id
    open_teams = [t for t in teams if t.is_open(now)]
    for team in open_teams:
        if has_room(team, loads.get(team.id, TeamLoad())):
            return RouteDecision(team.id, preferred, False)
    if open_teams:
        return RouteDecision(open_teams[0].id, preferred, False)
    return RouteDecision(preferred, preferred, True)


def handle_minutes(durations_s: Sequence[float], default_minutes: int) -> float:
    """Typical handling time: the median of recent cases, the default until there are five."""
    if len(durations_s) < 5:
        return float(default_minutes)
    return max(1.0, statistics.median(durations_s) / 60)


def eta_minutes(*, position: int, team: Team, load: TeamLoad, handle: float) -> int | None:
    """Minutes until an operator is likely to take the case; None when nobody is online,
    because then any number would be a guess."""
    if load.online <= 0:
        return None
    slots = load.online * team.capacity
    free = max(0, slots - load.busy)
    if position <= free:
        return 1
    # Each slot frees up about once per handling time; wait for our turn among the rest.
    minutes = math.ceil((position - free) * handle / slots)
    return minutes if minutes <= 10 else int(5 * math.ceil(minutes / 5))


def meaningful_change(*, old_pos: int | None, new_pos: int, old_eta: int | None,
                      new_eta: int | None) -> bool:
    """Worth a new message to the person: not every shuffle of the queue."""
    if old_pos is None:
        return True
    if new_pos != old_pos and (new_pos <= 3 or abs(new_pos - old_pos) >= max(2, old_pos // 4)):
        return True
    if (old_eta is None) != (new_eta is None):
        return True
    if old_eta is not None and new_eta is not None:
        diff = abs(new_eta - old_eta)
        return diff >= 5 and diff >= old_eta / 2
    return False
