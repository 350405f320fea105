"""A running service picks up a retrained model without a restart: `hamroh nlu train` writes
the cache and signals the service (SIGHUP, as `hamroh content reload`); the service's reload
(`bot.app.Services.reload_editable_files`) calls `refresh`, which swaps the model in place
when the training data changed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import structlog

from nlu.config import NLUSettings
from nlu.embedded import cache_key, load_or_train
from nlu.parse import EmbeddedNLU

log = structlog.get_logger(__name__)
# The service's pidfile (bot.runtime.PIDFILE; the same relative path, read from the project root).
PIDFILE = Path("data/hamroh.pid")


def embedded_of(nlu: object) -> EmbeddedNLU | None:
    """The embedded backend itself, or the one inside the Rasa backend."""
    if isinstance(nlu, EmbeddedNLU):
        return nlu
    inner = getattr(nlu, "embedded", None)
    return inner if isinstance(inner, EmbeddedNLU) else None


def refresh(nlu: object, settings: NLUSettings) -> bool:
    """Load (or train) the model of the current data when it differs from the running one.
    Blocking: runs in the reload's worker thread. True when the model was replaced."""
    embedded = embedded_of(nlu)
    if embedded is None or cache_key(settings.data_dir) == embedded.model.key:
        return False
    model = load_or_train(settings.data_dir, settings.cache_dir)
    embedded.model = model  # one attribute: a parse in flight uses the old or the new model
    log.info("nlu.model_reloaded", key=model.key, intents=len(model.intents))
    return True


def signal_service(pidfile: Path = PIDFILE) -> int | None:
    """SIGHUP to the running service; its pid, or None when none is running."""
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        return None
    return pid
