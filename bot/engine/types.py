"""What goes into the engine and what comes out of it, independent of any transport."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from nlu.languages import Lang

IncomingKind = Literal["text", "command", "button", "media"]
# Which check question was asked: "danger" (you or someone close in danger right now?) or,
# when self-harm is among the indicators, the direct "self_harm" question.
CheckKind = Literal["danger", "self_harm"]

# Button payloads are short because Telegram limits callback_data to 64 bytes
# (https://core.telegram.org/bots/api#inlinekeyboardbutton).
LANG_PREFIX = "lang:"
TOPIC_PREFIX = "t:"
AREA_PREFIX = "area:"
COUNTRY_PREFIX = "country:"
MENU = "menu"
HANDOFF_YES = "handoff:yes"
HANDOFF_NO = "handoff:no"
# The check question after a message rated "elevated": "check:yes:danger", "check:no:self_harm".
# "Talk to a person" under it is HANDOFF_YES.
CHECK_YES = "check:yes:"
CHECK_NO = "check:no:"
LANG_PICKER = "language"


@dataclass(frozen=True)
class Button:
    text: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One message to the person: Telegram-HTML text and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()

    def all_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


@dataclass(frozen=True)
class Incoming:
    transport: str  # "telegram", "chat", ...
    external_id: str  # the person's id on that transport
    kind: IncomingKind
    text: str = ""  # message text, the command (without "/"), or the button payload
    lang_hint: str | None = None  # e.g. Telegram's language_code: a first guess only
    media_type: str | None = None  # for kind == "media": voice, photo, sticker, ...
    meta: dict[str, Any] = field(default_factory=dict)  # transport ids (file_id, message_id)


@dataclass
class Outcome:
    """The engine's answer to one incoming message."""

    replies: list[Reply] = field(default_factory=list)
    lang: Lang | None = None
    topic: str | None = None
    confidence: float = 0.0
    risk: str = "none"
    indicators: list[str] = field(default_factory=list)
    handoff_requested: bool = False
    # Set when the reply ends with a check question (the message was rated "elevated").
    check: CheckKind | None = None
    # Set when a human owns the conversation: the transport relays instead of answering.
    relayed_to_case: int | None = None
