"""End to end in polling mode with the real NLU and risk detector: the check question after a
message rated elevated (Yes raises a case at high), and danger remembered after /cancel."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Services
from hotline_router.models import Case
from tests.bot.engine.real_nlu import ELEVATED, HARMLESS, LOCKED_IN_AND_BEATEN, rated
from tests.bot.telegram.conftest import polling
from tests.bot.telegram.fake_bot_api import FakeBotAPI
from tests.bot.telegram.real import start_in_russian

PERSON = 4343


async def _cases(services: Services) -> list[Case]:
    async with services.sessions() as session:
        return list((await session.scalars(select(Case).where(Case.external_id == str(PERSON))
                                           .order_by(Case.id))).all())


async def test_check_question_yes_raises_a_case_at_high(real_services: Services, fake_api: FakeBotAPI) -> None:
    doubt = await rated(real_services.understander, ELEVATED, "elevated")
    async with polling(real_services):
        sent = await start_in_russian(fake_api, PERSON)
        fake_api.send_text(PERSON, doubt)
        question = (await fake_api.wait_for("sendMessage", chat_id=PERSON,
                                            where=lambda c: "check:yes:danger" in c.buttons()))[0]
        assert question.buttons() == ["check:yes:danger", "check:no:danger", "handoff:yes"]
        assert "опасность" in question.text
        fake_api.press(PERSON, "check:yes:danger", message_id=55)
        queued = await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "/cancel" in c.text)
        # (out of the hotline's hours the queue notice names 112 too: it is not the safety message)
        safety = [c for c in fake_api.calls_of("sendMessage", PERSON)[sent:] if "112" in c.text
                  and "/cancel" not in c.text]
        assert safety and safety[-1].at < queued[0].at, "the safety numbers come first"
        edits = fake_api.calls_of("editMessageReplyMarkup", PERSON)
        assert any(e.params.get("message_id") == 55 for e in edits), "a second tap cannot ask twice"
    [case] = await _cases(real_services)
    assert case.level == "high" and case.evidence and case.indicators
    assert all(e.get("confirmed_by_person") for e in case.evidence if e.get("source") != "person")


async def test_remembered_danger_after_cancel(real_services: Services, fake_api: FakeBotAPI) -> None:
    report = await rated(real_services.understander, LOCKED_IN_AND_BEATEN, "high")
    async with polling(real_services):
        await start_in_russian(fake_api, PERSON)
        fake_api.send_text(PERSON, report)
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "112" in c.text)
        fake_api.send_text(PERSON, "/human")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "/cancel" in c.text)
        fake_api.send_text(PERSON, "/cancel")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, where=lambda c: "вышли из очереди" in c.text)
        for _ in range(real_services.settings.history_window):  # one at a time: no flood
            before = len(fake_api.texts_to(PERSON))
            fake_api.send_text(PERSON, HARMLESS)
            await fake_api.wait_for("sendMessage", chat_id=PERSON, count=before + 1)
        fake_api.send_text(PERSON, "/human")
        await fake_api.wait_for("sendMessage", chat_id=PERSON, count=2, where=lambda c: "/cancel" in c.text)
    first, second = await _cases(real_services)
    assert first.status == "closed" and second.status == "queued"
    assert second.level == "high" and "restriction_of_movement" in second.indicators
    assert any(e.get("rule_id") == "ru:locked_in" for e in second.evidence)


LATIN_RUSSIAN = "zdravstvuyte, skolko nado platit za patent kazhdyj mesyac"


async def test_russian_in_latin_letters_is_answered_in_russian(real_services: Services, fake_api: FakeBotAPI) -> None:
    """A stranger whose Telegram is set to Tajik writes Russian in Latin letters: the text wins
    over the weak Telegram prior, and the answer is about the patent, in Russian."""
    async with polling(real_services):
        fake_api.send_text(PERSON, LATIN_RUSSIAN, lang="tg")
        replies = await fake_api.wait_for("sendMessage", chat_id=PERSON, count=3)
    texts = " ".join(c.text for c in replies)
    assert "патент" in texts.lower()
    assert any(b.startswith("lang:") for c in replies for b in c.buttons()), "the language picker follows"
    async with real_services.sessions() as session:
        from bot.storage.models import User

        user = (await session.scalars(select(User).where(User.external_id == str(PERSON)))).one()
    assert user.lang == "ru" and not user.lang_confirmed
