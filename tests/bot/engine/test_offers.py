"""The job-offer checker in the engine: a pasted ad or a forwarded message gets the red flags
of this offer, what it leaves out, what to check next and "Talk to a person"; danger wins."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.content.store import ContentStore
from bot.engine import offers
from bot.engine.engine import Engine
from bot.engine.handoff import RecordingHandoff
from bot.engine.offers import OFFER_TOPIC
from bot.engine.types import HANDOFF_YES, Outcome
from bot.engine.understand import Understander
from bot.i18n import Catalogs
from nlu.offers.checker import OfferReading
from nlu.risk.detector import RiskDetector
from nlu.risk.model import Evidence, Indicator, RiskAssessment, RiskLevel
from tests.bot.engine.test_engine import Conversation, payloads
from tests.doubles import ScriptedNLU, ScriptedRisk

AD = ("🔥СРОЧНО ТРЕБУЮТСЯ РАЗНОРАБОЧИЕ🔥\n📍 Москва, стройка\n💰 ЗП 280 000 руб\n"
      "Предоплата 5000 руб за оформление\nВыезд завтра!\nПишите только в WhatsApp +7 926 123-45-67")


def _engine(content_dir: Path, risk: object) -> Engine:
    store = ContentStore(content_dir)
    store.reload()
    understander = Understander(ScriptedNLU(), risk, threshold=0.5, margin=0.1, max_chars=4000)  # type: ignore[arg-type]
    return Engine(content=store, understander=understander, catalogs=Catalogs.load(),
                  handoff=RecordingHandoff(), default_lang="ru")


@pytest.fixture
def engine(content_dir: Path) -> Engine:
    return _engine(content_dir, ScriptedRisk())


def _text(out: Outcome) -> str:
    return "\n".join(r.text for r in out.replies)


async def test_a_pasted_ad_gets_its_own_red_flags(engine: Engine, sqlite_engine: AsyncEngine) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start("ru")
    out = await conv.send("text", AD)
    assert out.topic == OFFER_TOPIC and len(out.replies) == 1
    text = _text(out)
    assert "Тревожные признаки в этом предложении" in text
    assert "«Предоплата 5000 руб за оформление»" in text and "«Выезд завтра»" in text
    assert "«280 000 руб»" in text and "«WhatsApp»" in text
    assert "Чего нет в предложении" in text and "трудовой договор" in text
    assert "egrul.nalog.ru" in text and "migration.tj" in text
    assert HANDOFF_YES in payloads(out)


@pytest.mark.parametrize(("lang", "heading", "flag"), [
    ("tg", "Аломатҳои хатар", "Пеш аз рафтан пул талаб мекунанд"),
    ("uz", "xavf belgilari", "Ketishdan oldin pul so'rashmoqda"),
])
async def test_the_reply_is_in_the_persons_language_whatever_the_ad(
    engine: Engine, sqlite_engine: AsyncEngine, lang: str, heading: str, flag: str
) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start(lang)
    out = await conv.send("text", AD)
    assert heading in _text(out) and flag in _text(out)


async def test_a_forwarded_message_needs_fewer_signals(engine: Engine, sqlite_engine: AsyncEngine) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start("ru")
    short = "Работа на складе, билет оплатим, потом вычтем из зарплаты"
    assert (await conv.send("text", short)).topic != OFFER_TOPIC
    out = await conv.send("text", short, meta={"forwarded": True})
    assert out.topic == OFFER_TOPIC
    assert "«билет оплатим, потом вычтем из зарплаты»" in _text(out)
    # "зарплат" is elevated for the scripted risk detector: its check question still follows.
    assert out.check == "danger" and len(out.replies) == 2


async def test_a_question_is_answered_as_before(engine: Engine, sqlite_engine: AsyncEngine) -> None:
    conv = Conversation(engine, sqlite_engine)
    await conv.start("ru")
    out = await conv.send("text", "как получить патент")
    assert out.topic == "docs_patent"


async def test_danger_wins_over_the_offer(content_dir: Path, sqlite_engine: AsyncEngine) -> None:
    """The person already went and cannot leave: the editors' risk rules rate it high, and the
    safety reply is given instead of the offer check, even for a forwarded ad."""
    engine = _engine(content_dir, RiskDetector.load(content_dir))
    conv = Conversation(engine, sqlite_engine)
    await conv.start("ru")
    danger = ("Я уже приехал по этому объявлению, хозяин забрал паспорт и не выпускает нас\n"
              "Требуются разнорабочие, ЗП 280 000 руб\nВыезд завтра\nWhatsApp +7 926 123-45-67")
    out = await conv.send("text", danger, meta={"forwarded": True})
    assert out.risk == "high" and out.handoff_requested
    assert out.topic != OFFER_TOPIC
    assert "Тревожные признаки в этом предложении" not in _text(out) and "112" in _text(out)
    calm = await conv.send("text", AD, meta={"forwarded": True})
    assert calm.risk != "high" and calm.topic == OFFER_TOPIC


class _ModelAlarm:
    """The situation model alone at high (or a rule too, with `rule=True`)."""

    def __init__(self, *, rule: bool = False) -> None:
        self.rule = rule

    def assess(self, text: str, lang: str, **_kw: object) -> RiskAssessment:
        evidence = [Evidence(Indicator.RETENTION_OF_DOCUMENTS, "model", "model:retention_of_documents",
                             "Паспорт, хранится", RiskLevel.HIGH, True, 0.4)]
        if self.rule:
            evidence.append(Evidence(Indicator.RETENTION_OF_DOCUMENTS, "rule", "ru:passport_taken", "pasport",
                                     RiskLevel.HIGH))
        return RiskAssessment(RiskLevel.HIGH, (Indicator.RETENTION_OF_DOCUMENTS,), tuple(evidence))


@pytest.mark.parametrize(("rule", "forwarded", "escalated"), [
    (False, True, False),   # someone else's ad, only the model alarmed: asked, and the offer checked
    (True, True, True),     # an editor's rule matched: the alarm stands
    (False, False, True),   # typed by the person: their own words, the alarm stands
])
async def test_a_forwarded_ad_alone_is_asked_about(content_dir: Path, sqlite_engine: AsyncEngine, rule: bool,
                                                   forwarded: bool, escalated: bool) -> None:
    conv = Conversation(_engine(content_dir, _ModelAlarm(rule=rule)), sqlite_engine)
    await conv.start("ru")
    out = await conv.send("text", AD, meta={"forwarded": forwarded})
    assert (out.risk == "high") is escalated
    if not escalated:
        assert out.risk == "elevated" and out.topic == OFFER_TOPIC and out.check == "danger"
        assert "Тревожные признаки" in _text(out) and "опасность" in out.replies[-1].text


async def test_a_forwarded_ad_is_read_once(content_dir: Path, sqlite_engine: AsyncEngine,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The model's alarm is weighed against the offer check, and the reply is the offer check:
    one reading of the ad serves both."""
    checker = offers.checker_for(content_dir)
    reads: list[str] = []
    real = checker.read

    def counted(text: str, *, forwarded: bool) -> OfferReading:
        reads.append(text)
        return real(text, forwarded=forwarded)

    monkeypatch.setattr(checker, "read", counted)
    conv = Conversation(_engine(content_dir, _ModelAlarm()), sqlite_engine)
    await conv.start("ru")
    out = await conv.send("text", AD, meta={"forwarded": True})
    assert out.topic == OFFER_TOPIC and len(reads) == 1
