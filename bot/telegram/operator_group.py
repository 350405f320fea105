"""Journey: operators in the forum supergroup. A reply in a case's topic goes to the person
(through the hotline outbox, like a console reply); Claim and Close act on the same queue as
the console. Only members linked to a console account (`hamroh telegram link-operator`) act.
The topic's lines about claims and closes come from the queue's events (ForumRelay.
on_case_change), the same whether the action was taken here or in the console.

The buttons' data are aiogram `CallbackData` (`CaseAction`, `CaseOutcome` in bot.telegram.forum):
each handler receives them parsed; anything else starting with `op:` is an old button.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.filters import instant
from bot.telegram.forum import CaseAction, CaseOutcome, ForumRelay, OperatorsChat, outcome_buttons
from bot.telegram.models import OperatorLink
from bot.telegram.render import Responder, keyboard
from hotline_router.models import Operator
from hotline_router.operations import ActionError, Operations

IP = "telegram"  # what the audit log shows as the origin of forum actions
VIA = "forum"  # how the queue's events name this place (a reply typed here is not mirrored back)
NO_LONGER_ACTIVE = "This button is no longer active."


async def _operator(session: AsyncSession, telegram_user_id: int) -> Operator | None:
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
                           forum: ForumRelay | None = None, operations: Operations | None = None) -> None:
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
    try:
        await operations.reply(op, case_id, message.text, ip=IP, via=VIA)
    except ActionError as e:
        refused = f"Not sent: {e.message}"  # `e` is unbound once the except block ends
        responder.later(lambda: message.reply(refused))


async def _act(query: CallbackQuery, session: AsyncSession, responder: Responder, operations: Operations | None,
               action: Callable[[Operations, Operator], Awaitable[str | None]]) -> None:
    """Run `action` for the linked operator who pressed the button; answer the button with
    what it returns, or with why the queue refused."""
    if operations is None or query.message is None:
        responder.later(query.answer)
        return
    op = await _operator(session, query.from_user.id)
    if op is None:
        responder.later(lambda: query.answer(_not_linked(query.from_user.id), show_alert=True))
        return
    try:
        answer = await action(operations, op)
    except ActionError as e:
        refused = e.message[:200]  # `e` is unbound once the except block ends
        responder.later(lambda: query.answer(refused, show_alert=True))
        return
    responder.later(lambda: query.answer(answer, show_alert=answer == NO_LONGER_ACTIVE))


def _set_buttons(query: CallbackQuery, responder: Responder, markup: InlineKeyboardMarkup | None) -> None:
    assert query.message is not None
    chat_id, message_id = query.message.chat.id, query.message.message_id
    responder.later(lambda: query.bot.edit_message_reply_markup(  # type: ignore[union-attr]
        chat_id=chat_id, message_id=message_id, reply_markup=markup))


async def on_claim(query: CallbackQuery, callback_data: CaseAction, session: AsyncSession,
                   responder: Responder, operations: Operations | None = None) -> None:
    async def claim(ops: Operations, op: Operator) -> str:
        await ops.claim(op, callback_data.case, ip=IP, via=VIA)
        return "Claimed: you hold this case."

    await _act(query, session, responder, operations, claim)


async def on_close(query: CallbackQuery, callback_data: CaseAction, session: AsyncSession,
                   responder: Responder, operations: Operations | None = None) -> None:
    """Closing asks for the outcome first: the card's buttons become the outcomes."""
    async def ask_outcome(ops: Operations, _op: Operator) -> str:
        _set_buttons(query, responder, keyboard(outcome_buttons(callback_data.case, ops.h.routing.outcomes)))
        return "Choose the outcome."

    await _act(query, session, responder, operations, ask_outcome)


async def on_outcome(query: CallbackQuery, callback_data: CaseOutcome, session: AsyncSession,
                     responder: Responder, operations: Operations | None = None) -> None:
    async def close(ops: Operations, op: Operator) -> str:
        outcomes = ops.h.routing.outcomes
        if not 0 <= callback_data.index < len(outcomes):  # the routing file changed since
            return NO_LONGER_ACTIVE
        await ops.close(op, callback_data.case, outcome=outcomes[callback_data.index], tags=[], ip=IP, via=VIA)
        _set_buttons(query, responder, None)
        return "Closed."

    await _act(query, session, responder, operations, close)


async def on_old_button(query: CallbackQuery, session: AsyncSession, responder: Responder,
                        operations: Operations | None = None) -> None:
    async def nothing(_ops: Operations, _op: Operator) -> str:
        return NO_LONGER_ACTIVE

    await _act(query, session, responder, operations, nothing)


def router(operators: OperatorsChat) -> Router:
    r = Router(name="operator_group")

    def in_ops(chat_id: int) -> bool:
        return operators.chat_id is not None and chat_id == operators.chat_id

    r.message.filter(instant(lambda m: in_ops(m.chat.id)))
    r.callback_query.filter(instant(lambda q: q.message is not None and in_ops(q.message.chat.id)))
    r.message.register(on_migrated, instant(F.migrate_to_chat_id))
    r.message.register(on_topic_message)
    r.callback_query.register(on_claim, CaseAction.filter(F.action == "claim"))
    r.callback_query.register(on_close, CaseAction.filter(F.action == "close"))
    r.callback_query.register(on_outcome, CaseOutcome.filter())
    r.callback_query.register(on_old_button, instant(F.data.startswith("op:")))
    return r
