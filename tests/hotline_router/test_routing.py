"""Routing rules: language, country, hours, holidays, overflow; the file checker; estimates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from hotline_router.router import TeamLoad, choose_team, eta_minutes, handle_minutes, meaningful_change
from hotline_router.routing import Routing, RoutingError, Team, check_routing, load_routing

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CASES = yaml.safe_load((HERE / "routing_cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_choose_team(routing: Routing, case: dict[str, Any]) -> None:
    at = case["at"].replace(tzinfo=dt.UTC)  # YAML reads the timestamp
    loads = {team: TeamLoad(*values) for team, values in case["loads"].items()}
    decision = choose_team(routing, lang=case["lang"], country=case["country"], now=at, loads=loads)
    assert (decision.team, decision.out_of_hours) == (case["team"], case["out_of_hours"])


def test_overnight_hours_and_next_open() -> None:
    team = Team(id="night", name="Night", languages=["ru"], timezone="Europe/Moscow",
                hours={"mon-fri": "22:00-06:00"}, holidays=[dt.date(2026, 3, 20)])
    msk = dt.timezone(dt.timedelta(hours=3))
    assert team.is_open(dt.datetime(2026, 3, 18, 23, 30, tzinfo=msk))
    assert team.is_open(dt.datetime(2026, 3, 19, 5, 59, tzinfo=msk))  # Wednesday's shift goes on
    assert not team.is_open(dt.datetime(2026, 3, 19, 6, 0, tzinfo=msk))
    assert not team.is_open(dt.datetime(2026, 3, 20, 23, 0, tzinfo=msk))  # a holiday
    opens = team.next_open(dt.datetime(2026, 3, 20, 12, 0, tzinfo=msk))
    # Friday is a holiday and the weekend is closed: Monday 22:00 Moscow.
    assert opens == dt.datetime(2026, 3, 23, 19, 0, tzinfo=dt.UTC)


def test_the_repository_routing_file_is_valid() -> None:
    path = ROOT / "content" / "hotline" / "routing.yaml"
    assert [p for p in check_routing(path) if p.is_error] == []
    routing = load_routing(path)
    assert routing.team(routing.fallback).id == routing.fallback


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def test_phone_numbers_are_the_verified_ones() -> None:
    """Every number a person may be told is one of the verified numbers (brief_phones.yaml,
    copied from the domain brief with its source), written the same way."""
    verified = yaml.safe_load((HERE / "brief_phones.yaml").read_text(encoding="utf-8"))
    known = {_digits(entry["number"]): entry["number"] for entry in verified}
    routing = load_routing(ROOT / "content" / "hotline" / "routing.yaml")
    for team in routing.teams:
        for phone in team.phones:
            assert _digits(phone.number) in known, f"{phone.number} of {team.id} is not a verified number"
            assert phone.number == known[_digits(phone.number)], f"{phone.number} is written differently"


MINISTRY = "+7 495 967-98-44"  # the Ministry of Labour's hotline in Russia (brief, section 4)
MINISTRY_WORDS = ("минтруд", "министерств", "вазорат", "vazirlig", "ministry")
REGION_LINES = {"+7 966 031-22-22": ("москов", "маскав", "moskva"),
                "+7 936 174-19-92": ("москов", "маскав", "moskva"),
                "+7 926 311-52-53": ("поволж", "волга", "volga")}


def test_phone_labels_say_what_each_number_is() -> None:
    """Only the 495 number is the Ministry's line; the 966/936 lines are the Moscow region's
    and the 926 line the Volga region's, in every language of the out-of-hours notice."""
    routing = load_routing(ROOT / "content" / "hotline" / "routing.yaml")
    seen = set()
    for team in routing.teams:
        for phone in team.phones:
            seen.add(phone.number)
            for lang in ("tg", "ru", "uz"):
                label = phone.label.get(lang, "").lower()
                assert label, f"{phone.number} of {team.id} has no {lang} label"
                is_ministry = any(w in label for w in MINISTRY_WORDS)
                assert is_ministry == (phone.number == MINISTRY), f"{phone.number} ({lang}): {label}"
                if phone.number == MINISTRY:
                    assert "9:00" in label and "18:00" in label  # its hours, Moscow time
                if phone.number in REGION_LINES:
                    assert any(w in label for w in REGION_LINES[phone.number]), f"{phone.number}: {label}"
    assert {MINISTRY, *REGION_LINES} <= seen


def test_problems_are_reported_with_lines(tmp_path: Path) -> None:
    bad = tmp_path / "routing.yaml"
    bad.write_text("""fallback: nobody
teams:
  - id: a
    name: A
    languages: [tg, xx]
    timezone: Mars/Olympus
    hours: {mon-fri: "9-18"}
outcomes: [done]
""", encoding="utf-8")
    problems = check_routing(bad)
    lines = {p.line for p in problems}
    assert {5, 6, 7} <= lines
    assert all(p.path == bad for p in problems)
    with pytest.raises(RoutingError):
        load_routing(bad)


def test_unknown_fallback_and_duplicates(tmp_path: Path) -> None:
    bad = tmp_path / "routing.yaml"
    bad.write_text("fallback: b\nteams:\n  - {id: a, name: A, languages: [ru]}\n"
                   "  - {id: a, name: A2, languages: [tg]}\noutcomes: [x]\n", encoding="utf-8")
    messages = " ".join(p.message for p in check_routing(bad))
    assert "unique" in messages or "fallback" in messages


def test_missing_and_broken_files(tmp_path: Path) -> None:
    assert check_routing(tmp_path / "nope.yaml")[0].message == "routing file is missing"
    broken = tmp_path / "routing.yaml"
    broken.write_text("fallback: [\n", encoding="utf-8")
    assert check_routing(broken)[0].is_error


@pytest.mark.parametrize(("position", "load", "expected"), [
    (1, TeamLoad(online=1, busy=0), 1),  # a free operator: any minute now
    (3, TeamLoad(online=1, busy=2), 15),  # 2 slots, both busy: 3 * 10 min / 2
    (1, TeamLoad(online=0), None),  # nobody online: no made-up number
])
def test_eta(routing: Routing, position: int, load: TeamLoad, expected: int | None) -> None:
    team = routing.team("tajik")
    assert eta_minutes(position=position, team=team, load=load, handle=10) == expected


def test_handle_minutes_needs_five_cases() -> None:
    assert handle_minutes([60.0] * 4, 15) == 15
    assert handle_minutes([600.0] * 5, 15) == 10


@pytest.mark.parametrize(("old_pos", "new_pos", "old_eta", "new_eta", "tell"), [
    (None, 5, None, 20, True),
    (10, 9, 50, 45, False),  # a small shuffle is not news
    (10, 7, 50, 35, True),
    (4, 3, 20, 15, True),  # the top three are always told
    (5, 5, 10, 30, True),  # the wait tripled
    (5, 5, None, 20, True),  # someone came online
])
def test_meaningful_change(old_pos: int | None, new_pos: int, old_eta: int | None,
                           new_eta: int | None, tell: bool) -> None:
    assert meaningful_change(old_pos=old_pos, new_pos=new_pos, old_eta=old_eta, new_eta=new_eta) is tell
