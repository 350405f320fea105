"""bot.ops pieces on their own: the person hash, the delivery and SLA counters, and readiness
of the NLU backend (Rasa down: not ready, or ready through the fallback when allowed)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import REGISTRY

from bot.logs import redact
from bot.ops import metrics
from bot.ops.config import OpsSettings
from bot.ops.health import Probe
from bot.ops.instrument import CountingSender, SlaBreachCounter, person_ref
from bot.settings import DatabaseSettings, Settings
from hotline_router.relay import DeliveryResult, PartSender
from hotline_router.sla import Escalation
from nlu.config import NLUSettings


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_person_ref_is_keyed_stable_and_never_scrubbed() -> None:
    a = person_ref("telegram", 998901234567, b"k1")
    assert a == person_ref("telegram", "998901234567", b"k1")  # same person, same key: same hash
    assert a != person_ref("telegram", 998901234567, b"k2")  # another deployment's key
    assert a != person_ref("chat", 998901234567, b"k1")
    assert a.isalpha() and len(a) == 16 and "998901234567" not in a
    # The log scrubber leaves it alone (no digits to mistake for a phone or a passport).
    assert redact(None, "info", {"event": "x", "person": a})["person"] == a


@pytest.mark.parametrize(("error", "reason"), [
    ("blocked: the person has blocked the bot or deleted their account", "blocked"),
    ("rate limited by Telegram", "rate_limited"), ("refused by Telegram: chat not found", "refused"),
    ("timed out", "timeout"), ("not a Telegram chat id: 'x'", "bad_address"), (None, "error"),
])
def test_delivery_reasons(error: str | None, reason: str) -> None:
    assert metrics.delivery_reason(error) == reason


class PartsOnly:
    def __init__(self, results: list[DeliveryResult]) -> None:
        self.results = results

    def parts(self, text: str) -> list[str]:
        return [text[:3], text[3:]]

    async def send_part(self, external_id: str, part: str) -> DeliveryResult:
        return self.results.pop(0)

    async def send(self, external_id: str, text: str) -> DeliveryResult:
        return self.results.pop(0)


async def test_counting_sender_keeps_the_part_protocol_and_counts_failures() -> None:
    inner = PartsOnly([DeliveryResult(ok=True), DeliveryResult(ok=False, error="timed out"),
                       DeliveryResult(ok=False, error="blocked: x", retry=False)])
    sender = CountingSender(inner, "telegram")
    assert isinstance(sender, PartSender) and sender.parts("abcdef") == ["abc", "def"]
    before = value("hamroh_delivery_failures_total", transport="telegram", reason="timeout")
    blocked = value("hamroh_delivery_failures_total", transport="telegram", reason="blocked")
    assert (await sender.send_part("1", "abc")).ok
    assert not (await sender.send_part("1", "def")).ok
    assert not (await sender.send("1", "abcdef")).ok
    assert value("hamroh_delivery_failures_total", transport="telegram", reason="timeout") == before + 1
    assert value("hamroh_delivery_failures_total", transport="telegram", reason="blocked") == blocked + 1


async def test_sla_breaches_are_counted_by_team_and_level() -> None:
    before = value("hamroh_sla_breaches_total", team="tajik", level="high")
    await SlaBreachCounter().notify(Escalation(1, "high", "tajik", "tg", 12, 5))
    assert value("hamroh_sla_breaches_total", team="tajik", level="high") == before + 1


def probe(tmp_path: Path, **ops: Any) -> Probe:
    settings = Settings(database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"),
                        nlu=NLUSettings(backend="rasa", rasa_url="http://127.0.0.1:9"))
    services: Any = SimpleNamespace(settings=settings)
    return Probe(services, None, OpsSettings(check_timeout_s=2.0, **ops))


async def test_rasa_unreachable_is_not_ready_unless_the_fallback_is_allowed(tmp_path: Path) -> None:
    p = probe(tmp_path)
    ok, text = await p._one(p.nlu)
    assert not ok and text.startswith("Rasa at http://127.0.0.1:9: ")
    p = probe(tmp_path, nlu_required=False)
    ok, text = await p._one(p.nlu)
    assert ok and text.endswith("(answering through the embedded fallback)")
    ok, text = await p._one(p.redis)
    assert ok and text == "not configured"


def test_the_dashboard_reads_only_metrics_that_exist() -> None:
    import json
    import re

    names: set[str] = set()
    for family in REGISTRY.collect():
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}
        names |= {family.name + s for s in suffixes.get(family.type, ("",))}
    dashboard = Path(__file__).resolve().parents[3] / "deploy/grafana/hamroh-dashboard.json"
    exprs = [t["expr"] for p in json.loads(dashboard.read_text())["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\bhamroh_\w+", e)}
    assert used and used <= names, used - names
