"""The operators' forum supergroup: a topic per case, relay both ways, claim and close on the
same queue as the console, and the known pitfalls (deleted topic, not a forum, migration,
two first messages at once)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.app import Services
from bot.engine.types import Incoming
from bot.telegram.models import ForumTopic, OperatorLink
from hotline_router import operators
from hotline_router.models import Case, Operator
from hotline_router.operations import Operations
from tests.bot.telegram.conftest import eventually, polling
from tests.bot.telegram.fake_bot_api import FakeBotAPI

OPS = -100777
PERSON = 3131
OPERATOR_TG = 9001
GROUP = {"id": OPS, "type": "supergroup", "title": "Operators", "is_forum": True}


async def _setup(services: Services) -> None:
    services.settings.telegram.operators_chat_id = OPS
    async with services.sessions.begin() as session:
        op = await operators.add(session, username="farrukh", password="correct horse 1",
                                 display_name="Farrukh")
        session.add(OperatorLink(telegram_user_id=OPERATOR_TG, operator_id=op.id))


async def _handoff(api: FakeBotAPI) -> None:
    api.send_text(PERSON, "/start")
    await api.wait_for("sendMessage", chat_id=PERSON, count=2)
    api.press(PERSON, "lang:ru")
    await api.wait_for("sendMessage", chat_id=PERSON, count=3)
    api.send_text(PERSON, "/human")
    await api.wait_for("sendMessage", chat_id=PERSON, count=4)


async def _case(services: Services) -> Case:
    async with services.sessions() as session:
        case = await session.scalar(select(Case).where(Case.external_id == str(PERSON)))
    assert case is not None
    return case


async def test_case_topic_relay_both_ways_claim_and_close(services: Services, fake_api: FakeBotAPI) -> None:
    await _setup(services)
    async with polling(services):
        await _handoff(fake_api)
        topic = (await fake_api.wait_for("createForumTopic"))[0]
        case = await _case(services)
        assert topic.params["name"] == f"Case #{case.id}"
        card = (await fake_api.wait_for("sendMessage", chat_id=OPS))[0]
        thread = card.params["message_thread_id"]
        assert card.buttons() == [f"op:claim:{case.id}", f"op:close:{case.id}"]
        assert "risk: none" in card.text and "language: ru" in card.text
        # The person's messages are copied into the topic.
        fake_api.send_text(PERSON, "Мне нужна помощь")
        copy = (await fake_api.wait_for("copyMessage", chat_id=OPS))[0]
        assert copy.params["from_chat_id"] == PERSON and copy.params["message_thread_id"] == thread
        # Claim in the group: the same queue as the console.
        fake_api.press(OPERATOR_TG, f"op:claim:{case.id}", chat=GROUP)
        await fake_api.wait_for("answerCallbackQuery", where=lambda c: "Claimed" in str(c.params.get("text")))
        assert (await _case(services)).status == "assigned"
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "оператор" in c.text.lower())
        # A reply in the topic reaches the person.
        fake_api.topic_message(OPS, thread, OPERATOR_TG, "Здравствуйте, чем помочь?")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "чем помочь" in c.text)
        # Close: choose an outcome, then the person is back with the bot.
        fake_api.press(OPERATOR_TG, f"op:close:{case.id}", chat=GROUP)
        markup = (await fake_api.wait_for("editMessageReplyMarkup", chat_id=OPS))[0]
        assert markup.buttons()[0] == f"op:out:{case.id}:0"
        fake_api.press(OPERATOR_TG, f"op:out:{case.id}:0", chat=GROUP)
        assert await eventually(lambda: _closed(services))
        await fake_api.wait_for("sendMessage", chat_id=OPS, where=lambda c: "Closed by Farrukh" in c.text)


async def _closed(services: Services) -> bool:
    return (await _case(services)).status == "closed"


async def test_unlinked_member_cannot_act(services: Services, fake_api: FakeBotAPI) -> None:
    await _setup(services)
    async with polling(services):
        await _handoff(fake_api)
        card = (await fake_api.wait_for("sendMessage", chat_id=OPS))[0]
        fake_api.topic_message(OPS, card.params["message_thread_id"], 5555, "I am not an operator")
        refusal = await fake_api.wait_for("sendMessage", chat_id=OPS, where=lambda c: "not linked" in c.text)
        assert "link-operator" in refusal[0].text
        assert not [t for t in fake_api.texts_to(PERSON) if "not an operator" in t]
        fake_api.press(5555, f"op:claim:{(await _case(services)).id}", chat=GROUP)
        await fake_api.wait_for("answerCallbackQuery", where=lambda c: c.params.get("show_alert") is True)
        assert (await _case(services)).status == "queued"


async def test_deleted_topic_is_recreated_and_the_message_resent(services: Services, fake_api: FakeBotAPI) -> None:
    await _setup(services)
    async with polling(services):
        await _handoff(fake_api)
        card = (await fake_api.wait_for("sendMessage", chat_id=OPS))[0]
        fake_api.topics[OPS].clear()  # an operator deleted the topic by hand
        fake_api.send_text(PERSON, "Вы здесь?")
        copies = await fake_api.wait_for("copyMessage", chat_id=OPS, count=2)  # refused, then resent
        assert len(fake_api.calls_of("createForumTopic")) == 2
        assert copies[-1].params["message_thread_id"] != card.params["message_thread_id"]
        async with services.sessions() as session:
            rows = (await session.scalars(select(ForumTopic))).all()
        assert [r.thread_id for r in rows] == [copies[-1].params["message_thread_id"]]


async def test_not_a_forum_switches_mirroring_off_without_breaking_the_chat(
        services: Services, fake_api: FakeBotAPI) -> None:
    await _setup(services)
    fake_api.forum_chats.clear()
    async with polling(services) as tg:
        await _handoff(fake_api)
        await fake_api.wait_for("createForumTopic")
        assert tg.forum is not None and await eventually(lambda: tg.operators.broken is not None)
        fake_api.send_text(PERSON, "Алло")
        await asyncio.sleep(0.3)
        assert len(fake_api.calls_of("createForumTopic")) == 1  # not retried for every message
        assert (await _case(services)).status == "queued"


async def test_group_migrated_to_supergroup_is_followed(services: Services, fake_api: FakeBotAPI) -> None:
    await _setup(services)
    new_id = -1009999
    fake_api.forum_chats.add(new_id)
    fake_api.fail("createForumTopic", 400, "Bad Request: group chat was upgraded to a supergroup chat",
                  migrate_to_chat_id=new_id)
    async with polling(services) as tg:
        await _handoff(fake_api)
        topics = await fake_api.wait_for("createForumTopic", count=2)
        assert topics[-1].chat_id == new_id and tg.operators.chat_id == new_id
        await fake_api.wait_for("sendMessage", chat_id=new_id)


async def test_two_first_messages_at_once_make_one_topic(services: Services, fake_api: FakeBotAPI) -> None:
    await _setup(services)
    async with polling(services) as tg:
        await _handoff(fake_api)
        await fake_api.wait_for("sendMessage", chat_id=OPS)  # the card: the topic row is stored
        case = await _case(services)
        assert tg.forum is not None
        async with services.sessions.begin() as session:  # as if the first creation had not happened
            for row in (await session.scalars(select(ForumTopic))).all():
                await session.delete(row)
        incoming = Incoming("telegram", str(PERSON), "text", "a", meta={"message_id": 1})
        await asyncio.gather(tg.forum.case_opened(case.id, PERSON), tg.forum.mirror(case.id, PERSON, incoming),
                             tg.forum.mirror(case.id, PERSON, incoming))
        assert len(fake_api.calls_of("createForumTopic")) == 2  # the first one, and one more for three calls


async def test_supervisors_are_alerted_in_their_telegram_chat(services: Services, fake_api: FakeBotAPI) -> None:
    from hotline_router.sla import ChatNotifier, Escalation

    assert services.hotline is not None
    services.hotline.settings.supervisor_chat_id = -100555
    async with polling(services):
        notifier = next(n for n in services.hotline.notifiers if isinstance(n, ChatNotifier))
        await notifier.notify(Escalation(case_id=12, level="high", team="general", lang="tg", waited_min=9,
                                         limit_min=5))
        (alert,) = await fake_api.wait_for("sendMessage", chat_id=-100555)
        assert "case #12" in alert.text and "high" in alert.text


async def test_link_operator_command(services: Services, tmp_path: object) -> None:
    from click.testing import CliRunner

    from bot.telegram.cli import telegram_group

    async with services.sessions.begin() as session:
        await operators.add(session, username="malika", password="correct horse 1")
    runner = CliRunner()
    result = await asyncio.to_thread(runner.invoke, telegram_group, ["link-operator", "malika", "4444"],
                                     obj=services.settings)
    assert result.exit_code == 0, result.output
    async with services.sessions() as session:
        link = await session.get(OperatorLink, 4444)
    assert link is not None
    result = await asyncio.to_thread(runner.invoke, telegram_group, ["link-operator", "nobody", "1"],
                                     obj=services.settings)
    assert result.exit_code != 0 and "operators add" in result.output


async def _farrukh(services: Services) -> Operator:
    async with services.sessions() as session:
        op = await session.scalar(select(Operator).where(Operator.username == "farrukh"))
    assert op is not None
    return op


async def test_console_actions_keep_the_topic_in_step(services: Services, fake_api: FakeBotAPI) -> None:
    """Claim, transfer, reply and close in the console show in the case's topic, so the group
    and the console tell the same story."""
    assert services.hotline is not None
    await _setup(services)
    async with polling(services):
        await _handoff(fake_api)
        card = (await fake_api.wait_for("sendMessage", chat_id=OPS))[0]
        thread = card.params["message_thread_id"]
        case, op = await _case(services), await _farrukh(services)
        in_topic = lambda text: lambda c: c.params.get("message_thread_id") == thread and text in c.text  # noqa: E731
        # A button pressed during the handoff reads as words in the topic, and the person is told
        # that a person handles the conversation.
        fake_api.press(PERSON, "t:docs_patent")
        await fake_api.wait_for("sendMessage", chat_id=OPS, where=in_topic("[button] topic: docs_patent"))
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "/cancel" in c.text
                                and "человек с горячей линии" in c.text)
        ops = Operations(services.hotline)
        await ops.claim(op, case.id, ip="test")
        await fake_api.wait_for("sendMessage", chat_id=OPS, where=in_topic("✋ Claimed by Farrukh in the console."))
        await fake_api.wait_for("editForumTopic", where=lambda c: c.params.get("name") == f"Case #{case.id} · Farrukh")
        await ops.reply(op, case.id, "Здравствуйте, <я> здесь", ip="test")
        await fake_api.wait_for("sendMessage", chat_id=OPS,
                                where=in_topic("💬 Farrukh (console): Здравствуйте, &lt;я&gt; здесь"))
        # A reply typed in the topic reaches the person and is not mirrored back into the topic.
        fake_api.topic_message(OPS, thread, OPERATOR_TG, "Пишу из группы")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "Пишу из группы" in c.text)
        await ops.transfer(op, case.id, team="general", ip="test")
        await fake_api.wait_for("sendMessage", chat_id=OPS, where=in_topic("↪ Transferred by Farrukh in the "
                                                                          "console to the"))
        await fake_api.wait_for("editForumTopic", where=lambda c: c.params.get("name") == f"Case #{case.id} · waiting")
        await ops.claim(op, case.id, ip="test")
        await ops.close(op, case.id, outcome="advice_given", tags=[], ip="test")
        await fake_api.wait_for("closeForumTopic", where=lambda c: c.params.get("message_thread_id") == thread)
        await services.hotline.events.drain()
        lines = [c.text for c in fake_api.calls_of("sendMessage", OPS) if c.params.get("message_thread_id") == thread]
        closed = lines.index("✔ Closed by Farrukh in the console: advice_given.")
        assert closed == len(lines) - 1  # said before the topic was closed
        assert not [t for t in lines if "(console): Пишу из группы" in t]
        assert fake_api.topics[OPS][thread] == f"Case #{case.id} · closed"
        # Reopened from the console: the topic opens again.
        await ops.reopen(op, case.id, ip="test")
        await fake_api.wait_for("reopenForumTopic", where=lambda c: c.params.get("message_thread_id") == thread)
        await fake_api.wait_for("sendMessage", chat_id=OPS, where=in_topic("↩ Reopened by Farrukh"))


async def test_leaving_the_queue_closes_the_topic(services: Services, fake_api: FakeBotAPI) -> None:
    await _setup(services)
    async with polling(services):
        await _handoff(fake_api)
        card = (await fake_api.wait_for("sendMessage", chat_id=OPS))[0]
        fake_api.send_text(PERSON, "/cancel")
        await fake_api.wait_for("sendMessage", chat_id=OPS, where=lambda c: "left the queue" in c.text)
        close = await fake_api.wait_for("closeForumTopic")
        assert close[0].params["message_thread_id"] == card.params["message_thread_id"]
