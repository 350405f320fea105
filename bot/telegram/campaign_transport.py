"""The Telegram side of campaigns (bot.campaigns): a bot that shares the service's pacer.

`campaign_bot` is a second aiogram `Bot` on the same token whose delivery middleware shares the
service bot's `Pacer` (so campaign messages count against the same global and per-chat
limits as answers and operators' replies) but does not retry: a 429 comes back to the campaign
sender, which holds the whole campaign for `retry_after`, instead of one request sleeping
while the others carry on.
"""

from __future__ import annotations

import time

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    RestartingTelegram,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.campaigns.sender import Outcome, Rendered
from bot.settings import TelegramSettings
from bot.telegram.delivery import DeliveryMiddleware, Pacer
from bot.telegram.http import bot_session

# 400s that mean the person cannot be reached any more (like a 403).
GONE = ("chat not found", "user is deactivated", "bot was blocked", "user not found")


def campaign_bot(settings: TelegramSettings, pacer: Pacer | None) -> Bot:
    if settings.token is None:
        raise ValueError("HAMROH_TELEGRAM__TOKEN is not set")
    session = bot_session(settings.api_base)
    session.middleware(DeliveryMiddleware(pacer, max_retries=0))
    return Bot(settings.token.get_secret_value(), session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True))


def headroom(pacer: Pacer | None) -> float | None:
    """Tokens left in the bot's global bucket (None: no global limit)."""
    if pacer is None or pacer.global_bucket is None:
        return None
    return pacer.global_bucket.refill(time.monotonic())


class TelegramCampaignTransport:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: str, message: Rendered) -> Outcome:
        markup = InlineKeyboardMarkup(inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data)] for label, data in message.buttons]) \
            if message.buttons else None
        try:
            await self.bot.send_message(int(chat_id), message.text, reply_markup=markup)
        except TelegramRetryAfter as e:
            return Outcome("retry", retry_after=float(e.retry_after), error="429")
        except TelegramForbiddenError as e:
            return Outcome("blocked", error=str(e)[:250])
        except TelegramBadRequest as e:
            gone = any(g in str(e).lower() for g in GONE)
            return Outcome("blocked" if gone else "failed", error=str(e)[:250])
        except (TelegramServerError, RestartingTelegram, TelegramNetworkError) as e:
            return Outcome("retry", error=str(e)[:250])
        return Outcome("sent")

    async def close(self) -> None:
        await self.bot.session.close()
