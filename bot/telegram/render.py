"""Engine replies -> Telegram messages: inline keyboards, long texts split under 4096, and a
`Responder` that sends only after the update's database transaction has committed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.html import open_tags
from bot.engine.types import Button, Outcome, Reply

log = structlog.get_logger(__name__)

TELEGRAM_LIMIT = 4096
CALLBACK_LIMIT = 64  # bytes of callback_data


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=b.text, callback_data=_payload(b.payload)) for b in row]
        for row in rows if row])


def _payload(payload: str) -> str:
    if len(payload.encode()) > CALLBACK_LIMIT:
        # The engine's payloads are short by design; a long one would be refused by Telegram.
        raise ValueError(f"callback_data over {CALLBACK_LIMIT} bytes: {payload!r}")
    return payload


def _pieces(text: str, limit: int) -> list[str]:
    """Paragraphs, then lines, then words, then characters: the largest units under `limit`."""
    for sep in ("\n\n", "\n", " "):
        parts = text.split(sep)
        if len(parts) > 1:
            out: list[str] = []
            for i, part in enumerate(parts):
                piece = part + (sep if i < len(parts) - 1 else "")
                out.extend([piece] if len(piece) <= limit else _pieces(piece, limit))
            return out
    return [text[i:i + limit] for i in range(0, len(text), limit)]


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split Telegram HTML at paragraph boundaries into chunks of at most `limit` characters,
    closing tags left open at a cut and reopening them in the next chunk."""
    if len(text) <= limit:
        return [text]
    budget = limit - 64  # room for tags closed and reopened at a cut
    chunks: list[str] = []
    current = ""
    for piece in _pieces(text, budget):
        if current and len(current) + len(piece) > budget:
            chunks.append(current)
            current = ""
        current += piece
    if current:
        chunks.append(current)
    out: list[str] = []
    carry = ""
    for chunk in chunks:
        body = carry + chunk
        still_open = open_tags(body)
        closing = "".join(f"</{name}>" for name, _ in reversed(still_open))
        out.append((body.rstrip() + closing).strip() or body)
        carry = "".join(tag for _, tag in still_open)
    return [c for c in out if c.strip()]


def reply_messages(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """One reply as Telegram messages; the buttons go under the last part."""
    parts = split_text(reply.text)
    markup = keyboard(reply.buttons)
    return [(part, markup if i == len(parts) - 1 else None) for i, part in enumerate(parts)]


Action = Callable[[], Awaitable[object]]


@dataclass
class Responder:
    """Collects what to send for one update; `flush` runs after the commit, so the person
    never sees an answer whose record was rolled back."""

    bot: Bot
    actions: list[Action] = field(default_factory=list)
    after_flush: list[Action] = field(default_factory=list)

    def later(self, action: Action) -> None:
        self.actions.append(action)

    def reply(self, chat_id: int, reply: Reply) -> None:
        for text, markup in reply_messages(reply):
            self.later(self._sender(chat_id, text, markup))

    def _sender(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> Action:
        return lambda: self.bot.send_message(chat_id, text, reply_markup=markup)

    def outcome(self, chat_id: int, outcome: Outcome) -> None:
        for reply in outcome.replies:
            self.reply(chat_id, reply)

    def text(self, chat_id: int, text: str, buttons: Sequence[Sequence[Button]] = ()) -> None:
        self.reply(chat_id, Reply(text, tuple(tuple(row) for row in buttons)))

    def edit(self, chat_id: int, message_id: int, text: str) -> None:
        async def _edit() -> None:
            try:
                await self.bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
            except TelegramBadRequest as e:
                # "message is not modified" or too old to edit: the new message says it all.
                log.debug("telegram.edit_skipped", error=str(e))
        self.later(_edit)

    async def flush(self) -> None:
        actions, self.actions = self.actions, []
        for action in actions:
            try:
                await action()
            except TelegramForbiddenError:
                log.info("telegram.blocked_by_user")  # the person blocked the bot: nothing to do
                break
            except TelegramBadRequest as e:
                log.warning("telegram.send_refused", error=str(e))
        hooks, self.after_flush = self.after_flush, []
        for hook in hooks:
            await hook()
