"""Reading one message as a job offer: the signals that make it look like an ad, the red flags
with the person's own words that triggered each, and what the offer leaves out.

The words are matched with the risk rules' matcher (nlu/risk/patterns.py) over the normalised
message, and every rule file (tg, ru, uz) runs on every message, so a Russian ad with Tajik
lines, or an Uzbek one in Cyrillic, is read the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu.normalize import normalize
from nlu.offers.money import PHONE, Amount, WordTest, above_usual, amounts
from nlu.offers.spec import (
    FLAG_IDS,
    MISSING_IDS,
    OfferRule,
    OfferRuleSet,
    SettingsSpec,
    load_rulesets,
    load_settings,
)
from nlu.problems import Problem
from nlu.risk.patterns import Occurrence, Term, TermIndex

MAX_CHARS = 6000
MAX_QUOTE = 60
MAX_QUOTES = 2
_HANDLE = re.compile(r"(?<![\w.])@[A-Za-z][A-Za-z0-9_]{3,}|\b(?:t\.me|wa\.me|telegram\.me)/\S+", re.I)
_SYMBOL_WORDS = str.maketrans({"$": " usd ", "€": " eur ", "£": " gbp ", "₽": " rub "})
_STRIP = " \t.,;:!?()[]{}«»\"'-–—*•·|/\\"


@dataclass(frozen=True)
class FlagHit:
    id: str
    words: tuple[str, ...]  # the words of the message that triggered it, as written
    source: str  # the rule ("ru:fee_before_departure") or "computed"


@dataclass(frozen=True)
class OfferReading:
    is_offer: bool
    score: int
    signals: tuple[str, ...]
    flags: tuple[FlagHit, ...]
    missing: tuple[str, ...]
    forwarded: bool = False

    @property
    def flag_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.flags)


@dataclass(frozen=True)
class _Text:
    raw: str
    words: list[str]
    spans: list[tuple[int, int]]
    lines: list[int]

    @classmethod
    def of(cls, raw: str) -> _Text:
        words: list[str] = []
        spans: list[tuple[int, int]] = []
        lines: list[int] = []
        offset = 0
        for n, line in enumerate(raw.split("\n")):
            for m in re.finditer(r"\S+", line):
                for tok in normalize(m.group().translate(_SYMBOL_WORDS)).split():
                    words.append(tok)
                    spans.append((offset + m.start(), offset + m.end()))
                    lines.append(n)
            offset += len(line) + 1
        return cls(raw, words, spans, lines)

    def quote(self, start: int, end: int) -> str:
        text = " ".join(self.raw[self.spans[start][0]:self.spans[end - 1][1]].split()).strip(_STRIP)
        return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE - 1] + "…"


class OfferChecker:
    def __init__(self, rulesets: Sequence[OfferRuleSet], settings: SettingsSpec,
                 problems: Sequence[Problem] = ()) -> None:
        self.rulesets = {rs.lang: rs for rs in rulesets}
        self.settings = settings
        self.problems = tuple(problems)
        self.rules: list[tuple[str, OfferRule]] = [
            (kind, r) for rs in rulesets for kind, rules in (("flag", rs.flags), ("present", rs.present))
            for r in rules]
        self.index = TermIndex()
        self._of: dict[int, list[tuple[str, int, int]]] = {}  # term id -> (role, rule, group)
        self._lists: dict[int, list[tuple[str, str]]] = {}  # term id -> (kind, name)
        for r, (_kind, rule) in enumerate(self.rules):
            for g, group in enumerate(rule.groups):
                for term in group:
                    self._add(term, self._of, ("part", r, g))
            for term in rule.unless:
                self._add(term, self._of, ("unless", r, -1))
        for rs in rulesets:
            for kind, named in rs.lists.items():
                for name, terms in named.items():
                    for term in terms:
                        self._add(term, self._lists, (kind, name))

        self._word_tests = {k: self._first_of(k) for k in ("currencies", "periods", "salary")}

    def _first_of(self, kind: str) -> WordTest:
        """A test over a few words: the name of the first of the `kind` lists found in them."""
        index = TermIndex()
        names: dict[int, str] = {}
        for rs in self.rulesets.values():
            for name, terms in rs.lists.get(kind, {}).items():
                for term in terms:
                    index.add(term)
                    names[term.id] = name

        def test(words: Sequence[str]) -> str | None:
            occ = [o for o in index.find(list(words)) if not o.negated]
            return names[min(occ, key=lambda o: o.start).term.id] if occ else None
        return test

    def _add(self, term: Term, where: dict[int, list[Any]], item: Any) -> None:
        if term.id not in self._of and term.id not in self._lists:
            self.index.add(term)
        where.setdefault(term.id, []).append(item)

    @classmethod
    def load(cls, root: Path) -> OfferChecker:
        rulesets, problems = load_rulesets(root)
        settings, more = load_settings(root)
        return cls(rulesets, settings, [*problems, *more])

    # -- reading ------------------------------------------------------------------------------

    def read(self, text: str, *, forwarded: bool = False) -> OfferReading:
        t = _Text.of(text[:MAX_CHARS])
        parts: dict[int, list[list[Occurrence]]] = {}
        unless: dict[int, set[int]] = {}
        found: dict[str, list[tuple[str, Occurrence]]] = {}  # list kind -> (name, occurrence)
        for occ in self.index.find(t.words, t.lines):
            for role, r, g in self._of.get(occ.term.id, ()):
                if role == "unless":
                    unless.setdefault(r, set()).add(t.lines[occ.start])
                elif not occ.negated:
                    parts.setdefault(r, [[] for _ in self.rules[r][1].groups])[g].append(occ)
            for kind, name in self._lists.get(occ.term.id, ()):
                if not occ.negated:
                    found.setdefault(kind, []).append((name, occ))
        hits: dict[str, list[tuple[str, tuple[int, int]]]] = {}
        present: set[str] = set()
        for r, occs in parts.items():
            kind, rule = self.rules[r]
            for span in _line_spans(occs, rule.within, t.lines):
                if t.lines[span[0]] in unless.get(r, set()) or t.lines[span[1] - 1] in unless.get(r, set()):
                    continue
                if kind == "present":
                    present.add(rule.id)
                else:
                    hits.setdefault(rule.id, []).append((f"{rule.lang}:{rule.id}", span))
        flags = [FlagHit(fid, tuple(_unique(t.quote(*s) for s in _apart([s for _r, s in spans]))),
                         spans[0][0]) for fid, spans in hits.items()]
        if self._legal_form(t.raw):
            present.add("employer_name")
        missing = tuple(m for m in MISSING_IDS if m not in present)
        flags += self._computed(t, found, missing, present)
        order = {f: i for i, f in enumerate(FLAG_IDS)}
        flags.sort(key=lambda f: order.get(f.id, len(order)))
        signals = self._signals(t, found, bool(hits))
        weights = self.settings.ad.weights
        score = sum(weights.get(s, 1) for s in signals)
        need = self.settings.ad.forwarded_threshold if forwarded else self.settings.ad.threshold
        if not (score >= need and score > 0):
            return OfferReading(False, score, signals, (), (), forwarded)
        return OfferReading(True, score, signals, tuple(flags), missing, forwarded)

    def _legal_form(self, raw: str) -> bool:
        forms = {f for rs in self.rulesets.values() for f in rs.legal_forms}
        return any(w in forms for w in re.split(r"[^\w]+", raw))

    def _names(self, found: dict[str, list[tuple[str, Occurrence]]], kind: str) -> list[str]:
        return _unique(name for name, _o in sorted(found.get(kind, []), key=lambda x: x[1].start))

    def _amounts(self, t: _Text) -> list[Amount]:
        return amounts(t.raw, currency_of=self._word_tests["currencies"], period_of=self._word_tests["periods"],
                       is_salary=self._word_tests["salary"])

    def _computed(self, t: _Text, found: dict[str, list[tuple[str, Occurrence]]], missing: tuple[str, ...],
                  present: set[str]) -> list[FlagHit]:
        out: list[FlagHit] = []
        verdict = above_usual(self._amounts(t), self.settings.pay, countries=self._names(found, "countries"),
                              jobs=self._names(found, "jobs"))
        if verdict is not None:
            out.append(FlagHit("pay_above_usual", (verdict.text,), f"pay:{verdict.country}:{verdict.job}"))
        if "employer_name" in missing and "address" in missing:
            out.append(FlagHit("no_company", (), "computed"))
        messenger = [t.quote(o.start, o.end) for _n, o in found.get("messenger", [])]
        messenger += [m.group(0) for m in _HANDLE.finditer(t.raw)]
        if messenger and not found.get("other_contact") and "address" not in present:
            out.append(FlagHit("messenger_only", tuple(_unique(messenger))[:3], "computed"))
        return out

    def _signals(self, t: _Text, found: dict[str, list[tuple[str, Occurrence]]], flagged: bool) -> tuple[str, ...]:
        raw = t.raw
        lines = [ln for ln in raw.splitlines() if ln.strip()]
        checks = {
            "salary": bool(self._amounts(t)),
            "phone": bool(PHONE.search(raw)),
            "handle": bool(_HANDLE.search(raw)) or bool(found.get("messenger")),
            "vacancy": bool(found.get("vacancy")),
            "lines": len(lines) >= self.settings.ad.min_lines,
            "emoji": any(unicodedata.category(ch) == "So" for ch in raw),
            "flag": flagged,
        }
        return tuple(name for name, on in checks.items() if on)

    # -- texts for the reply --------------------------------------------------------------------

    def labels(self, lang: str) -> dict[str, str]:
        rs = self.rulesets.get(lang)  # type: ignore[call-overload]
        return rs.labels if rs else {}

    def missing_labels(self, lang: str) -> dict[str, str]:
        rs = self.rulesets.get(lang)  # type: ignore[call-overload]
        return rs.missing_labels if rs else {}

    def next_steps(self, lang: str) -> str:
        rs = self.rulesets.get(lang)  # type: ignore[call-overload]
        return rs.next_steps if rs else ""


def _unique(items: object) -> list[str]:
    out: list[str] = []
    for x in items:  # type: ignore[attr-defined]
        if x and x not in out:
            out.append(x)
    return out


def _apart(spans: list[tuple[int, int]], keep: int = MAX_QUOTES) -> list[tuple[int, int]]:
    """Overlapping matches merged into one quote, in the order of the message, at most `keep`."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(set(spans)):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged[:keep]


