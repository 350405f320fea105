"""Settings of the hotline queue and the operator console (nested as `Settings.hotline`).

Environment variables use the usual nesting, e.g. `HAMROH_HOTLINE__SLA_MINUTES__HIGH=3` or
`HAMROH_HOTLINE__CONSOLE_SECRET_KEY=...`. The console's host and port stay in
`Settings.console`.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator


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
    # Ready replies of the console (<lang>.yaml); None: the `replies` folder next to routing_file.
    replies_dir: Path | None = None
    sla_minutes: SlaMinutes = SlaMinutes()
    # A Telegram chat (group) where supervisors get SLA alerts; the console always shows them.
    supervisor_chat_id: int | None = None
    # Signs CSRF tokens and session ids. Without it a random key is generated once and kept
    # in `console_secret_file` (mode 0600), so a restart does not log everyone out; a
    # configured key always wins. None: a new random key per process.
    console_secret_key: SecretStr | None = None
    console_secret_file: Path | None = Path("data/console_secret.key")
    # No longer used (the login throttle below replaced them); kept so old configs still load.
    login_rate_limit: int = Field(default=5, ge=1)
    login_window_s: int = Field(default=300, ge=1)
    # Login throttle (hotline_router/console/throttle.py). Per account: the first
    # `login_free_attempts` attempts are free, then each must wait 1 s, 2 s, 4 s ... (base,
    # doubling) up to `login_backoff_max_s` after the previous one. Per client address:
    # at most `login_address_limit` failed attempts within `login_memory_s` (an office of a
    # few dozen operators behind one NAT never gets near it). Failures are forgotten after
    # `login_memory_s` without attempts, and a correct password forgives them.
    login_free_attempts: int = Field(default=3, ge=1)
    login_backoff_base_s: float = Field(default=1.0, gt=0)
    login_backoff_max_s: float = Field(default=60.0, gt=0)
    login_address_limit: int = Field(default=50, ge=1)
    login_memory_s: int = Field(default=900, ge=1)
    # Password checks (argon2, in worker threads) allowed to wait at once; beyond it a login
    # gets "busy, try again" (503) instead of queueing without end.
    login_max_pending: int = Field(default=32, ge=1)
    # Direct peers (addresses or networks, e.g. "127.0.0.1", "10.0.0.0/8") whose
    # X-Forwarded-For header names the real client. Empty: the header is never read.
    trusted_proxies: list[str] = Field(default_factory=list)
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

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ipaddress.ip_network(item.strip(), strict=False)  # ValueError names the bad entry
        return [item.strip() for item in value]
