"""Trained models cached on disk: written atomically, read back only when their key matches.

Nothing here is downloaded: a cache file is only ever written by this project's own training.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TypeVar

import joblib
import structlog

log = structlog.get_logger(__name__)
T = TypeVar("T")


def load_cached(path: Path, kind: type[T], key: str) -> T | None:
    """The cached object when the file holds a `kind` with this `key`, else None."""
    if not path.exists():
        return None
    try:
        obj = joblib.load(path)
    except Exception as exc:  # any unreadable cache file just means: train again
        log.warning("nlu.cache_unreadable", path=str(path), error=repr(exc))
        return None
    return obj if isinstance(obj, kind) and getattr(obj, "key", None) == key else None


def save_cached(obj: object, path: Path, prefix: str) -> None:
    """Write then rename, so a crash or a concurrent start never leaves a half-written file;
    then remove older files with the same prefix. A read-only disk is logged, not raised:
    the model is simply trained again at the next start."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".joblib")
        os.close(fd)
        try:
            joblib.dump(obj, tmp, compress=3)
            os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; the cache is not secret
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        for old in path.parent.glob(f"{prefix}*.joblib"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("nlu.cache_write_failed", path=str(path), error=repr(exc))
