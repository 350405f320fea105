"""The routing file (content/hotline/routing.yaml): teams, hours, holidays, numbers, outcomes.

Editors maintain it; the format is documented in content/hotline/README.md. `load_routing`
refuses a file with errors; `check_routing` reports every problem as `file:line: message`
(`hamroh content check` includes it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from nlu.languages import LANGS
from nlu.problems import Problem
from nlu.yamlsafe import Loc, YamlError, load_file

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{1,24}$")
_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,47}$")


class RoutingError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _day_set(spec: str) -> list[int]:
    spec = spec.strip().lower()
    if spec in ("daily", "every day"):
        return list(range(7))
    if "-" in spec:
        start, end = (part.strip() for part in spec.split("-", 1))
        if start not in DAYS or end not in DAYS:
            raise ValueError(f"unknown days {spec!r}: use mon..sun, e.g. mon-fri")
        a, b = DAYS.index(start), DAYS.index(end)
        return list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(0, b + 1)]
    if spec not in DAYS:
        raise ValueError(f"unknown day {spec!r}: use mon, tue, wed, thu, fri, sat, sun")
    return [DAYS.index(spec)]


def _minutes(hh: str, mm: str) -> int:
    h, m = int(hh), int(mm)
    if h > 24 or m > 59 or (h == 24 and m):
        raise ValueError(f"{hh}:{mm} is not a time of day")
    return h * 60 + m


class Phone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    number: str
    label: dict[str, str] = Field(default_factory=dict)  # per language: tg, ru, uz

    @field_validator("number")
    @classmethod
    def _number(cls, v: str) -> str:
        if not _PHONE.match(v.strip()):
            raise ValueError(f"{v!r} does not look like a phone number")
        return v.strip()

    def text(self, lang: str) -> str:
        label = self.label.get(lang) or self.label.get("ru")
        return f"{self.number} ({label})" if label else self.number


class Team(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    languages: list[str] = Field(min_length=1)
    countries: list[str] = Field(default_factory=lambda: ["*"])
    timezone: str = "Europe/Moscow"
    hours: dict[str, str] = Field(default_factory=lambda: {"daily": "00:00-24:00"})
    holidays: list[dt.date] = Field(default_factory=list)
    capacity: int = Field(default=3, ge=1, le=50)  # open cases one operator handles at once
    phones: list[Phone] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _CODE.match(v):
            raise ValueError("use lower-case letters, digits, - and _ (at most 48)")
        return v

    @field_validator("languages")
    @classmethod
    def _langs(cls, v: list[str]) -> list[str]:
        bad = [lang for lang in v if lang not in LANGS]
        if bad:
            raise ValueError(f"unknown language code(s) {bad}: use {', '.join(LANGS)}")
        return v

    @field_validator("countries")
    @classmethod
    def _countries(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if c != "*" and not re.fullmatch(r"[A-Z]{2,8}", c)]
        if bad:
            raise ValueError(f"country codes are upper case (RU, KZ, OTHER) or *: {bad}")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r} (e.g. Europe/Moscow, Asia/Tashkent)") from exc
        return v

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: dict[str, str]) -> dict[str, str]:
        for days, ranges in v.items():
            _day_set(days)
            for part in str(ranges).split(","):
                if part.strip().lower() == "closed":
                    continue
                m = _RANGE.match(part.strip())
                if not m:
                    raise ValueError(f"{days}: {part.strip()!r} is not HH:MM-HH:MM or closed")
                _minutes(m[1], m[2]), _minutes(m[3], m[4])
        return v

    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def intervals(self, weekday: int) -> list[tuple[int, int]]:
        """Opening intervals in minutes of the day; an end before the start runs past midnight."""
        out: list[tuple[int, int]] = []
        for days, ranges in self.hours.items():
            if weekday not in _day_set(days):
                continue
            for part in str(ranges).split(","):
                m = _RANGE.match(part.strip())
                if m:
                    out.append((_minutes(m[1], m[2]), _minutes(m[3], m[4])))
        return out

    def is_open(self, now: dt.datetime) -> bool:
        local = now.astimezone(self.tz())
        minute = local.hour * 60 + local.minute
        yesterday = local.date() - dt.timedelta(days=1)
        for start, end in self.intervals(local.weekday()):
            if local.date() not in self.holidays and (start <= minute < end if start < end
                                                      else minute >= start):
                return True
        # The tail of yesterday's overnight shift (22:00-06:00) belongs to yesterday's plan.
        return any(start > end and minute < end and yesterday not in self.holidays
                   for start, end in self.intervals(yesterday.weekday()))

    def next_open(self, now: dt.datetime, horizon_days: int = 14) -> dt.datetime | None:
        """When the team opens next (now, if it is open); None when it never does."""
        if self.is_open(now):
            return now
        local = now.astimezone(self.tz())
        for offset in range(horizon_days + 1):
            day = local.date() + dt.timedelta(days=offset)
            if day in self.holidays:
                continue
            for start, _end in sorted(self.intervals(day.weekday())):
                at = dt.datetime.combine(day, dt.time(0), self.tz()) + dt.timedelta(minutes=start)
                if at > local:
                    return at.astimezone(dt.UTC)
        return None

    def serves(self, lang: str, country: str | None) -> bool:
        return lang in self.languages and (country is None or "*" in self.countries
                                           or country in self.countries)


class Routing(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fallback: str
    teams: list[Team] = Field(min_length=1)
    outcomes: list[str] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)
    emergency: dict[str, list[str]] = Field(default_factory=lambda: {"default": ["112"]})
    default_handle_minutes: int = Field(default=15, ge=1)

    @field_validator("outcomes", "tags")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        bad = [c for c in v if not _CODE.match(c)]
        if bad:
            raise ValueError(f"codes are lower-case words with - or _: {bad}")
        return v

    @model_validator(mode="after")
    def _refs(self) -> Routing:
        ids = [t.id for t in self.teams]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"team ids must be unique: {dupes}")
        if self.fallback not in ids:
            raise ValueError(f"fallback {self.fallback!r} is not one of the teams {ids}")
        return self

    def team(self, team_id: str) -> Team:
        for t in self.teams:
            if t.id == team_id:
                return t
        return self.team(self.fallback)

    def emergency_numbers(self, country: str | None) -> list[str]:
        return self.emergency.get(country or "", self.emergency.get("default", ["112"]))


# -- loading with line numbers -------------------------------------------------------------------


def _line(lines: dict[Loc, int], loc: Loc) -> int:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return 1


def _parse(path: Path) -> tuple[Routing | None, list[Problem]]:
    try:
        doc = load_file(path)
    except FileNotFoundError:
        return None, [Problem(path, 1, "routing file is missing")]
    except YamlError as exc:
        return None, [Problem(path, exc.line, exc.message)]
    data, lines = doc.data, doc.lines
    if not isinstance(data, dict):
        return None, [Problem(path, 1, "the file must be a mapping with fallback, teams, outcomes")]
    try:
        routing = Routing.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if isinstance(p, int | str))
            where = ".".join(str(p) for p in loc) or "file"
            problems.append(Problem(path, _line(lines, loc), f"{where}: {err['msg']}"))
        return None, problems
    return routing, list(_warnings(path, routing, lines))


def _warnings(path: Path, routing: Routing, lines: dict[Loc, int]) -> Iterator[Problem]:
    for lang in LANGS:
        if not any(lang in t.languages for t in routing.teams):
            yield Problem(path, _line(lines, ("teams",)), f"no team speaks {lang!r}", "warning")
    for i, team in enumerate(routing.teams):
        if not team.phones:
            yield Problem(path, _line(lines, ("teams", i)),
                          f"team {team.id!r} has no phone numbers for out-of-hours", "warning")
        if not any(team.intervals(d) for d in range(7)):
            yield Problem(path, _line(lines, ("teams", i, "hours")),
                          f"team {team.id!r} is never open", "warning")


def check_routing(path: Path) -> list[Problem]:
    """Every problem of the routing file (errors and warnings), for `hamroh content check`."""
    return _parse(path)[1]


def load_routing(path: Path) -> Routing:
    routing, problems = _parse(path)
    if routing is None:
        raise RoutingError([p for p in problems if p.is_error] or problems)
    return routing
