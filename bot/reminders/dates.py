"""Dates as people type them, in Russian, Tajik and Uzbek (Latin or Cyrillic).

Accepted: `5.03`, `05/03/2027`, `5-3-27`, `2027-03-05`, `5 марта`, `5 mar`, `5 mart 2027`,
`март 5`, `5 апрел`, and the words for today, tomorrow and the day after ("сегодня", "завтра",
"послезавтра"; Tajik "имрӯз", "пагоҳ", "фардо", "пасфардо"; Uzbek "bugun", "ertaga", "indinga").
Day before month, as everywhere the bot's people live. Matching runs on the normaliser's Latin
skeleton (nlu.normalize), so scripts, keyboards and repeated letters meet; a month name or a
relative word with one wrong letter is still read (at four letters or more).

Without a year, the date is put in the year that makes sense for the question: a deadline is
the next such day (up to a month late, to tell the person it has passed), an entry date the
last such day up to today.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from nlu.normalize import normalize

Direction = Literal["future", "past"]
MAX_CHARS = 64  # a date is short: anything longer is a question, not a date

# Skeleton prefixes (nlu.normalize folds Cyrillic and Latin to one form).
_MONTHS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, ("yanv", "yanu", "jan", "chanv", "yan")), (2, ("fev", "feb")), (3, ("mart", "mar")),
    (4, ("apr",)), (5, ("may", "mai", "maj", "mae")), (6, ("iyun", "iun", "ijun", "jun", "yun")),
    (7, ("iyul", "iul", "ijul", "jul", "yul")), (8, ("avg", "aug", "avq")), (9, ("sen", "sep")),
    (10, ("okt", "oct")), (11, ("noy", "noj", "nov", "noa")), (12, ("dek", "dec")),
)
# Full words for typo tolerance (one letter off).
_MONTH_WORDS: dict[str, int] = {
    "yanvar": 1, "yanvarya": 1, "fevral": 2, "fevralya": 2, "mart": 3, "marta": 3, "aprel": 4,
    "aprelya": 4, "maya": 5, "iyun": 6, "iyunya": 6, "iyul": 7, "iyulya": 7, "avgust": 8,
    "avgusta": 8, "sentyabr": 9, "sentyabrya": 9, "oktyabr": 10, "oktyabrya": 10, "noyabr": 11,
    "noyabrya": 11, "dekabr": 12, "dekabrya": 12,
}
_RELATIVE: dict[str, int] = {
    "segodnya": 0, "imruz": 0, "bugun": 0, "today": 0,
    "zavtra": 1, "pagoh": 1, "fardo": 1, "ertaga": 1, "tomorrow": 1,
    "poslezavtra": 2, "pasfardo": 2, "indinga": 2, "indin": 2,
}
_NUMERIC = re.compile(r"^(\d{1,4})\s*[./\-\s]\s*(\d{1,2})(?:\s*[./\-\s]\s*(\d{2,4}))?$")
_WORDS = re.compile(r"[a-z]+|\d+")


class DateError(ValueError):
    """Why a text is not a date: `reason` is "unreadable" or "no_such_day"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Parsed:
    date: dt.date
    year_given: bool


def _near(word: str, target: str) -> bool:
    """At most one letter inserted, deleted or replaced."""
    if abs(len(word) - len(target)) > 1 or word == target:
        return word == target
    if len(word) == len(target):
        return sum(a != b for a, b in zip(word, target, strict=True)) == 1
    short, long_ = sorted((word, target), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def month_of(word: str) -> int | None:
    for number, prefixes in _MONTHS:
        if any(word.startswith(p) for p in prefixes) and len(word) <= 10:
            return number
    if len(word) >= 4:
        for full, number in _MONTH_WORDS.items():
            if _near(word, full):
                return number
    return None


def _relative(word: str) -> int | None:
    if word in _RELATIVE:
        return _RELATIVE[word]
    if len(word) >= 5:
        for full, days in _RELATIVE.items():
            if _near(word, full):
                return days
    return None


def _year(raw: str) -> int:
    year = int(raw)
    return 2000 + year if year < 100 else year


def _make(year: int | None, month: int, day: int, today: dt.date, direction: Direction) -> Parsed:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise DateError("unreadable")
    if year is not None:
        try:
            return Parsed(dt.date(year, month, day), True)
        except ValueError as exc:  # 29.02.2027, 31.04
            raise DateError("no_such_day") from exc
    # No year: the nearest year in which this day exists and fits the direction.
    candidates = []
    for y in range(today.year - 4, today.year + 5):  # 29 February comes every 4 years
        try:
            candidates.append(dt.date(y, month, day))
        except ValueError:
            continue
    grace = today - dt.timedelta(days=31)  # "5.03" on 10 March: it passed, say so
    fitting = [d for d in candidates if d <= today] if direction == "past" else \
        [d for d in candidates if d >= grace]
    if not fitting:
        raise DateError("no_such_day")
    return Parsed(max(fitting) if direction == "past" else min(fitting), False)


def parse_date(text: str, *, today: dt.date, direction: Direction = "future") -> Parsed:
    """The date in `text`; raises DateError."""
    if not text or len(text) > MAX_CHARS:
        raise DateError("unreadable")
    raw = text.strip().lower()
    if (m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw)) is not None:  # ISO
        return _make(int(m[1]), int(m[2]), int(m[3]), today, direction)
    if (m := _NUMERIC.fullmatch(raw)) is not None and len(m[1]) <= 2:
        return _make(_year(m[3]) if m[3] else None, int(m[2]), int(m[1]), today, direction)
    words = _WORDS.findall(normalize(raw))
    if len(words) == 1 and (days := _relative(words[0])) is not None:
        return Parsed(today + dt.timedelta(days=days), True)
    numbers = [w for w in words if w.isdigit()]
    months = [n for w in words if not w.isdigit() and (n := month_of(w)) is not None]
    others = [w for w in words if not w.isdigit() and month_of(w) is None and w not in _FILLER]
    if len(months) != 1 or not 1 <= len(numbers) <= 2 or others:
        raise DateError("unreadable")
    year = None
    if len(numbers) == 2:  # "5 марта 2027": the year comes after the month, in 2 or 4 digits
        month_at = next(i for i, w in enumerate(words) if not w.isdigit() and month_of(w) is not None)
        if len(numbers[1]) not in (2, 4) or words.index(numbers[1], 1) < month_at:
            raise DateError("unreadable")
        year = _year(numbers[1])
    return _make(year, months[0], int(numbers[0]), today, direction)


# Words that may stand next to a date: "до", "по", "года", "г", "sana", "gacha", "то".
_FILLER = frozenset({"do", "po", "go", "e", "goda", "god", "g", "yil", "yili", "sana", "gacha", "to", "chisla",
                     "chislo", "s", "ot", "sol", "soli", "dan"})