def _line_spans(parts: list[list[Occurrence]], within: int, lines: Sequence[int]) -> list[tuple[int, int]]:
    """`_spans` line by line: the words of one rule stand on one line of the ad."""
    out: list[tuple[int, int]] = []
    for line in sorted({lines[o.start] for occs in parts for o in occs}):
        out += [s for s in _spans([[o for o in occs if lines[o.start] == line] for occs in parts], within)
                if lines[s[1] - 1] == line]
    return out


def _spans(parts: list[list[Occurrence]], within: int) -> list[tuple[int, int]]:
    """Token spans where one occurrence of every part starts within `within` words of the
    others (the first occurrence of an `any:` rule is enough for each span)."""
    if not all(parts):
        return []
    if len(parts) == 1:
        return sorted({(o.start, o.end) for o in parts[0]})
    items = sorted((o.start, o.end, g) for g, occs in enumerate(parts) for o in occs)
    need, counts, have, left = len(parts), [0] * len(parts), 0, 0
    out: list[tuple[int, int]] = []
    for right, (s, _e, g) in enumerate(items):
        counts[g] += 1
        have += counts[g] == 1
        while s - items[left][0] > within:
            counts[items[left][2]] -= 1
            have -= counts[items[left][2]] == 0
            left += 1
        if have == need:
            out.append((items[left][0], max(e for _s, e, _g in items[left:right + 1])))
    return out
