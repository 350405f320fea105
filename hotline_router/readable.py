"""What a person did, in words an operator reads at a glance.

A button press is stored as its compact payload (`lang:tg`, `t:docs_patent`, `handoff:yes`)
and a command as its name (`start`); the console shows "[button] Language: Tajik" or
"[command] /start" and keeps the raw value for a tooltip. The payload prefixes are the
engine's (bot.engine.types; a test keeps the two in step): this package does not import bot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LANG_PREFIX, TOPIC_PREFIX, AREA_PREFIX, COUNTRY_PREFIX = "lang:", "t:", "area:", "country:"
MENU, LANG_PICKER, HANDOFF_YES, HANDOFF_NO = "menu", "language", "handoff:yes", "handoff:no"
LANGUAGE_NAMES = {"tg": "Tajik", "ru": "Russian", "uz": "Uzbek"}
_BUTTON_TAG = "[button] "
_MEDIA = re.compile(r"^\[([A-Za-z_]+)\]\s?(.*)$", re.S)


@dataclass(frozen=True)
class Readable:
    text: str  # what the console shows
    raw: str = ""  # the stored value, for a tooltip ("" when the text is the stored value)
    media_type: str | None = None  # for files and other non-text messages


def button(payload: str) -> str:
    """'lang:tg' -> 'Language: Tajik'; unknown payloads are shown as they are."""
    if payload.startswith(LANG_PREFIX):
        code = payload.removeprefix(LANG_PREFIX)
        return f"Language: {LANGUAGE_NAMES.get(code, code)}"
    if payload.startswith(TOPIC_PREFIX):
        return f"topic: {payload.removeprefix(TOPIC_PREFIX)}"
    if payload.startswith(AREA_PREFIX):
        return f"menu section: {payload.removeprefix(AREA_PREFIX)}"
    if payload.startswith(COUNTRY_PREFIX):
        return f"Country: {payload.removeprefix(COUNTRY_PREFIX)}"
    return {MENU: "Main menu", LANG_PICKER: "Change language", HANDOFF_YES: "Talk to a person: yes",
            HANDOFF_NO: "Talk to a person: not now"}.get(payload, payload)


def describe(kind: str | None, text: str) -> Readable:
    """One stored message or transcript entry (kind: text, command, button, media, reply)."""
    if kind == "button":
        payload = text.removeprefix(_BUTTON_TAG)  # relayed presses are stored as "[button] <payload>"
        return Readable(f"[button] {button(payload)}", payload)
    if kind == "command":
        name = text.strip().lstrip("/")
        return Readable(f"[command] /{name}", text)
    if kind == "media":
        found = _MEDIA.match(text)
        if found:  # relayed media are stored as "[photo] caption"
            media, caption = found[1], found[2]
        else:  # the bot's own history keeps only the type
            media, caption = (text.strip() or "media"), ""
        return Readable(f"[{media}] {caption}".strip(), "", media)
    return Readable(text)
