"""What the person is told about their case, in their language (gettext catalogs).

The msgids live in bot/locales/*/LC_MESSAGES/messages.po like the engine's; `_` here is the
engine's Translator for the person's language, passed in (this package does not import bot).
Texts are plain: the transport escapes them for its markup.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from hotline_router.routing import Routing, Team
from nlu.languages import Lang, is_lang


class TranslatorLike(Protocol):
    def __call__(self, message: str, **kwargs: object) -> str: ...


class CatalogsLike(Protocol):
    def __getitem__(self, lang: Lang) -> TranslatorLike: ...


def translator(catalogs: CatalogsLike, lang: str | None) -> TranslatorLike:
    return catalogs[lang if is_lang(lang) else "ru"]


def queue_update(_: TranslatorLike, *, position: int, eta: int | None) -> str:
    lines = [_("Update: your place in the queue is now {position}.", position=position)]
    if eta is not None:
        lines.append(_("Estimated wait: about {minutes} min.", minutes=eta))
    return "\n".join(lines)


def nobody_online(_: TranslatorLike) -> str:
    return _("No operator is online at the moment, so I cannot estimate the wait. "
             "The first operator who comes will see your request.")


def out_of_hours(_: TranslatorLike, *, routing: Routing, team: Team, country: str | None,
                 lang: str, now: dt.datetime) -> str:
    """Told at once when no team is open: the numbers to call, and when the hotline opens."""
    lines = []
    opens = team.next_open(now)
    if opens is not None:
        local = opens.astimezone(team.tz())
        lines.append(_("The hotline opens on {date} at {time} ({zone}). "
                       "Your request stays in the queue until then.",
                       date=local.strftime("%d.%m"), time=local.strftime("%H:%M"),
                       zone=_utc_offset(local)))
    if team.phones:
        lines.append(_("Phone numbers you can call: {numbers}.",
                       numbers="; ".join(p.text(lang) for p in team.phones)))
    lines.append(_("In an emergency call {numbers}.",
                   numbers=", ".join(routing.emergency_numbers(country))))
    return "\n".join(lines)


def _utc_offset(local: dt.datetime) -> str:
    minutes = int((local.utcoffset() or dt.timedelta()).total_seconds() // 60)
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def operator_joined(_: TranslatorLike) -> str:
    return _("An operator has joined the conversation. You can write to them here.")


def operator_reply(_: TranslatorLike, text: str) -> str:
    return _("Operator: {text}", text=text)


def closed(_: TranslatorLike) -> str:
    return _("The operator has closed the conversation. You are talking to the Hamroh bot "
             "again. To reach a person later, send /human.")


def handled_by_person(_: TranslatorLike) -> str:
    """Answer to a command or button while a case is open (the bot itself stays silent)."""
    return _("A person from the hotline is handling your conversation: what you write here goes "
             "to them, and the bot does not answer by itself. To leave the queue and talk to the "
             "bot again, send /cancel.")


def reopened(_: TranslatorLike) -> str:
    return _("An operator has reopened your request: your messages go to the hotline again. "
             "To leave the queue, send /cancel.")
