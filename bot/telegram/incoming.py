"""Telegram messages -> the engine's `Incoming` (text, command, button, media)."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery, Message

from bot.engine.types import Incoming
from bot.telegram.middlewares import TRANSPORT

# Message attributes holding a file, in the order we look for them.
_FILE_KINDS = ("voice", "audio", "video", "video_note", "animation", "document", "sticker")


def media_type(message: Message) -> str:
    if message.photo:
        return "photo"
    for kind in (*_FILE_KINDS, "location", "venue", "contact", "poll", "dice"):
        if getattr(message, kind, None) is not None:
            return kind
    return str(message.content_type)


def media_meta(message: Message) -> dict[str, Any]:
    """Transport ids the operator needs to open what the person sent (through the bot)."""
    meta: dict[str, Any] = {"chat_id": message.chat.id, "message_id": message.message_id}
    if message.photo:
        largest = max(message.photo, key=lambda p: p.width * p.height)
        meta.update(file_id=largest.file_id, file_unique_id=largest.file_unique_id)
    for kind in _FILE_KINDS:
        obj = getattr(message, kind, None)
        if obj is not None:
            meta.update(file_id=obj.file_id, file_unique_id=obj.file_unique_id)
            for attr in ("duration", "mime_type", "file_name", "file_size", "emoji"):
                if (value := getattr(obj, attr, None)) is not None:
                    meta[attr] = value
    if message.location is not None:
        meta.update(latitude=message.location.latitude, longitude=message.location.longitude)
    if message.contact is not None:
        meta.update(phone_number=message.contact.phone_number, first_name=message.contact.first_name)
    if message.media_group_id:
        meta["media_group_id"] = message.media_group_id  # an album arrives as several updates
    return meta


def _hint(message: Message | CallbackQuery) -> str | None:
    return message.from_user.language_code if message.from_user else None


def is_forwarded(message: Message) -> bool:
    """Forwarded from a channel, a group or a person (Bot API 7.0 `forward_origin`; older
    servers send `forward_date`)."""
    return message.forward_origin is not None or message.forward_date is not None


def from_text(message: Message) -> Incoming:
    meta: dict[str, Any] = {"chat_id": message.chat.id, "message_id": message.message_id}
    if is_forwarded(message):
        meta["forwarded"] = True  # read as a job offer when it looks like one (bot/engine/offers.py)
    return Incoming(TRANSPORT, str(message.chat.id), "text", message.text or "", lang_hint=_hint(message),
                    meta=meta)


def from_command(message: Message, name: str) -> Incoming:
    return Incoming(TRANSPORT, str(message.chat.id), "command", name, lang_hint=_hint(message),
                    meta={"chat_id": message.chat.id, "message_id": message.message_id})


def from_media(message: Message) -> Incoming:
    return Incoming(TRANSPORT, str(message.chat.id), "media", message.caption or "", lang_hint=_hint(message),
                    media_type=media_type(message), meta=media_meta(message))


def from_button(query: CallbackQuery, chat_id: int) -> Incoming:
    return Incoming(TRANSPORT, str(chat_id), "button", query.data or "", lang_hint=_hint(query),
                    meta={"chat_id": chat_id})


def command_name(text: str) -> str:
    """'/Start@HamrohBot payload' -> 'start'."""
    return text.split()[0].lstrip("/").split("@")[0].lower() if text.strip() else ""
