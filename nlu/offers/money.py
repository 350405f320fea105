"""Pay figures in an ad ("з/п от 150 000₽", "$1,500 oyiga", "3500 за смену", "120к") and the
verdict "pay far above the usual for the job and place" against the editors' table.

Amounts are read from the raw text (normalisation drops "$" and "₽"); phone numbers are
removed first so "+7 926 123-45-67" is never a salary. The currency comes from a symbol next
to the number or an editors' currency word after it; an amount with neither counts only when a
salary word ("з/п", "oylik", "маош") stands just before it, and is then read as roubles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nlu.normalize import normalize
from nlu.offers.spec import PaySpec

PHONE = re.compile(r"\+\s?\d[\d\s\-()]{8,17}\d|(?<!\d)8[\s\-(]*9\d\d[\s\-)]*\d{3}[\s\-]*\d\d[\s\-]*\d\d(?!\d)"
                    r"|(?<!\d)9\d{9}(?!\d)")
_AMOUNT = re.compile(
    r"(?<![\w+])(\d{1,3}(?:[ \u00a0\u202f.,’']\d{3})+|\d+(?:[.,]\d{1,2})?)"
    r"\s?(млн|mln|million|тысяч\w*|тыс\.?|т\.\s?р\.?|тр\b|k\b|к\b|минг|ming|ҳазор|хазор|hazor)?",
    re.IGNORECASE)
_SYMBOLS = {"$": "usd", "€": "eur", "£": "gbp", "₽": "rub", "₩": "krw", "₸": "kzt", "₺": "try"}
_MULT = {"млн": 1e6, "mln": 1e6, "million": 1e6}
MIN_AMOUNT = 100  # below this a number is a count, a day or an age, not pay
# Word tests over normalised tokens, given by the checker (the editors' lists).
WordTest = Callable[[Sequence[str]], str | None]


@dataclass(frozen=True)
class Amount:
    value: float  # in `currency`, per `period`
    currency: str
    period: str  # month, day, hour, week, shift
    text: str  # as written


def _number(raw: str) -> float:
    compact = raw.replace("\u00a0", " ").replace("\u202f", " ")
    if re.fullmatch(r"\d{1,3}(?:[ .,’']\d{3})+", compact):
        return float(re.sub(r"\D", "", compact))
    return float(compact.replace(",", "."))


def amounts(text: str, *, currency_of: WordTest, period_of: WordTest, is_salary: WordTest) -> list[Amount]:
    """Every pay figure in the text, with its currency and period."""
    clean = PHONE.sub(" ", text)
    out: list[Amount] = []
    for m in _AMOUNT.finditer(clean):
        value = _number(m.group(1))
        unit = (m.group(2) or "").lower()
        if unit:
            value *= _MULT.get(unit, 1000.0)
        before, after = clean[max(0, m.start() - 30):m.start()], clean[m.end():m.end() + 30]
        after_words = normalize(after).split()[:3]
        before_words = normalize(before).split()[-3:]
        currency = _symbol(before[-3:], after[:3]) or currency_of(after_words[:2])
        if unit.startswith(("т.", "тр")):
            currency = currency or "rub"
        if currency is None:
            if not is_salary(before_words):
                continue
            currency = "rub"
        if value < MIN_AMOUNT:
            continue
        period = period_of(after_words) or period_of(before_words[-2:]) or "month"
        end = m.end() + (len(after) - len(after.lstrip())) + _currency_len(after)
        out.append(Amount(value, currency, period, clean[m.start():end].strip()))
    return out


def _symbol(before: str, after: str) -> str | None:
    for ch in (*after.strip()[:1], *before.strip()[-1:]):
        if ch in _SYMBOLS:
            return _SYMBOLS[ch]
    return None


def _currency_len(after: str) -> int:
    m = re.match(r"\s*(?:[$€£₽₩₸₺]|[^\W\d_]+\.?)", after)
    return len(m.group(0).strip()) if m else 0


@dataclass(frozen=True)
class PayVerdict:
    offered: float  # per month, in the table's currency
    usual: float  # the editors' top of usual monthly pay
    currency: str
    country: str
    job: str
    text: str  # the figure as written


def above_usual(found: Sequence[Amount], spec: PaySpec, *, countries: Sequence[str],
                jobs: Sequence[str]) -> PayVerdict | None:
    """The highest monthly pay in the ad when it is more than `factor` times the usual top for
    the job and country (None when it is not, or when the table has no row)."""
    best: PayVerdict | None = None
    for amount in found:
        country = next((c for c in countries if c in spec.usual), None) or \
            spec.country_of_currency.get(amount.currency) or spec.default_country
        row = spec.usual.get(country)
        if row is None:
            continue
        monthly = amount.value * spec.per_month.get(amount.period, 1.0)
        offered = _convert(monthly, amount.currency, row.currency, spec.usd_rates)
        if offered is None:
            continue
        # Several job words: the most generous usual pay among them (conservative).
        known = [j for j in jobs if j in row.jobs]
        job = max(known, key=lambda j: row.jobs[j]) if known else "any"
        usual = row.jobs[job] if known else row.any
        if offered > usual * spec.factor and (best is None or offered / usual > best.offered / best.usual):
            best = PayVerdict(round(offered), usual, row.currency, country, job, amount.text)
    return best


def _convert(value: float, src: str, dst: str, usd: dict[str, float]) -> float | None:
    if src == dst:
        return value
    if src not in usd or dst not in usd:
        return None
    return value * usd[src] / usd[dst]
