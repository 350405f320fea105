"""The command menu (setMyCommands) in each language, for private chats."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats
from aiogram.utils.i18n import I18n

from nlu.languages import LANGS, Lang

COMMANDS = ("start", "menu", "language", "help", "human", "cancel", "privacy", "forget")


def descriptions(i18n: I18n, lang: Lang) -> list[BotCommand]:
    _ = i18n.gettext
    text = {
        "start": _("Start again", locale=lang),
        "menu": _("Main menu", locale=lang),
        "language": _("Change language", locale=lang),
        "help": _("What I can do", locale=lang),
        "human": _("Talk to a person from the hotline", locale=lang),
        "cancel": _("Leave the hotline queue", locale=lang),
        "privacy": _("What is stored about you", locale=lang),
        "forget": _("Delete everything about you", locale=lang),
    }
    return [BotCommand(command=c, description=text[c][:256]) for c in COMMANDS]


async def set_commands(bot: Bot, i18n: I18n, default_lang: Lang) -> None:
    scope = BotCommandScopeAllPrivateChats()
    # Without language_code: people whose Telegram is in another language (often ru or en).
    await bot.set_my_commands(descriptions(i18n, default_lang), scope=scope)
    for lang in LANGS:
        await bot.set_my_commands(descriptions(i18n, lang), scope=scope, language_code=lang)
