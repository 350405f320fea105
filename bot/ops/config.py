"""Settings of the operations endpoints (`HAMROH_OPS__*`), nested as `Settings.ops`."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class OpsSettings(BaseModel):
    # /healthz, /readyz and /metrics listen here (a private address: never behind the public proxy).
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=0, le=65535)
    # Each readiness check gives up after this long (the database, Redis, Rasa).
    check_timeout_s: float = Field(default=3.0, gt=0)
    # With the Rasa backend, /readyz fails while Rasa is unreachable. Set false to keep the
    # process in the proxy's rotation and answer through the embedded fallback instead.
    nlu_required: bool = True
    # Key of the person hash in logs (`person=...`). Set the same value in every replica to
    # correlate one person's lines across processes and restarts; unset, a random key per process.
    person_key: SecretStr | None = None
