"""The dialogue engine on the real queue: /human queues the person with their place, their
next messages go to the case instead of the bot, /cancel brings the bot back."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from bot.content.store import ContentStore
from bot.engine.engine import Engine
from bot.engine.types import Incoming, Outcome
from bot.engine.understand import Understander
from bot.i18n import Catalogs
from hotline_router.models import Case, Message
from hotline_router.service import Hotline, HotlineHandoff
from nlu.languages import Lang
from nlu.service import ParseResult
from tests.doubles import Risk


class QuietNLU:
    async def parse(self, text: str, *, lang_hint: Lang | None = None, prior: Lang | None = None,
                    history: Sequence[str] = (), telegram_lang: str | None = None) -> ParseResult:
        return ParseResult(lang=prior or "ru", lang_confidence=0.9, ranking=(("out_of_scope", 0.9),),
                           backend="test")


class NoRiskAssessor:
    def assess(self, text: str, lang: Lang, *, ranking: Sequence[tuple[str, float]] = (),
               context: object | None = None) -> Risk:
        return Risk()


async def test_human_relay_cancel(sqlite_hotline: Hotline, content_dir: Path, catalogs: Catalogs) -> None:
    store = ContentStore(content_dir)
    store.reload()
    engine = Engine(content=store, understander=Understander(QuietNLU(), NoRiskAssessor(), threshold=0.5,
                                                             margin=0.1, max_chars=4000),
                    catalogs=catalogs, handoff=HotlineHandoff(sqlite_hotline), default_lang="ru")

    async def send(kind: str, text: str) -> Outcome:
        async with sqlite_hotline.sessions.begin() as session:
            return await engine.handle(session, Incoming("test", "77", kind, text))  # type: ignore[arg-type]

    await send("command", "start")
    await send("button", "lang:ru")
    out = await send("command", "human")
    assert out.handoff_requested
    text = out.replies[0].text
    assert "Ваше место в очереди: 1." in text
    assert "Сейчас на линии нет операторов" in text  # honest: nobody online, no made-up wait
    relayed = await send("text", "мне нужна помощь")
    assert relayed.relayed_to_case is not None and relayed.replies == []
    out = await send("command", "cancel")
    assert "Вы вышли из очереди" in out.replies[0].text
    async with sqlite_hotline.sessions() as session:
        case = await session.get(Case, relayed.relayed_to_case)
        assert case is not None and case.status == "closed"
        texts = (await session.scalars(select(Message.text))).all()
    assert texts == ["мне нужна помощь"]
