"""`hamroh chat`: talk to the bot in the terminal, like `rasa shell`.

The same engine and storage as Telegram; buttons are shown numbered and chosen by number.
Input that is not text (bytes that are not UTF-8, which the terminal hands over as lone
surrogates or as a decoding error) gets a message in the person's language, and the chat,
and the operator console running in the same process, go on.
"""

from __future__ import annotations

import asyncio
import re
import uuid

from rich.console import Console

from bot.app import Services
from bot.content.html import plain_text
from bot.engine.types import Button, Incoming, Outcome
from hotline_router.relay import DeliveryResult

TRANSPORT = "chat"
_SURROGATES = re.compile("[\ud800-\udfff]")
# Control characters (a stray escape sequence, a pasted binary): never part of a question.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_line(line: str) -> str | None:
    """The line as text, without control characters; None when it is not text at all."""
    if _SURROGATES.search(line):
        return None
    return _CONTROLS.sub("", line)


def render(console: Console, outcome: Outcome) -> list[Button]:
    buttons: list[Button] = []
    for reply in outcome.replies:
        console.print()
        console.print(plain_text(reply.text), highlight=False, markup=False)
        for button in reply.all_buttons():
            buttons.append(button)
            console.print(f"  [{len(buttons)}] {button.text}", highlight=False, markup=False)
    return buttons


def _looks_like_button_number(line: str) -> bool:
    """One or two digits alone: the person meant a button, not a question."""
    stripped = line.strip()
    return stripped.isdigit() and len(stripped) <= 2


def to_incoming(line: str, buttons: list[Button], *, user_id: str, lang_hint: str | None) -> Incoming:
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return Incoming(TRANSPORT, user_id, "button", buttons[int(stripped) - 1].payload)
    if stripped.startswith("/") and len(stripped) > 1:
        return Incoming(TRANSPORT, user_id, "command", stripped[1:].split()[0].lower())
    return Incoming(TRANSPORT, user_id, "text", line, lang_hint=lang_hint)


class ChatSender:
    """Delivers operator replies (hotline outbox) to this terminal while the chat runs."""

    def __init__(self, console: Console, user_id: str) -> None:
        self.console, self.user_id = console, user_id

    async def send(self, external_id: str, text: str) -> DeliveryResult:
        if external_id != self.user_id:
            # An earlier terminal session: nobody is there to read it any more.
            return DeliveryResult(ok=False, retry=False, error="that terminal chat has ended")
        self.console.print()
        self.console.print(text, style="bold cyan", highlight=False, markup=False)
        return DeliveryResult(ok=True)


async def run_chat(services: Services, *, lang: str | None, user_id: str | None = None,
                   console: Console | None = None, console_url: str | None = None) -> None:
    console = console or Console()
    user_id = user_id or f"local-{uuid.uuid4().hex[:8]}"
    console.print("[b]Hamroh[/b] terminal chat. Type a message, a button number, /help; Ctrl-D to quit.")
    if services.hotline is not None:
        services.hotline.senders.register(TRANSPORT, ChatSender(console, user_id))
    if console_url:
        console.print(f"Operator console: {console_url} (add an account: hamroh operators add NAME). "
                      "Send /human here, then answer in the browser.", style="dim", markup=False)
    first = Incoming(TRANSPORT, user_id, "command", "start", lang_hint=lang)
    async with services.sessions.begin() as session:
        outcome = await services.engine.handle(session, first)
    buttons = render(console, outcome)
    if lang:  # the language was given on the command line: pick it for the person
        async with services.sessions.begin() as session:
            outcome = await services.engine.handle(session, Incoming(TRANSPORT, user_id, "button", f"lang:{lang}"))
        buttons = render(console, outcome)
    while True:
        try:
            raw: str | None = await asyncio.to_thread(console.input, "\n[b]> [/b]")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        except UnicodeDecodeError:  # a terminal with strict decoding and bytes that are not UTF-8
            raw = None
        line = clean_line(raw) if raw is not None else None
        if line is None:
            _ = services.catalogs[outcome.lang or services.settings.default_lang]
            console.print(_("I can only read text messages. Please write your question in words."),
                          markup=False, highlight=False)
            continue
        if not line.strip():
            continue
        if _looks_like_button_number(line) and not 1 <= int(line) <= len(buttons):
            _ = services.catalogs[outcome.lang or services.settings.default_lang]
            console.print(_("There is no button with the number {number}.", number=line.strip()), markup=False)
            continue
        incoming = to_incoming(line, buttons, user_id=user_id, lang_hint=lang)
        async with services.sessions.begin() as session:
            outcome = await services.engine.handle(session, incoming)
        if outcome.relayed_to_case is not None:
            console.print(f"  (sent to the operator, case #{outcome.relayed_to_case})", style="dim")
        buttons = render(console, outcome) or buttons
