"""The Prometheus metrics of Hamroh (prometheus-client, the default registry), and the small
functions the code that handles each event calls. Nothing here knows aiogram or the database:
the engine and the hotline record through these, `bot.ops.instrument` adds the Telegram side.

Labels are bounded sets: update kinds, topic ids and languages from the content, risk levels,
team ids from routing.yaml, Bot API method names. Never a person, a chat or a text.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

UPDATES = Counter("hamroh_updates", "Telegram updates handled", ["kind", "result"])
UPDATE_SECONDS = Histogram("hamroh_update_seconds",
                           "Handling time of one update: flood control, database, engine, commit, replies sent",
                           ["kind"], buckets=LATENCY_BUCKETS)
FLOOD_DROPPED = Counter("hamroh_flood_dropped", "Updates dropped by per-person flood control")
NLU_SECONDS = Histogram("hamroh_nlu_seconds", "NLU parse time (language and topic ranking)", ["backend"],
                        buckets=FAST_BUCKETS)
RISK_SECONDS = Histogram("hamroh_risk_seconds", "Risk assessment time (rules and situation model)",
                         buckets=FAST_BUCKETS)
RISK_LEVELS = Counter("hamroh_risk_assessments", "Messages assessed for danger, by level", ["level"])
ANSWERS = Counter("hamroh_answers", "Answers given, by topic and language", ["topic", "lang"])
QUEUE_LENGTH = Gauge("hamroh_queue_length", "Hotline cases waiting, by team", ["team"])
QUEUE_WAIT = Gauge("hamroh_queue_oldest_wait_seconds", "Waiting time of the oldest waiting case, by team",
                   ["team"])
SLA_BREACHES = Counter("hamroh_sla_breaches", "Cases escalated past their SLA", ["team", "level"])
DELIVERY_FAILURES = Counter("hamroh_delivery_failures",
                            "Operator replies not delivered (each failed attempt), by reason",
                            ["transport", "reason"])
TELEGRAM_REQUESTS = Counter("hamroh_telegram_requests", "Bot API requests (each attempt), by method and result",
                            ["method", "result"])
WEBHOOK_BACKLOG = Gauge("hamroh_webhook_backlog", "Stored updates not yet handled (pending)")
UPDATES_DEAD = Gauge("hamroh_updates_dead", "Dead-lettered updates (see `hamroh updates`)")
CONTENT_ANSWERS = Gauge("hamroh_content_answers", "Answers loaded from the content files")


def nlu_parsed(backend: str, seconds: float) -> None:
    NLU_SECONDS.labels(backend).observe(seconds)


def risk_assessed(level: str, seconds: float) -> None:
    RISK_SECONDS.observe(seconds)
    RISK_LEVELS.labels(level).inc()


def answered(topic: str | None, lang: str | None) -> None:
    """An engine outcome that answers a topic (commands, menus and relays have none)."""
    if topic:
        ANSWERS.labels(topic, lang or "unknown").inc()


def delivery_reason(error: str | None) -> str:
    """A failed delivery's error as a short, bounded reason."""
    text = (error or "").lower()
    for needle, reason in (("blocked", "blocked"), ("rate limited", "rate_limited"), ("refused", "refused"),
                           ("timed out", "timeout"), ("not a telegram chat", "bad_address")):
        if needle in text:
            return reason
    return "error"
