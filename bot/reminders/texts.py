"""What the person reads: reminder messages and the confirmation, in their language (the
gettext catalogs of bot/locales; no aiogram here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.i18n import Translator
from bot.reminders.schedule import Kind


def day(d: dt.date) -> str:
    return d.strftime("%d.%m.%Y")


def kind_title(_: Translator, kind: str) -> str:
    titles = {
        "patent": _("Patent paid until"),
        "registration": _("Registration ends"),
        "stay": _("Entry date (90 days)"),
    }
    return titles.get(kind, kind)


def ask_date(_: Translator, kind: str) -> str:
    questions = {
        "patent": _("Until what date is your patent paid? Send the date (for example 5.03 or 5 March) "
                    "or choose it below."),
        "registration": _("When does your migration registration end? Send the date (for example "
                          "5.03 or 5 March) or choose it below."),
        "stay": _("On what date did you enter the country? Send the date (for example 5.03 or "
                  "5 March) or choose it below. I will count your 90 days."),
    }
    return questions.get(kind, "")


def reminder(_: Translator, kind: Kind, *, date: dt.date, deadline: dt.date, days_left: int,
             country: str | None) -> str:
    left = _("Days left: {n}.", n=days_left)
    if kind == "patent":
        body = _("<b>Your patent is paid until {date}.</b> Pay the next month before this day ends: "
                 "one day late ends the patent, and a late payment does not bring it back.", date=day(date))
    elif kind == "registration":
        body = _("<b>Your migration registration ends on {date}.</b> Extend it or register again "
                 "in time: without registration you risk a fine and the registry of controlled "
                 "persons.", date=day(date))
    elif country == "KZ":
        body = _("<b>You entered on {entry}: your 90 days in any 180 end on {date}.</b> Leave or "
                 "get a permit in time. Earlier trips in the last 180 days count too.",
                 entry=day(date), date=day(deadline))
    else:
        body = _("<b>You entered on {entry}: your 90 days in this calendar year end on {date}.</b> "
                 "A paid patent extends the stay; otherwise leave in time. Earlier trips this year "
                 "count too.", entry=day(date), date=day(deadline))
    return f"⏰ {body}\n{left}"


def confirmation(_: Translator, kind: Kind, *, date: dt.date, deadline: dt.date,
                 times: Sequence[dt.datetime], country: str | None) -> str:
    lines = [_("Saved: {what} — {date}.", what=kind_title(_, kind), date=day(date))]
    if kind == "stay":
        lines.append(_("Your 90 days end on {date} (if you had no earlier trips in this period).",
                       date=day(deadline)) if country != "KZ" else
                     _("Your 90 days in any 180 end on {date} (if you had no earlier trips in the "
                       "last 180 days).", date=day(deadline)))
    if times:
        when = ", ".join(t.strftime("%d.%m %H:%M") for t in times)
        lines.append(_("I will remind you: {when} (local time).", when=when))
    else:
        lines.append(_("The deadline is too close for a reminder: act today."))
    lines.append(_("Change or cancel: /remind"))
    return "\n".join(lines)


def problem(_: Translator, reason: str) -> str:
    texts = {
        "unreadable": _("I could not read this date. Write it like 5.03.2027 or 5 March, or choose "
                        "it below."),
        "no_such_day": _("There is no such day in the calendar. Please check the date."),
        "passed": _("This date has already passed. If your deadline is over, talk to a person: "
                    "/human"),
        "future_entry": _("The entry date cannot be in the future. Please check the date."),
        "too_far": _("This date is too far ahead. Please check it."),
        "too_old": _("This entry date is more than a year ago. Please check it."),
        "too_many": _("You have too many reminders. Cancel one first: /remind"),
    }
    return texts.get(reason, texts["unreadable"])
