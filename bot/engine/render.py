"""Replies built from content and interface strings: menus, answers, pickers, safety."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.loader import Content
from bot.content.schema import MENU_AREAS
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


def safety(_: Translator, content: Content, lang: Lang, country: str | None) -> Reply:
    """Safety steps and emergency numbers first, then the offer of a person."""
    sf = content.safety.get(lang)
    if sf is None:
        text = _("<b>If you are in danger, call 112 now.</b> It works without credit or a SIM card.")
        countries: list[Button] = []
    else:
        code = country if country in sf.countries else sf.default
        text = sf.countries[code].text
        countries = [Button(c.name, COUNTRY_PREFIX + k) for k, c in sf.countries.items() if k != code]
    offer = _("Do you want to talk to a person from the hotline now? It is free and confidential.")
    rows: list[tuple[Button, ...]] = [
        (Button(_("👤 Talk to a person"), HANDOFF_YES), Button(_("Not now"), HANDOFF_NO)),
    ]
    if countries:
        rows.append(tuple(countries))
    return Reply(f"{text}\n\n<b>{offer}</b>", tuple(rows))


def gentle_offer(_: Translator) -> Reply:
    return Reply(_("If you want, a person from the hotline can help you with this."),
                 ((Button(_("👤 Talk to a person"), HANDOFF_YES),),))


def help_text(_: Translator) -> Reply:
    return Reply(_("I answer questions about work rights, job offers, documents and stay, and I can "
                   "connect you with a hotline operator.\n\n"
                   "Write your question in your own words, or use:\n"
                   "/menu – main menu\n/language – change language\n/human – talk to a person\n"
                   "/cancel – leave the queue for a person\n/help – this help"), ((menu_button(_),),))
