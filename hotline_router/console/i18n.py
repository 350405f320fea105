"""The console's own language: gettext catalogs (hotline_router/locales/<lang>/LC_MESSAGES/
console.po) and Babel formats in the hotline's time zone.

Russian by default, plus Tajik, Uzbek and English (the msgids). Each operator picks one
(`Operator.locale`); before logging in, a cookie remembers the choice. The catalogs are read
from the `.po` files at start-up (no compile step). Dates and times are shown in the time zone
of the operator's first team in routing.yaml, else of the fallback team.

Strings in templates are `_("...")`; in Python, `tr("...")` (translated now) and `N_("...")`
(only marked, translated where shown). `hotline_router/locales/README.md` says how to update
the catalogs.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "console"
LOCALES = ("ru", "tg", "uz", "en")
DEFAULT_LOCALE = "ru"
LOCALE_NAMES = {"ru": "Русский", "tg": "Тоҷикӣ", "uz": "Oʻzbekcha", "en": "English"}
LOCALE_COOKIE = "hamroh_console_lang"
UTC = ZoneInfo("UTC")


def N_(message: str) -> str:
    """Marks a string for the catalog; translated where it is shown."""
    return message


def _read(path: Path) -> NullTranslations:
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


@lru_cache(maxsize=1)
def catalogs() -> dict[str, NullTranslations]:
    return {lang: _read(LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po") for lang in LOCALES}


def pick(*candidates: str | None) -> str:
    """The first supported locale among the candidates, else Russian."""
    for c in candidates:
        if c in LOCALES:
            return c
    return DEFAULT_LOCALE


@dataclass(frozen=True)
class Ui:
    """One request's language and time zone."""

    locale: str = DEFAULT_LOCALE
    tz: ZoneInfo = UTC

    @property
    def _t(self) -> NullTranslations:
        return catalogs()[self.locale]

    @property
    def babel_locale(self) -> str:
        return "uz_Latn" if self.locale == "uz" else self.locale

    def gettext(self, message: str, **values: object) -> str:
        text = self._t.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self._t.ngettext(singular, plural, n) % {"num": self.num(n), **values}

    def num(self, value: float | int) -> str:
        return format_decimal(value, locale=self.babel_locale)

    def when(self, value: dt.datetime | None) -> str:
        """"18 мар. 2026 г., 10:00" style, short: day, month and time in the hotline's zone."""
        if value is None:
            return ""
        return format_datetime(value, "d MMM, HH:mm", tzinfo=self.tz, locale=self.babel_locale)

    def time(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        return format_time(value, "HH:mm", tzinfo=self.tz, locale=self.babel_locale)

    def full(self, value: dt.datetime | None) -> str:
        """Date, time and zone, for tooltips and the audit log."""
        if value is None:
            return ""
        return format_datetime(value, "d MMMM y, HH:mm zzzz", tzinfo=self.tz,
                               locale=self.babel_locale)

    def waited(self, since: dt.datetime | None, now: dt.datetime) -> str:
        if since is None:
            return ""
        minutes = int((now - since).total_seconds() // 60)
        if minutes < 120:
            return self.gettext("%(m)s min", m=self.num(minutes))
        return self.gettext("%(h)s h %(m)s min", h=self.num(minutes // 60), m=f"{minutes % 60:02d}")


CURRENT: ContextVar[Ui | None] = ContextVar("hotline_console_ui", default=None)
_DEFAULT = Ui()


def ui() -> Ui:
    return CURRENT.get() or _DEFAULT


def tr(message: str, **values: object) -> str:
    """Translated into the current request's language."""
    return ui().gettext(message, **values)


# Used through Ui or inside f-strings, where the extractor does not look.
MARKED = (N_("%(m)s min"), N_("%(h)s h %(m)s min"), N_("button"), N_("command"))

# Messages of hotline_router.operations (written in English there), for the catalog.
OPERATION_MESSAGES = (
    N_("No such case."), N_("Another operator has just taken this case."),
    N_("This case is not yours. Ask a supervisor to transfer it."),
    N_("Claim the case first: only the operator who holds it can do this."),
    N_("The reply is empty."), N_("A note needs 1 to 4000 characters."),
    N_("No such active operator."), N_("Choose a team or an operator to transfer to."),
    N_("Choose an outcome code before closing."),
    N_("This case is past the retention period: its conversation was deleted, so it cannot be reopened."),
    N_("Not reopened: the case is open, or the person has another open case."),
    N_("Only supervisors acknowledge alerts."),
)
_PATTERNS = (
    (re.compile(r"^You already hold (?P<n>\d+) cases: close one first\.$"),
     N_("You already hold %(n)s cases: close one first.")),
    (re.compile(r"^Not claimed: the case is (?P<status>\w+)\.$"),
     N_("Not claimed: the case is %(status)s.")),
    (re.compile(r"^The reply is too long: (?P<n>\d+) characters, at most (?P<max>\d+)\.$"),
     N_("The reply is too long: %(n)s characters, at most %(max)s.")),
    (re.compile(r"^Unknown tags: (?P<tags>.*)$"), N_("Unknown tags: %(tags)s")),
)


def operation_message(message: str) -> str:
    """An `ActionError` message in the operator's language (English when not in the catalog)."""
    for pattern, msgid in _PATTERNS:
        found = pattern.match(message)
        if found:
            values = {k: (ui().num(int(v)) if v.isdigit() else tr(v)) for k, v in found.groupdict().items()}
            return tr(msgid, **values)
    return tr(message)
