"""`hamroh chat`: talk to the bot in the terminal, like `rasa shell`.

The same engine and storage as Telegram; buttons are shown numbered and chosen by number.
"""

from __future__ import annotations

import asyncio
import uuid

from rich.console import Console

from bot.app import Services
from bot.content.html import plain_text
from bot.engine.types import Button, Incoming, Outcome

TRANSPORT = "chat"


def render(console: Console, outcome: Outcome) -> list[Button]:
    buttons: list[Button] = []
    for reply in outcome.replies:
        console.print()
        console.print(plain_text(reply.text), highlight=False, markup=False)
        for button in reply.all_buttons():
            buttons.append(button)
            console.print(f"  [{len(buttons)}] {button.text}", highlight=False, markup=False)
    return buttons


def to_incoming(line: str, buttons: list[Button], *, user_id: str, lang_hint: str | None) -> Incoming:
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return Incoming(TRANSPORT, user_id, "button", buttons[int(stripped) - 1].payload)
    if stripped.startswith("/") and len(stripped) > 1:
        return Incoming(TRANSPORT, user_id, "command", stripped[1:].split()[0].lower())
    return Incoming(TRANSPORT, user_id, "text", line, lang_hint=lang_hint)


async def run_chat(services: Services, *, lang: str | None, user_id: str | None = None,
                   console: Console | None = None) -> None:
    console = console or Console()
    user_id = user_id or f"local-{uuid.uuid4().hex[:8]}"
    console.print("[b]Hamroh[/b] terminal chat. Type a message, a button number, /help; Ctrl-D to quit.")
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
            line = await asyncio.to_thread(console.input, "\n[b]> [/b]")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if not line.strip():
            continue
        incoming = to_incoming(line, buttons, user_id=user_id, lang_hint=lang)
        async with services.sessions.begin() as session:
            outcome = await services.engine.handle(session, incoming)
        if outcome.relayed_to_case is not None:
            console.print(f"  (sent to the operator, case #{outcome.relayed_to_case})", style="dim")
        buttons = render(console, outcome) or buttons
