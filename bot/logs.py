"""Logging: structlog and the standard library through one handler, with personal data
redacted before anything is written.

Every record (ours through structlog, aiogram's, aiohttp's and SQLAlchemy's through the
standard library) passes `redact`: a field named like a message body (`text`, `payload`,
`message`, `transcript`, `caption`, ...) is replaced by its length and a short keyed hash (the
same value gives the same hash within one process, so repeats can be correlated), and every
other string is scrubbed of phone, card and passport-like numbers, e-mail addresses and a name
after "меня зовут" / "my name is" / "номи ман" / "mening ismim". The rendered line is scrubbed
once more (`scrub_rendered`), so an exception message rendered by the console renderer is
covered too.

Tracebacks never show local variables (they held the update payload): plain tracebacks when
`HAMROH_LOG_JSON` is set or stderr is not a terminal, rich ones with `show_locals=False` on
a terminal. SQLAlchemy never logs result rows, and SQL echo (`HAMROH_DATABASE__ECHO`) goes
through this handler; the engine itself hides bound parameters (`bot.storage.db`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from typing import Any, TextIO

import structlog
from structlog.types import EventDict, Processor

from bot.settings import Settings

# Fields whose whole value is the person's words or an update carrying them.
SENSITIVE_FIELDS = frozenset({
    "text", "payload", "message", "transcript", "caption", "body", "evidence", "matched",
    "reply", "note", "update_payload", "raw", "data_text",
})
_KEY = os.urandom(16)  # per process: a short text's hash cannot be looked up in a table

_INTRO = (r"меня\s+зовут|мое\s+имя|моё\s+имя|my\s+name\s+is|номи\s+ман|номам|"
          r"mening\s+ismim|ismim|менинг\s+исмим|исмим")
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # A name after an introduction: the phrase stays, the next one or two words go.
    (re.compile(rf"(?i)\b({_INTRO})(\s*[:,-]?\s*)[^\W\d_]+(?:\s+[A-ZА-ЯЁ][^\W\d_]*)?"), r"\1\2[name]"),
    # 10 to 19 digits with spaces, dashes, dots or brackets between: phones, cards, passports.
    # (A date and time, 2026-03-18 07, is not one.)
    (re.compile(r"(?<![\w])(?!\d{4}-\d\d-\d\d)\+?\d(?:[\s().-]{0,2}\d){9,18}(?![\w])"), "[number]"),
    # One or two letters then 6-9 digits (AA1234567, N 1234567), or № followed by digits.
    (re.compile(r"(?<![\w])[A-Za-zА-Яа-яЁё]{1,2}[\s№-]?\d{6,9}(?![\w])"), "[document]"),
    (re.compile(r"№\s?\d{4,}"), "[document]"),
)
_MARKER = "<redacted"
_MAX_DEPTH = 6


def digest(value: str) -> str:
    """8 hex digits as xxxx-xxxx: never mistaken for a number `scrub` removes."""
    h = hashlib.blake2b(value.encode("utf-8", "replace"), key=_KEY, digest_size=4).hexdigest()
    return f"{h[:4]}-{h[4:]}"


def scrub(text: str) -> str:
    """The string with every personal-looking pattern replaced by a placeholder."""
    for pattern, repl in PATTERNS:
        text = pattern.sub(repl, text)
    return text


def summarise(value: Any) -> str:
    """A message body as its length and hash: enough to tell messages apart, nothing more."""
    if isinstance(value, str):
        raw = value
    else:
        try:
            raw = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        except (TypeError, ValueError):
            raw = repr(value)
    return f"{_MARKER} len={len(raw)} sha={digest(raw)}>"


def _clean(value: Any, depth: int = 0) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if value.startswith(_MARKER) else scrub(value)
    if depth >= _MAX_DEPTH:
        return scrub(repr(value))
    if isinstance(value, Mapping):
        return {str(k): (summarise(v) if str(k).lower() in SENSITIVE_FIELDS and v not in (None, "")
                         else _clean(v, depth + 1)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v, depth + 1) for v in value]
    return scrub(repr(value) if isinstance(value, BaseException) else str(value))


_KEEP = frozenset({"exc_info", "stack_info", "_record", "_from_structlog", "_logger", "_name", "level",
                   "timestamp", "logger"})


def redact(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """The structlog processor: sensitive fields summarised, every other string scrubbed."""
    for key, value in list(event_dict.items()):
        if key in _KEEP:
            continue
        if key.lower() in SENSITIVE_FIELDS and key != "event" and value not in (None, ""):
            event_dict[key] = summarise(value)
        else:
            event_dict[key] = _clean(value)
    return event_dict


def scrub_rendered(_logger: Any, _method: str, rendered: Any) -> Any:
    """After the renderer: the final line (and any traceback in it) scrubbed once more."""
    return scrub(rendered) if isinstance(rendered, str) else rendered


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _renderer(json_logs: bool, tty: bool) -> tuple[list[Processor], Processor]:
    """The exception step and the renderer: tracebacks never carry local variables."""
    if json_logs:
        return [structlog.processors.format_exc_info], structlog.processors.JSONRenderer(ensure_ascii=False)
    if tty:
        try:
            formatter: Any = structlog.dev.RichTracebackFormatter(show_locals=False)
        except Exception:  # rich missing
            formatter = structlog.dev.plain_traceback
        return [], structlog.dev.ConsoleRenderer(colors=False, exception_formatter=formatter)
    return ([structlog.processors.format_exc_info],
            structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback))


_CAPPED = ("sqlalchemy.engine", "sqlalchemy.engine.Engine", "aiosqlite", "sqlalchemy.pool", "sqlalchemy.orm")


def _level(name: str) -> int:
    value = logging.getLevelName(name.upper())
    return value if isinstance(value, int) else logging.INFO


class _HamrohHandler(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """Marks the handler this module installs, so a second call replaces it."""


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> None:
    """One handler on the root logger; structlog renders through it (see the module text)."""
    stream = stream if stream is not None else sys.stderr
    level = _level(settings.log_level)
    json_logs = settings.log_json or os.environ.get("HAMROH_LOG_JSON", "").lower() in ("1", "true", "yes")
    exc_steps, renderer = _renderer(json_logs, _is_tty(stream))
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *exc_steps, redact, renderer,
                    scrub_rendered],
    )
    handler = _HamrohHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _HamrohHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Result rows and per-call driver chatter can quote what people wrote: never below these.
    logging.getLogger("sqlalchemy.engine").setLevel(
        logging.INFO if settings.database.echo else max(level, logging.WARNING))
    logging.getLogger("aiosqlite").setLevel(max(level, logging.INFO))
    for name in ("sqlalchemy.pool", "sqlalchemy.orm"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    structlog.configure(
        processors=[*shared, structlog.processors.StackInfoRenderer(),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )


def reset_logging() -> None:
    """Undo `configure_logging` (tests)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _HamrohHandler)]:
        root.removeHandler(old)
    root.setLevel(logging.WARNING)
    for name in _CAPPED:
        logging.getLogger(name).setLevel(logging.NOTSET)
    structlog.reset_defaults()
