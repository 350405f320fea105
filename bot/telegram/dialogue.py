"""The one path from a Telegram event to the engine and back, shared by every journey."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine import render as engine_render
from bot.engine.handoff import HandoffPort
from bot.engine.types import Incoming, Outcome, Reply
from bot.i18n import Catalogs
from bot.i18n import gettext as _
from bot.storage import repo
from bot.telegram.middlewares import TRANSPORT
from bot.telegram.models import HandoffFile
from bot.telegram.render import Responder
from nlu.languages import Lang


class CaseMirror(Protocol):
    """The operators' forum, when configured (bot.telegram.forum.ForumRelay)."""

    async def case_opened(self, case_id: int, person_chat_id: int) -> None: ...

    async def mirror(self, case_id: int, person_chat_id: int, incoming: Incoming) -> None: ...


def stored_data_notice(lang: Lang, days: int) -> str:
    return _("I keep what you write for {days} days to answer you better; hotline operators see "
             "it only if you ask for a person. To delete everything about you, send /forget.",
             locale=lang).format(days=days)


class EngineLike(Protocol):
    async def handle(self, session: AsyncSession, incoming: Incoming) -> Outcome: ...


@dataclass(frozen=True)
class Dialogue:
    """What the person's journeys need from the rest of the system; the dispatcher hands it
    to every handler as `dialogue` (built in `bot.composition`)."""

    engine: EngineLike
    handoff: HandoffPort
    catalogs: Catalogs
    default_lang: Lang
    retention_days: int
    # Extra buttons under some answers (e.g. "Remind me", bot.telegram.reminder_buttons).
    decorate: Callable[[Outcome], Outcome] | None = None

    def with_privacy(self, outcome: Outcome) -> Outcome:
        """/start (and a first contact) says in one paragraph what is stored, for how long,
        and how to delete it: the engine's welcome plus one sentence."""
        lang = outcome.lang or self.default_lang
        welcome = engine_render.welcome(self.catalogs[lang]).text
        notice = stored_data_notice(lang, self.retention_days)
        outcome.replies = [Reply(f"{r.text} {notice}", r.buttons) if r.text == welcome else r
                           for r in outcome.replies]
        return outcome


async def converse(incoming: Incoming, *, dialogue: Dialogue, session: AsyncSession,
                   responder: Responder, chat_id: int, forum: CaseMirror | None = None) -> Outcome:
    """Engine in, replies out (after the commit); mirrored to the operators' forum when a
    human owns the conversation."""
    outcome = await dialogue.engine.handle(session, incoming)
    if outcome.relayed_to_case is not None:
        if incoming.kind == "media" and incoming.meta.get("file_id"):
            # Operators open it from the console through the bot (bot.telegram.files).
            session.add(HandoffFile(case_id=outcome.relayed_to_case, media_type=incoming.media_type or "",
                                    file_id=str(incoming.meta["file_id"])[:255],
                                    file_name=incoming.meta.get("file_name"),
                                    mime_type=incoming.meta.get("mime_type"), caption=incoming.text))
        if forum is not None:
            case_id = outcome.relayed_to_case
            responder.after_flush.append(lambda: forum.mirror(case_id, chat_id, incoming))
        return outcome
    if dialogue.decorate is not None:
        outcome = dialogue.decorate(outcome)
    responder.outcome(chat_id, dialogue.with_privacy(outcome))
    if outcome.handoff_requested and forum is not None:
        user = await repo.get_user(session, transport=TRANSPORT, external_id=incoming.external_id)
        case_id_or_none = None if user is None else await dialogue.handoff.open_case_id(session, user=user)
        if case_id_or_none is not None:
            opened = case_id_or_none
            responder.after_flush.append(lambda: forum.case_opened(opened, chat_id))
    return outcome
