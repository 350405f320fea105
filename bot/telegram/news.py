"""Journey: news from awareness campaigns (bot.campaigns). Off by default.

/start's welcome has a "Receive news" button (for someone not receiving them), /news shows
whether they are on and turns them on or off, and /forget removes the choice with everything else. A campaign
message's buttons (`news:<campaign>:<topic>`) are counted (language and country only) and
answered with the topic, as a topic button is.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.campaigns.schema import PRESS_PREFIX, parse_press
from bot.campaigns.service import record_press
from bot.engine import render as engine_render
from bot.engine.types import TOPIC_PREFIX, Button, Outcome, Reply
from bot.i18n import gettext as _
from bot.storage import repo
from bot.storage.models import User, utcnow
from bot.telegram import incoming, start_language
from bot.telegram.dialogue import CaseMirror, Dialogue, converse
from bot.telegram.filters import instant
from bot.telegram.render import Responder
from nlu.languages import Lang, is_lang

TRANSPORT = "telegram"
NEWS_ON, NEWS_OFF = "optin:news:1", "optin:news:0"


def with_news_button(outcome: Outcome, *, lang: Lang, welcome: str,
                     then: Callable[[Outcome], Outcome] | None) -> Outcome:
    """The welcome of /start with a "Receive news" button (for someone not receiving them)."""
    outcome = then(outcome) if then is not None else outcome
    button = Button(_("🔔 Receive news", locale=lang), NEWS_ON)
    outcome.replies = [Reply(r.text, (*r.buttons, (button,))) if r.text == welcome else r
                       for r in outcome.replies]
    return outcome


async def on_start(message: Message, dialogue: Dialogue, session: AsyncSession, responder: Responder,
                   user_lang: Lang, person: User | None = None, forum: CaseMirror | None = None) -> None:
    """The usual /start; its welcome offers the news to someone who does not receive them."""
    if person is None or not person.news:
        lang: Lang = person.lang if person is not None and is_lang(person.lang) else user_lang
        welcome = engine_render.welcome(dialogue.catalogs[lang]).text
        decorate = functools.partial(with_news_button, lang=lang, welcome=welcome, then=dialogue.decorate)
        dialogue = dataclasses.replace(dialogue, decorate=decorate)
    await start_language.on_start(message, dialogue, session, responder, forum)


async def on_news(message: Message, responder: Responder, user_lang: Lang, person: User | None = None) -> None:
    if person is not None and person.news:
        responder.text(message.chat.id, _("You receive Hamroh's news. To stop them, press the button.",
                                          locale=user_lang),
                       [[Button(_("Stop the news", locale=user_lang), NEWS_OFF)]])
    else:
        responder.text(message.chat.id, _("You do not receive Hamroh's news. To receive them, press the "
                                          "button.", locale=user_lang),
                       [[Button(_("Yes, send me news", locale=user_lang), NEWS_ON)]])


async def on_choice(query: CallbackQuery, session: AsyncSession, responder: Responder, user_lang: Lang) -> None:
    responder.later(query.answer)
    if query.message is None:
        return
    chat_id = query.message.chat.id
    user, _created = await repo.get_or_create_user(session, transport=TRANSPORT, external_id=str(chat_id))
    user.news = query.data == NEWS_ON
    user.news_changed_at = utcnow()
    if user.news:
        user.blocked_at = None  # they are talking to the bot: reachable again
    lang: Lang = user.lang if is_lang(user.lang) else user_lang
    responder.text(chat_id, _("Done: you will receive Hamroh's news. /news turns them off.", locale=lang)
                   if user.news else _("Done: no news will be sent to you. /news turns them on again.", locale=lang))


async def on_press(query: CallbackQuery, dialogue: Dialogue, session: AsyncSession, responder: Responder,
                   campaign_press_days: int = 7, person: User | None = None,
                   forum: CaseMirror | None = None) -> None:
    """A campaign's button: counted, then answered like the topic's own button."""
    responder.later(query.answer)
    pressed = parse_press(query.data or "")
    if query.message is None or pressed is None:
        return
    campaign_id, topic = pressed
    if person is not None:
        await record_press(session, user_id=person.id, campaign_id=campaign_id, topic=topic, now=utcnow(),
                           window_days=campaign_press_days)
    chat_id = query.message.chat.id
    asked = dataclasses.replace(incoming.from_button(query, chat_id), text=TOPIC_PREFIX + topic)
    await converse(asked, dialogue=dialogue, session=session, responder=responder, chat_id=chat_id, forum=forum)


def router() -> Router:
    """Comes before start_language's router: its /start is the usual one with the news button."""
    r = Router(name="news")
    r.message.register(on_start, CommandStart())
    r.message.register(on_news, Command("news"))
    r.callback_query.register(on_choice, instant(F.data.in_({NEWS_ON, NEWS_OFF})))
    r.callback_query.register(on_press, instant(F.data.startswith(PRESS_PREFIX)))
    return r
