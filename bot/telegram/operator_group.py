"""Journey: operators in the forum supergroup. A reply in a case's topic goes to the person
(through the hotline outbox, like a console reply); Claim and Close act on the same queue as
the console. Only members linked to a console account (`hamroh telegram link-operator`) act.
The topic's lines about claims and closes come from the queue's events (ForumRelay.
on_case_change), the same whether the action was taken here or in the console.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.forum import CLAIM, CLOSE, OUTCOME, ForumRelay, OperatorsChat, outcome_buttons
from bot.telegram.models import OperatorLink
from bot.telegram.render import Responder, keyboard

IP = "telegram"  # what the audit log shows as the origin of forum actions
VIA = "forum"  # how the queue's events name this place (a reply typed here is not mirrored back)


async def _operator(session: AsyncSession, telegram_user_id: int) -> Any | None:
    from hotline_router.models import Operator

    link = await session.get(OperatorLink, telegram_user_id)
    if link is None:
        return None
    op = await session.get(Operator, link.operator_id)
    return op if op is not None and op.active else None


def _not_linked(user_id: int) -> str:
    return (f"Your Telegram account is not linked to a console account, so this was not sent. "
            f"An administrator can run: hamroh telegram link-operator USERNAME {user_id}")


async def on_migrated(message: Message, forum: ForumRelay | None = None) -> None:
    """The group became a supergroup: follow it to the new id."""
    if forum is not None and message.migrate_to_chat_id:
        await forum._migrated(message.migrate_to_chat_id)


async def on_topic_message(message: Message, session: AsyncSession, responder: Responder,
                           forum: ForumRelay | None = None, operations: Any | None = None) -> None:
    # In a non-forum supergroup replies carry message_thread_id too: only real topics count.
    if forum is None or operations is None or not message.is_topic_message or message.from_user is None \
            or message.from_user.is_bot or message.message_thread_id is None:
        return
    found = await forum.case_of_thread(message.message_thread_id)
    if found is None:
        return
    case_id, _person = found
    op = await _operator(session, message.from_user.id)
    if op is None:
        responder.later(lambda: message.reply(_not_linked(message.from_user.id)))  # type: ignore[union-attr]
        return
    if not message.text:
        responder.later(lambda: message.reply("Only text is relayed to the person. Describe it in words."))
        return
    from hotline_router.operations import ActionError

    try:
        await operations.reply(op, case_id, message.text, ip=IP, via=VIA)
    except ActionError as e:
        refused = f"Not sent: {e.message}"  # `e` is unbound once the except block ends
        responder.later(lambda: message.reply(refused))


async def on_action(query: CallbackQuery, session: AsyncSession, responder: Responder,
                    forum: ForumRelay | None = None, operations: Any | None = None) -> None:
    if forum is None or operations is None or query.message is None or not query.data:
        responder.later(query.answer)
        return
    op = await _operator(session, query.from_user.id)
    if op is None:
        responder.later(lambda: query.answer(_not_linked(query.from_user.id), show_alert=True))
        return
    from hotline_router.operations import ActionError

    data, chat_id, message_id = query.data, query.message.chat.id, query.message.message_id
    try:
        if data.startswith(CLAIM):
            case_id = int(data.removeprefix(CLAIM))
            await operations.claim(op, case_id, ip=IP, via=VIA)
            responder.later(lambda: query.answer("Claimed: you hold this case."))
        elif data.startswith(CLOSE):
            case_id = int(data.removeprefix(CLOSE))
            outcomes = operations.h.routing.outcomes
            responder.later(lambda: query.answer("Choose the outcome."))
            responder.later(lambda: query.bot.edit_message_reply_markup(  # type: ignore[union-attr]
                chat_id=chat_id, message_id=message_id, reply_markup=keyboard(outcome_buttons(case_id, outcomes))))
        elif data.startswith(OUTCOME):
            case_text, index = data.removeprefix(OUTCOME).split(":")
            case_id, outcome = int(case_text), operations.h.routing.outcomes[int(index)]
            await operations.close(op, case_id, outcome=outcome, tags=[], ip=IP, via=VIA)
            responder.later(lambda: query.answer("Closed."))
            responder.later(lambda: query.bot.edit_message_reply_markup(  # type: ignore[union-attr]
                chat_id=chat_id, message_id=message_id, reply_markup=None))
        else:
            responder.later(lambda: query.answer("This button is no longer active."))
    except ActionError as e:
        refused = e.message[:200]  # `e` is unbound once the except block ends
        responder.later(lambda: query.answer(refused, show_alert=True))
    except (ValueError, IndexError):
        responder.later(lambda: query.answer("This button is no longer active.", show_alert=True))


def router(operators: OperatorsChat) -> Router:
    r = Router(name="operator_group")

    def in_ops(chat_id: int) -> bool:
        return operators.chat_id is not None and chat_id == operators.chat_id

    r.message.filter(lambda m: in_ops(m.chat.id))
    r.callback_query.filter(lambda q: q.message is not None and in_ops(q.message.chat.id))
    r.message.register(on_migrated, F.migrate_to_chat_id)
    r.message.register(on_topic_message)
    r.callback_query.register(on_action, F.data.startswith("op:"))
    return r
