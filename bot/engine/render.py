"""Replies built from content and interface strings: menus, answers, pickers, safety."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.loader import Content
from bot.content.schema import MENU_AREAS
from bot.engine.handoff import TicketLike
from bot.engine.types import (
    AREA_PREFIX,
    COUNTRY_PREFIX,
    HANDOFF_NO,
    HANDOFF_YES,
    LANG_PICKER,
    LANG_PREFIX,
    MENU,
    TOPIC_PREFIX,
    Button,
    Reply,
)
from bot.i18n import Translator
from nlu.languages import LANGS, NATIVE_NAMES, Lang

Rows = tuple[tuple[Button, ...], ...]

HELP_HUMAN = "help_human"


def area_title(_: Translator, area: str) -> str:
    titles = {
        "rights": _("⚖️ Labour rights"),
        "jobs": _("🔎 Checking a job offer"),
        "docs": _("📄 Documents and stay"),
        "help": _("🆘 Get help"),
    }
    return titles.get(area, area)


def menu_button(_: Translator) -> Button:
    return Button(_("☰ Main menu"), MENU)


def welcome(_: Translator) -> Reply:
    return Reply(_("Hello! I am Hamroh, a helper for migrant workers. I answer questions about "
                   "work, documents and stay, and I can connect you with a hotline. "
                   "I am not the police and not a government office."))


def language_picker(_: Translator, selected: Lang | None) -> Reply:
    row = tuple(Button(("✓ " if lang == selected else "") + NATIVE_NAMES[lang], LANG_PREFIX + lang)
                for lang in LANGS)
    return Reply(_("Choose your language:"), (row,))


def main_menu(_: Translator) -> Reply:
    rows = tuple((Button(area_title(_, area), AREA_PREFIX + area),) for area in MENU_AREAS)
    return Reply(_("What do you need help with? Choose a topic or write your question in your own words."),
                 (*rows, (Button(_("🌐 Language"), LANG_PICKER),)))


def _topic_buttons(content: Content, lang: Lang, topic_ids: Sequence[str]) -> list[Button]:
    out = []
    for topic_id in topic_ids:
        answer = content.answer(lang, topic_id)
        if answer is not None:
            out.append(Button(answer.title, TOPIC_PREFIX + topic_id))
    return out


def area_menu(_: Translator, content: Content, lang: Lang, area: str) -> Reply:
    buttons = _topic_buttons(content, lang, [t.id for t in content.topics_in_area(area)])
    rows: Rows = (*((b,) for b in buttons), (menu_button(_),))
    return Reply(f"<b>{area_title(_, area)}</b>\n" + _("Choose a topic:"), rows)


def topic_answer(_: Translator, content: Content, lang: Lang, topic_id: str, *,
                 offer_person: bool = True) -> Reply:
    """The topic's answer with its related topics as buttons. A related "talk to a person"
    topic becomes the handoff button itself: someone who presses it wants a person, not a page
    about one."""
    answer = content.answer(lang, topic_id)
    if answer is None:
        return Reply(_("Sorry, this answer is not available right now. Please choose another topic."),
                     ((menu_button(_),),))
    related = [t for t in answer.buttons if t != HELP_HUMAN]
    rows: list[tuple[Button, ...]] = [(b,) for b in _topic_buttons(content, lang, related)]
    if offer_person and (topic_id == HELP_HUMAN or HELP_HUMAN in answer.buttons):
        rows.insert(0, (Button(_("👤 Talk to a person"), HANDOFF_YES),))
    rows.append((menu_button(_),))
    return Reply(answer.text, tuple(rows))


def did_you_mean(_: Translator, content: Content, lang: Lang, candidates: Sequence[str]) -> Reply:
    buttons = _topic_buttons(content, lang, candidates)
    return Reply(_("I am not sure I understood. Did you mean one of these?"),
                 (*((b,) for b in buttons), (menu_button(_),)))


def safety(_: Translator, content: Content, lang: Lang, country: str | None, *, offer: bool = True) -> Reply:
    """Safety steps and emergency numbers first, then the offer of a person (left out when a
    person has already been asked for)."""
    sf = content.safety.get(lang)
    if sf is None:
        text = _("<b>If you are in danger, call 112 now.</b> It works without credit or a SIM card.")
        countries: list[Button] = []
    else:
        code = country if country in sf.countries else sf.default
        text = sf.countries[code].text
        countries = [Button(c.name, COUNTRY_PREFIX + k) for k, c in sf.countries.items() if k != code]
    rows: list[tuple[Button, ...]] = []
    if offer:
        question = _("Do you want to talk to a person from the hotline now? It is free and confidential.")
        text = f"{text}\n\n<b>{question}</b>"
        rows.append((Button(_("👤 Talk to a person"), HANDOFF_YES), Button(_("Not now"), HANDOFF_NO)))
    if countries:
        rows.append(tuple(countries))
    return Reply(text, tuple(rows))


def gentle_offer(_: Translator) -> Reply:
    return Reply(_("If you want, a person from the hotline can help you with this."),
                 ((Button(_("👤 Talk to a person"), HANDOFF_YES),),))


def queued(_: Translator, ticket: TicketLike, *, intro: str | None = None) -> Reply:
    """What the person is told once a hotline operator has been asked for."""
    lines = [intro or _("I have asked a hotline operator to join. They will write to you here. "
                        "Please stay in this chat.")]
    if ticket.position is not None:
        lines.append(_("Your place in the queue: {position}.", position=ticket.position))
    if ticket.eta_minutes is not None:
        lines.append(_("Estimated wait: about {minutes} min.", minutes=ticket.eta_minutes))
    if ticket.out_of_hours:
        lines.append(_("The hotline is closed now; an operator will answer when it opens. "
                       "If you are in danger, call 112."))
    lines.extend(ticket.notices)
    lines.append(_("To leave the queue, send /cancel."))
    return Reply("\n".join(lines))


def help_text(_: Translator) -> Reply:
    return Reply(_("I answer questions about work rights, job offers, documents and stay, and I can "
                   "connect you with a hotline operator.\n\n"
                   "Write your question in your own words, or use:\n"
                   "/menu – main menu\n/language – change language\n/human – talk to a person\n"
                   "/cancel – leave the queue for a person\n/help – this help"), ((menu_button(_),),))
