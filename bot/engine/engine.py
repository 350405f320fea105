"""The conversation core: one incoming message + the stored conversation -> replies."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.store import ContentStore
from bot.engine import checks, offers, render
from bot.engine.checks import REMEMBER_DANGER, RiskFacts
from bot.engine.country import mentioned_country
from bot.engine.handoff import HandoffPort, open_case_id
from bot.engine.types import (
    AREA_PREFIX,
    COUNTRY_PREFIX,
    HANDOFF_NO,
    HANDOFF_YES,
    LANG_PICKER,
    LANG_PREFIX,
    MENU,
    TOPIC_PREFIX,
    CheckKind,
    Incoming,
    Outcome,
    Reply,
)
from bot.engine.understand import (
    OUT_OF_SCOPE,
    Understander,
    Understanding,
    answer_topic,
    clean_text,
    has_words,
)
from bot.i18n import Catalogs, Translator
from bot.inbox.capture import CapturePort, NoCapture
from bot.ops import metrics
from bot.storage import repo
from bot.storage.models import Event, User, utcnow
from nlu.languages import Lang, is_lang

log = structlog.get_logger(__name__)

# How sure language identification must be before an unconfirmed language is switched.
LANG_SWITCH_CONFIDENCE = 0.8
# Chat topics (greet, thanks, ...) never stand in for an answer to a danger report.
_CHAT_AREA = "chat"


class Engine:
    def __init__(self, *, content: ContentStore, understander: Understander, catalogs: Catalogs,
                 handoff: HandoffPort, default_lang: Lang = "ru", history_window: int = 10,
                 capture: CapturePort | None = None) -> None:
        self.content = content
        self.capture = capture or NoCapture()  # the editors' inbox of misunderstood messages
        self.understander = understander
        self.catalogs = catalogs
        self.handoff = handoff
        self.default_lang = default_lang
        self.history_window = history_window

    def _lang(self, user: User) -> Lang:
        return user.lang if is_lang(user.lang) else self.default_lang

    def _hint(self, hint: str | None) -> Lang | None:
        code = (hint or "").lower().split("-")[0].split("_")[0]
        return code if is_lang(code) else None

    async def handle(self, session: AsyncSession, incoming: Incoming) -> Outcome:
        user, created = await repo.get_or_create_user(
            session, transport=incoming.transport, external_id=incoming.external_id)
        # The incoming message is stored with what was understood of it, in the same INSERT as
        # the replies (at the end): one write per update instead of one per step.
        inbound = repo.new_event(user=user, direction="in", kind=incoming.kind,
                                 text=incoming.text[:4000] if incoming.kind != "media" else incoming.media_type or "")
        # Reads before the first write: nothing pending (say, last_seen_at) is flushed early,
        # so on SQLite the write gate is taken at the commit, not held through the NLU.
        with session.no_autoflush:
            case_id = await open_case_id(self.handoff, session, user=user)
        # The safety numbers of another country are answered even while a person owns the chat.
        ours = (incoming.kind == "command" and incoming.text in {"cancel", "start", "forget"}) or \
            (incoming.kind == "button" and incoming.text.startswith(COUNTRY_PREFIX))
        if case_id is not None and not ours:
            session.add(inbound)
            await self.handoff.relay_from_person(session, case_id=case_id, user=user, kind=incoming.kind,
                                                 text=incoming.text, meta={**incoming.meta,
                                                                           "media_type": incoming.media_type})
            return Outcome(lang=self._lang(user), relayed_to_case=case_id)
        if created or user.lang is None:
            outcome = await self._first_contact(session, user, incoming, inbound)
        elif incoming.kind == "command":
            outcome = await self._command(session, user, incoming.text)
        elif incoming.kind == "button":
            outcome = await self._button(session, user, incoming.text, inbound)
        elif incoming.kind == "media":
            _ = self.catalogs[self._lang(user)]
            outcome = Outcome(lang=self._lang(user), replies=[Reply(
                _("I can only read text messages. Please write your question in words."),
                ((render.menu_button(_),),))])
        else:
            outcome = await self._free_text(session, user, incoming.text, inbound, incoming.lang_hint,
                                            forwarded=bool(incoming.meta.get("forwarded")))  # issue 17
        # The message and the replies in one INSERT (the fewest statements per message).
        await repo.insert_events(session, [inbound, *(
            repo.new_event(user=user, direction="out", kind="reply", text=reply.text, lang=outcome.lang,
                           topic=outcome.topic) for reply in outcome.replies)])
        metrics.answered(outcome.topic, outcome.lang)
        return outcome

    # -- first contact and commands ------------------------------------------------------------

    async def _first_contact(self, session: AsyncSession, user: User, incoming: Incoming, inbound: Event) -> Outcome:
        guess = self._hint(incoming.lang_hint)
        text = incoming.text if incoming.kind == "text" else ""
        if text and has_words(text):
            parsed = await self.understander.nlu.parse(clean_text(text, 500)[0], prior=guess)
            guess = parsed.lang
        if incoming.kind == "button" and incoming.text.startswith(LANG_PREFIX):
            return await self._button(session, user, incoming.text, inbound)
        lang = guess or self.default_lang
        user.lang = lang  # provisional until the person picks
        _ = self.catalogs[lang]
        welcome = render.welcome(_)
        picker = render.language_picker(_, lang)
        if text and has_words(text):
            # Answer the question straight away: a person in danger must not wait on a menu.
            answered = await self._free_text(session, user, text, inbound, incoming.lang_hint,
                                             forwarded=bool(incoming.meta.get("forwarded")))  # issue 17
            answered.replies = [welcome, *answered.replies, picker]
            return answered
        return Outcome(lang=lang, replies=[welcome, picker])

    async def _command(self, session: AsyncSession, user: User, command: str) -> Outcome:
        lang = self._lang(user)
        _ = self.catalogs[lang]
        if command == "start":
            return Outcome(lang=lang, replies=[render.welcome(_), render.language_picker(_, lang)])
        if command == "language":
            return Outcome(lang=lang, replies=[render.language_picker(_, lang)])
        if command == "menu":
            return Outcome(lang=lang, replies=[render.main_menu(_)])
        if command == "human":
            # Keep what the person already told us: a case raised after a danger report is urgent.
            return await self._handoff(session, user, await self._last_risk(session, user))
        if command == "cancel":
            left = await self.handoff.cancel(session, user=user)
            text = _("You have left the queue. I am here if you need me.") if left else \
                _("There is nothing to cancel.")
            return Outcome(lang=lang, replies=[Reply(text, ((render.menu_button(_),),))])
        if command == "help":
            return Outcome(lang=lang, replies=[render.help_text(_)])
        return Outcome(lang=lang, replies=[Reply(_("I do not know this command."), ), render.help_text(_)])

    async def _button(self, session: AsyncSession, user: User, payload: str, inbound: Event) -> Outcome:
        lang = self._lang(user)
        _ = self.catalogs[lang]
        content = self.content.content
        if payload.startswith(LANG_PREFIX) and is_lang(new := payload.removeprefix(LANG_PREFIX)):
            user.lang, user.lang_confirmed = new, True
            _ = self.catalogs[new]
            return Outcome(lang=new, replies=[render.main_menu(_)])
        if payload == LANG_PICKER:
            return Outcome(lang=lang, replies=[render.language_picker(_, lang)])
        if payload == MENU:
            return Outcome(lang=lang, replies=[render.main_menu(_)])
        if payload.startswith(AREA_PREFIX):
            return Outcome(lang=lang, replies=[render.area_menu(_, content, lang, payload.removeprefix(AREA_PREFIX))])
        if payload.startswith(TOPIC_PREFIX) and payload.removeprefix(TOPIC_PREFIX) in content.catalogue:
            topic = payload.removeprefix(TOPIC_PREFIX)
            return Outcome(lang=lang, topic=topic, confidence=1.0,
                           replies=[render.topic_answer(_, content, lang, topic)])
        if payload.startswith(COUNTRY_PREFIX):
            user.country = payload.removeprefix(COUNTRY_PREFIX)[:8]
            return Outcome(lang=lang, replies=[render.safety(_, content, lang, user.country)])
        if payload == HANDOFF_YES:
            return await self._handoff(session, user, await self._last_risk(session, user))
        if (answer := checks.parse_answer(payload)) is not None:
            return await self._check_answer(session, user, inbound, *answer)
        if payload == HANDOFF_NO:
            return Outcome(lang=lang, replies=[Reply(
                _("All right. If anything changes, write to me or press the button at any time."),
                ((render.menu_button(_),),))])
        # An old or unknown button: answer clearly instead of staying silent.
        return Outcome(lang=lang, replies=[Reply(_("This button is no longer active."), ), render.main_menu(_)])

    # -- free text -----------------------------------------------------------------------------

    async def _free_text(self, session: AsyncSession, user: User, text: str, inbound: Event,
                         telegram_lang: str | None = None, *, forwarded: bool = False) -> Outcome:
        lang = self._lang(user)
        _ = self.catalogs[lang]
        cleaned, _cut = clean_text(text, self.understander.max_chars)
        if not has_words(cleaned):
            return Outcome(lang=lang, replies=[Reply(
                _("Please write your question in words, for example: “how do I get a patent?”"),
                ((render.menu_button(_),),))])
        with session.no_autoflush:  # the person's row may be changed; the events are not
            context = await repo.recent_events(session, user=user, limit=self.history_window)
        # The language: a chosen one is a strong prior; until then the languages of the person's
        # earlier messages and Telegram's language_code tip what the text leaves open
        # ("privet, skolko stoit patent" is Russian in Latin letters, not Tajik).
        history = [e.lang for e in context if e.direction == "in" and e.lang and e is not inbound]
        u = await self.understander.understand(cleaned, prior=lang if user.lang_confirmed else None,
                                               context=_risk_context(context), history=history,
                                               telegram_lang=telegram_lang)
        if not user.lang_confirmed and u.lang != lang and u.parse.lang_confidence >= LANG_SWITCH_CONFIDENCE:
            # Until the person picks a language, answer in the one they write (many Tajik users
            # arrive with Telegram set to Russian).
            lang = user.lang = u.lang
            _ = self.catalogs[lang]
        if (country := mentioned_country(cleaned)) and str(u.risk.level) != "none":
            # Where the person is comes from their reports ("we are on a site near Almaty ..."),
            # never from a place they ask about ("can I work in Korea?").
            user.country = country
        # Issue 17: a job ad or a forwarded recruiter's message gets the offer check; at high risk
        # the risk reply stands (bot/engine/offers.py).
        offer = offers.OfferRead(offers.checker_for(self.content.root), u.text, forwarded=forwarded)
        u = offers.forwarded_ad(u, offer=offer)
        outcome = self._reply_for(u, lang, _, user.country, declined=checks.declined(context))
        outcome = offers.apply(outcome, offer=offer, lang=lang, _=_)
        inbound.lang, inbound.topic, inbound.confidence = u.lang, u.decision.topic, u.decision.confidence
        inbound.risk, inbound.indicators, inbound.evidence = str(u.risk.level), list(u.risk.indicators), _evidence(u)
        await self.capture.understood(session, user=user, u=u, context=context)  # no query unless it qualifies
        return outcome

    def _reply_for(self, u: Understanding, lang: Lang, _: Translator, country: str | None, *,
                   declined: set[str] | None = None) -> Outcome:
        content = self.content.content
        d = u.decision
        out = Outcome(lang=lang, topic=d.topic, confidence=d.confidence, risk=str(u.risk.level),
                      indicators=list(u.risk.indicators))
        # One caring question in case the message hides danger (a direct one on any hint of
        # self-harm); not again after a No. It carries its own "Talk to a person" button.
        out.check = checks.check_kind(out.risk, out.indicators, declined)
        if out.risk == "high":
            out.replies.append(render.safety(_, content, lang, country, offer=out.check is None))
            out.handoff_requested = True
        topic = answer_topic(d.topic, out.risk, out.indicators, content.catalogue)
        if out.risk == "high" and self._is_chat(topic):
            topic = OUT_OF_SCOPE  # a danger report with no danger answer: the safety numbers
        out.topic = topic
        if (d.kind == "match" and topic != OUT_OF_SCOPE) or (out.risk == "high" and self._is_danger(topic)):
            # With any risk the offer of a person comes in its own reply: one such button only.
            out.replies.append(render.topic_answer(_, content, lang, topic, offer_person=out.risk == "none"))
        elif d.kind == "ambiguous" and out.risk != "high":
            out.replies.append(render.did_you_mean(_, content, lang, d.candidates))
        elif out.risk != "high":
            out.replies.append(render.topic_answer(_, content, lang, OUT_OF_SCOPE))
            out.replies.append(render.main_menu(_))
        if out.check:
            out.replies.append(checks.question(_, out.check))
        elif out.risk == "elevated":
            out.replies.append(render.gentle_offer(_))
        return out

    def _is_danger(self, topic: str) -> bool:
        meta = self.content.content.catalogue.get(topic)
        return meta is not None and meta.risk != "none"

    def _is_chat(self, topic: str) -> bool:
        meta = self.content.content.catalogue.get(topic)
        return topic == OUT_OF_SCOPE or (meta is not None and meta.area == _CHAT_AREA)

    async def _last_risk(self, session: AsyncSession, user: User) -> RiskFacts:
        for ev in reversed(await repo.recent_events(session, user=user, limit=self.history_window)):
            if ev.direction == "in" and ev.risk != "none":
                return RiskFacts.of(ev)
        return RiskFacts()

    async def _check_answer(self, session: AsyncSession, user: User, inbound: Event, yes: bool,
                            kind: CheckKind) -> Outcome:
        lang = self._lang(user)
        _ = self.catalogs[lang]
        recent = await repo.recent_events(session, user=user, limit=self.history_window)
        doubted = RiskFacts.of(checks.doubt(recent))
        if not yes:
            # Stored with the answer, so the same question is not asked again in this window.
            inbound.indicators = list(doubted.indicators)
            return Outcome(lang=lang, replies=[checks.declined_reply(_), render.main_menu(_)])
        # The person confirmed the danger: their answer is stored as a high-risk message.
        facts = checks.confirmed(doubted, kind)
        inbound.risk, inbound.indicators, inbound.evidence = facts.level, list(facts.indicators), list(facts.evidence)
        intro = checks.self_harm_intro(_) if kind == "self_harm" else None
        out = await self._handoff(session, user, facts, intro=intro)
        out.replies.insert(0, render.safety(_, self.content.content, lang, user.country, offer=False))
        return out

    async def _handoff(self, session: AsyncSession, user: User, facts: RiskFacts, *,
                       intro: str | None = None) -> Outcome:
        """Queue the person, raised to at least the danger they reported in the last 30 days."""
        lang = self._lang(user)
        _ = self.catalogs[lang]
        remembered = await repo.strongest_risk_event(session, user=user, since=utcnow() - REMEMBER_DANGER)
        facts = facts.at_least(RiskFacts.of(remembered))
        level, indicators, evidence = facts.level, list(facts.indicators), list(facts.evidence)
        events = await repo.recent_events(session, user=user, limit=50)
        await self.capture.handed_off(session, user=user, events=events)
        transcript = [{"at": e.at.isoformat(), "direction": e.direction, "kind": e.kind, "text": e.text,
                       "topic": e.topic} for e in events]
        ticket = await self.handoff.request(session, user=user, lang=lang, level=level, indicators=indicators,
                                           evidence=evidence, transcript=transcript)
        log.info("handoff.requested", case=ticket.case_id, level=level, indicators=indicators)
        return Outcome(lang=lang, risk=level, indicators=indicators, handoff_requested=True,
                       replies=[render.queued(_, ticket, intro=intro)])


def _risk_context(events: list[Event]) -> dict[str, Any]:
    said = [e for e in events if e.direction == "in" and e.kind == "text"][-5:]
    return {"previous": [e.text for e in said], "levels": [e.risk for e in said]}


def _evidence(u: Understanding) -> list[dict[str, Any]]:
    data = u.risk.to_dict()
    ev = data.get("evidence", [])
    return list(ev) if isinstance(ev, list | tuple) else []
