"""Editors' patterns compiled to word matchers, and a fast index that finds them in a message.

A pattern is one or more words that must follow each other. Each word is passed through
`normalize()` so editors may write either script and any apostrophe. In a word:

    паспорт      exactly this word
    паспорт*     a word that starts with it (паспорта, паспортом, паспортимни)
    *madi        a word that ends with it
    *ma*         a word that contains it
    #            any number (12, 2024)
    *            any one word (only between two other words)
    ...          up to five words, or none (only between two other words):
                 "как ... защитить*" matches "как защитить", "как мне себя защитить"

Matching is a dictionary look-up per token and per prefix/suffix length, so the cost grows
with the length of the message, not with the number of patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from nlu.normalize import normalize

WordKind = Literal["exact", "prefix", "suffix", "infix", "number", "any", "gap"]

# A token longer than this is not a word anyone typed; only its first letters are indexed.
MAX_TOKEN = 40
GAP_MAX = 5  # how many words "..." may stand for
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


class PatternError(ValueError):
    """A pattern an editor wrote that cannot be used; the message says why."""


@dataclass(frozen=True)
class WordPat:
    kind: WordKind
    core: str = ""

    def matches(self, token: str) -> bool:
        if self.kind == "exact":
            return token == self.core
        if self.kind == "prefix":
            return token.startswith(self.core)
        if self.kind == "suffix":
            return token.endswith(self.core) and len(token) > len(self.core)
        if self.kind == "infix":
            return self.core in token
        if self.kind == "number":
            return token.isdigit()
        return True  # "any" (a gap is handled by the matcher)


@dataclass(frozen=True)
class Negation:
    """Words that cancel a match: before it (не забрали), after it (olgani yo'q), a negative
    ending on the matched word itself (Uzbek olib qo'y-ma-di), or a negative prefix glued to
    it (Tajik на-гирифтанд: found, and marked negated)."""

    before: tuple[WordPat, ...] = ()
    after: tuple[WordPat, ...] = ()
    forms: tuple[WordPat, ...] = ()
    window: int = 1
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Term:
    id: int
    words: tuple[WordPat, ...]
    source: str  # as the editor wrote it, for messages
    negation: Negation | None = None  # None: never negated (question frames, report markers)
    # The pattern itself begins with a negation word (не отдаёт): that "не" is part of what
    # the editor means and must not cancel the match.
    starts_negated: bool = False


def make_term(term_id: int, text: str, negation: Negation | None) -> Term:
    words = compile_pattern(text)
    starts_neg = negation is not None and words[0].kind == "exact" and any(
        p.matches(words[0].core) for p in negation.before)
    return Term(term_id, words, text, negation, starts_neg)


def _norm_core(core: str, *, inner: bool) -> str:
    # A suffix or infix is not the start of a word: keep normalize() from reading a leading
    # Cyrillic "е" as word-initial "ye" by giving it a silent letter to follow.
    if inner and _CYRILLIC.search(core):
        return normalize("ь" + core)
    return normalize(core)


def compile_pattern(text: str) -> tuple[WordPat, ...]:
    """The words of one pattern; raises PatternError for an empty or malformed pattern."""
    pieces = str(text).split()
    if not pieces:
        raise PatternError("empty pattern")
    words: list[WordPat] = []
    for piece in pieces:
        if piece == "*":
            words.append(WordPat("any"))
            continue
        if piece == "...":
            words.append(WordPat("gap"))
            continue
        if piece == "#":
            words.append(WordPat("number"))
            continue
        lead, trail = piece.startswith("*"), piece.endswith("*") and len(piece) > 1
        if "*" in piece.strip("*"):
            raise PatternError(f"'{piece}': '*' goes at the start or the end of a word")
        core = _norm_core(piece.strip("*"), inner=lead)
        if not core:
            raise PatternError(f"'{piece}' has no letters or digits left after normalisation")
        parts = core.split()
        if lead and trail:
            if len(parts) > 1:
                raise PatternError(f"'{piece}': a *contains* pattern must be one word")
            words.append(WordPat("infix", core))
            continue
        for i, part in enumerate(parts):
            if lead and i == 0:
                words.append(WordPat("suffix", part))
            elif trail and i == len(parts) - 1:
                words.append(WordPat("prefix", part))
            else:
                words.append(WordPat("exact", part))
    if words[0].kind in ("any", "gap") or words[-1].kind in ("any", "gap"):
        raise PatternError(f"'{text}': '*' and '...' stand for words between two others")
    return tuple(words)


@dataclass(frozen=True)
class Occurrence:
    term: Term
    start: int
    end: int  # exclusive
    negated: bool


@dataclass
class TermIndex:
    """All terms of all rule files, indexed by their first word."""

    exact: dict[str, list[Term]] = field(default_factory=dict)
    prefix: dict[str, list[Term]] = field(default_factory=dict)
    suffix: dict[str, list[Term]] = field(default_factory=dict)
    infix: list[Term] = field(default_factory=list)
    number: list[Term] = field(default_factory=list)
    _plens: list[int] = field(default_factory=list)  # prefix lengths in use, ascending
    _slens: list[int] = field(default_factory=list)
    _neg_prefixes: set[str] = field(default_factory=set)

    def add(self, term: Term) -> None:
        if term.negation is not None:
            self._neg_prefixes.update(term.negation.prefixes)
        first = term.words[0]
        if first.kind == "exact":
            self.exact.setdefault(first.core, []).append(term)
        elif first.kind == "prefix":
            self.prefix.setdefault(first.core, []).append(term)
            self._plens = sorted({*self._plens, len(first.core)})
        elif first.kind == "suffix":
            self.suffix.setdefault(first.core, []).append(term)
            self._slens = sorted({*self._slens, len(first.core)})
        elif first.kind == "infix":
            self.infix.append(term)
        else:
            self.number.append(term)

    def _candidates(self, tok: str) -> Iterable[Term]:
        yield from self.exact.get(tok, ())
        for n in self._plens:
            if n > len(tok):
                break
            yield from self.prefix.get(tok[:n], ())
        for n in self._slens:
            if n >= len(tok):
                break
            yield from self.suffix.get(tok[-n:], ())
        for term in self.infix:
            if term.words[0].core in tok:
                yield term
        if tok.isdigit():
            yield from self.number

    def find(self, toks: Sequence[str], clauses: Sequence[int] | None = None) -> list[Occurrence]:
        """Every occurrence of every term in `toks`, with its negation worked out. With
        `clauses` (the clause of each token), a negation word in another clause does not
        count: "нет, паспорт у меня" is not a negated "паспорт у меня"."""
        out: list[Occurrence] = []
        for i, tok in enumerate(toks):
            tok = tok[:MAX_TOKEN]
            for term in self._candidates(tok):
                self._add(out, term, toks, i, False, clauses)
            for p in self._neg_prefixes:
                if tok.startswith(p) and len(tok) > len(p) + 2:
                    for term in self._candidates(tok[len(p):]):
                        if term.negation is not None and p in term.negation.prefixes:
                            self._add(out, term, toks, i, True, clauses)
        return out

    @staticmethod
    def _add(out: list[Occurrence], term: Term, toks: Sequence[str], i: int, neg: bool,
             clauses: Sequence[int] | None) -> None:
        prefixes = term.negation.prefixes if term.negation is not None else ()
        found = _match_rest(term.words, 1, toks, i + 1, [i], prefixes)
        if found is not None:
            pos, neg_rest = found
            out.append(Occurrence(term, i, pos[-1] + 1,
                                  neg or neg_rest or _negated(term, toks, pos, clauses)))


def _match_rest(words: Sequence[WordPat], k: int, toks: Sequence[str], at: int, pos: list[int],
                prefixes: Sequence[str] = (), neg: bool = False) -> tuple[list[int], bool] | None:
    """Token positions of words[k:] matched from `at` (the shortest match), and whether a
    word matched only after dropping a negative prefix; None when they do not match."""
    if k == len(words):
        return pos, neg
    word = words[k]
    if word.kind == "gap":
        for skip in range(GAP_MAX + 1):
            found = _match_rest(words, k + 1, toks, at + skip, pos, prefixes, neg)
            if found is not None:
                return found
        return None
    if at >= len(toks):
        return None
    tok = toks[at]
    if not word.matches(tok):
        stripped = next((tok[len(p):] for p in prefixes if tok.startswith(p)), None)
        if stripped is None or not word.matches(stripped):
            return None
        neg = True
    return _match_rest(words, k + 1, toks, at + 1, [*pos, at], prefixes, neg)


def _negated(term: Term, toks: Sequence[str], pos: Sequence[int],
             clauses: Sequence[int] | None = None) -> bool:
    """`pos`: the token position of each word of the term that is not a gap."""
    start, end = pos[0], pos[-1] + 1
    neg = term.negation
    if neg is None:
        return False
    if not term.starts_negated:
        for at in range(max(0, start - neg.window), start):
            if clauses is not None and clauses[at] != clauses[start]:
                continue
            if any(p.matches(toks[at]) for p in neg.before):
                return True
    for at in range(end, min(len(toks), end + neg.window)):
        if clauses is not None and clauses[at] != clauses[end - 1]:
            continue
        if any(p.matches(toks[at]) for p in neg.after):
            return True
    if neg.forms:
        words = [w for w in term.words if w.kind != "gap"]
        for word, at in zip(words, pos, strict=True):
            if word.kind == "prefix" and _negative_ending(toks[at], len(word.core), neg.forms):
                return True
    return False


def _negative_ending(tok: str, core_len: int, forms: Sequence[WordPat]) -> bool:
    """A negative ending after the part of the word the editor wrote: "olib qo'y*" does not
    match "qo'ymadi", while "berma*" (itself negative: "won't give back") still matches
    "bermayapti"."""
    rest = tok[core_len:]
    for form in forms:
        if form.kind == "infix" and form.core in rest:
            return True
        if form.kind == "suffix" and rest.endswith(form.core):
            return True
    return False
