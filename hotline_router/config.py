"""Settings of the hotline queue and the operator console (nested as `Settings.hotline`).

Environment variables use the usual nesting, e.g. `HAMROH_HOTLINE__SLA_MINUTES__HIGH=3` or
`HAMROH_HOTLINE__CONSOLE_SECRET_KEY=...`. The console's host and port stay in
`Settings.console`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class SlaMinutes(BaseModel):
    """How long a case may wait for an operator before supervisors are alerted."""

    high: int = Field(default=5, ge=1)
    elevated: int = Field(default=15, ge=1)
    none: int = Field(default=60, ge=1)

    def for_level(self, level: str) -> int:
        return {"high": self.high, "elevated": self.elevated}.get(level, self.none)


class HotlineSettings(BaseModel):
    enabled: bool = True
    routing_file: Path = Path("content/hotline/routing.yaml")
    sla_minutes: SlaMinutes = SlaMinutes()
    # A Telegram chat (group) where supervisors get SLA alerts; the console always shows them.
    supervisor_chat_id: int | None = None
    # Signs CSRF tokens and session ids. Without it a random key is made at start-up, so
    # console sessions do not survive a restart.
    console_secret_key: SecretStr | None = None
    # Login attempts allowed per client address and per user name within the window.
    login_rate_limit: int = Field(default=5, ge=1)
    login_window_s: int = Field(default=300, ge=1)
    # Telegram refuses messages over 4096 characters; keep room for the "Operator:" prefix.
    max_reply_chars: int = Field(default=4000, ge=1, le=4000)
    # The queue page lists this many waiting cases (the rest are counted, not rendered).
    queue_page_size: int = Field(default=200, ge=1)
    # An operator counts as online while the console has been polled within this time.
    online_window_s: int = Field(default=120, ge=10)
    # How often the SLA watcher looks at the queue, and the position-notice throttle.
    watch_interval_s: float = Field(default=15.0, gt=0)
    notice_min_interval_s: int = Field(default=180, ge=0)
    # Delivery of operator replies: polling interval and attempts before a reply is "failed".
    delivery_interval_s: float = Field(default=1.0, gt=0)
    delivery_max_attempts: int = Field(default=5, ge=1)
