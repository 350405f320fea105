"""Campaign files: what the checker says, line by line (check_cases.yaml), and the real ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.campaigns.schema import load_campaign_file, load_campaigns, parse_press
from bot.content.checker import check_content
from bot.content.loader import load_catalogue
from tests.conftest import CONTENT

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "check_cases.yaml").read_text("utf-8"))
TOPICS = set(load_catalogue(CONTENT)[0])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_check(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(case["file"], encoding="utf-8")
    _, problems = load_campaign_file(path, TOPICS)
    got = sorted((p.line, p.severity, p.message) for p in problems)
    want = sorted(tuple(e) for e in case["expect"])
    assert len(got) == len(want), got
    for (line, severity, message), (w_line, w_severity, w_text) in zip(got, want, strict=True):
        assert (line, severity) == (w_line, w_severity) and w_text in message, (got, want)


def test_the_real_campaigns_have_no_errors_and_are_in_the_checker() -> None:
    found, problems = load_campaigns(CONTENT / "campaigns", TOPICS)
    assert {"patent_price_2027", "fake_job_offers", "moscow_amina"} <= set(found)
    assert not [p for p in problems if p.is_error]
    _, all_problems = check_content(CONTENT, include_nlu=False)
    assert any("campaigns/patent_price_2027.yaml" in str(p.path) for p in all_problems)  # its review note


def test_a_broken_file_is_left_out_and_reported(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("id: good\ntitle: t\nexpires_at: 2027-01-01T00:00\n"
                                        "audience: {languages: [ru]}\ntext: {ru: x}\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_bytes(b"\x00\xff binary")
    found, problems = load_campaigns(tmp_path)
    assert list(found) == ["good"] and problems and all("bad.yaml" in str(p.path) for p in problems)


def test_times_without_an_offset_are_in_the_hotline_zone() -> None:
    found, _ = load_campaigns(CONTENT / "campaigns", TOPICS)
    send_at, expires_at = found["patent_price_2027"].when(ZoneInfo("Europe/Moscow"))
    assert send_at == dt.datetime(2027, 1, 1, 7, 0, tzinfo=dt.UTC)  # 10:00 in Moscow
    assert expires_at > send_at


def test_button_payloads() -> None:
    found, _ = load_campaigns(CONTENT / "campaigns", TOPICS)
    payload = found["fake_job_offers"].payload("jobs_verify_offer")
    assert parse_press(payload) == ("fake_job_offers", "jobs_verify_offer") and len(payload.encode()) <= 64
    assert parse_press("t:docs_patent") is None and parse_press("news:only") is None
