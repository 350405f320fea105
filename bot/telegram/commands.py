"""The command menu (setMyCommands) in each language, for private chats."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from bot.i18n import Catalogs
from nlu.languages import LANGS, Lang

COMMANDS = ("start", "menu", "language", "help", "human", "cancel", "remind", "news", "privacy", "forget")


def descriptions(catalogs: Catalogs, lang: Lang) -> list[BotCommand]:
    _ = catalogs[lang]
    text = {
        "start": _("Start again"),
        "menu": _("Main menu"),
        "language": _("Change language"),
        "help": _("What I can do"),
        "human": _("Talk to a person from the hotline"),
        "cancel": _("Leave the hotline queue"),
        "remind": _("Remind me of a deadline"),
        "news": _("Hotline news: on or off"),
        "privacy": _("What is stored about you"),
        "forget": _("Delete everything about you"),
    }
    return [BotCommand(command=c, description=text[c][:256]) for c in COMMANDS]


async def set_commands(bot: Bot, catalogs: Catalogs, default_lang: Lang) -> None:
    scope = BotCommandScopeAllPrivateChats()
    # Without language_code: people whose Telegram is in another language (often ru or en).
    await bot.set_my_commands(descriptions(catalogs, default_lang), scope=scope)
    for lang in LANGS:
        await bot.set_my_commands(descriptions(catalogs, lang), scope=scope, language_code=lang)
