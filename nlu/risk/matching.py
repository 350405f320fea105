"""Applying compiled rules to a token list: rule hits, question frames and report markers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from nlu.risk.patterns import Occurrence, Term, TermIndex
from nlu.risk.rules import Rule, RuleSet

# A long message repeating the same words must not make a rule's hit list grow without end.
MAX_HITS_PER_RULE = 8
MAX_TEXT = 120

OccurrenceFinder = Callable[[Iterable["Term"]], list["Occurrence"]]


@dataclass(frozen=True)
class TermSets:
    """The question frames, report markers and third-party markers of every language: they
    describe the message, whatever language its words come from."""

    questions: tuple[Term, ...]
    conditions: tuple[Term, ...]
    reports: tuple[Term, ...]
    third_party: tuple[Term, ...]

    @classmethod
    def build(cls, rulesets: Iterable[RuleSet]) -> TermSets:
        sets = list(rulesets)
        return cls(tuple(t for rs in sets for t in rs.questions),
                   tuple(t for rs in sets for t in rs.conditions),
                   tuple(t for rs in sets for t in rs.reports),
                   tuple(t for rs in sets for t in rs.third_party))

    def all_terms(self, rules: Iterable[Rule]) -> list[Term]:
        seen: dict[int, Term] = {}
        for rule in rules:
            for group in rule.groups:
                seen.update((t.id, t) for t in group)
            seen.update((t.id, t) for t in rule.unless)
        for term in (*self.questions, *self.conditions, *self.reports, *self.third_party):
            seen[term.id] = term
        return list(seen.values())


@dataclass(frozen=True)
class Tokens:
    """A message (after up to a few words of the earlier messages) as normalised words, with
    the sentence and the clause (comma-separated part) each word belongs to."""

    words: Sequence[str]
    sentences: Sequence[int]
    clauses: Sequence[int]
    start: int  # index of the message's first word; earlier words are context


@dataclass(frozen=True)
class Hit:
    rule: Rule
    start: int
    end: int
    sentences: frozenset[int]
    first_clause: int
    last_clause: int
    text: str  # the matched words, normalised


@dataclass(frozen=True)
class Frame:
    start: int
    end: int
    sentence: int
    clause: int
    closes_clause: bool  # nothing follows it in its clause ("... olib qo'yishi qonuniymi")
    conditional: bool  # "если", "агар": covers its own clause only


@dataclass(frozen=True)
class Scan:
    hits: tuple[Hit, ...]
    frames: tuple[Frame, ...]  # every question frame
    report_sentences: frozenset[int]
    third_party_sentences: frozenset[int]
    message_sentences: frozenset[int]

    @property
    def has_question(self) -> bool:
        return any(f.sentence in self.message_sentences for f in self.frames)

    def is_general(self, hit: Hit) -> bool:
        """The hit is part of a general question: no report marker in its sentence, and a
        frame that covers it (see `covers`)."""
        if hit.sentences & self.report_sentences:
            return False
        return any(covers(f, hit) for f in self.frames)

    def message_is_general(self) -> bool:
        return self.has_question and not self.message_sentences & self.report_sentences

    def third_party_in(self, hits: Iterable[Hit]) -> bool:
        return any(h.sentences & self.third_party_sentences for h in hits)


def covers(frame: Frame, hit: Hit) -> bool:
    """A frame covers what follows it in its sentence ("законно ли держать паспорт", "что
    делать, если забрали паспорт"), words it shares with the hit (Uzbek "olib qo'ysa"), and
    the words before it when it ends the clause (Uzbek "...olib qo'yishi qonuniymi", Tajik
    "...нигоҳ дошта метавонад?"). A frame later in the sentence does not turn a report into
    a question: "хозяин грозит депортацией, если пожалуюсь". A condition ("если", "агар")
    covers its own clause only: "если уйдёшь, сдам в полицию" is a threat."""
    if frame.sentence not in hit.sentences:
        return False
    if frame.conditional and not hit.first_clause <= frame.clause <= hit.last_clause:
        return False
    if frame.start <= hit.start or (frame.start < hit.end and frame.end > hit.start):
        return True
    return frame.closes_clause and frame.clause == hit.last_clause


def scan(index: TermIndex, rules: Sequence[Rule], terms: TermSets, t: Tokens) -> Scan:
    by_term: dict[int, list[Occurrence]] = {}
    sents = t.sentences
    for occ in index.find(t.words):
        by_term.setdefault(occ.term.id, []).append(occ)

    def occurrences(group: Iterable[Term]) -> list[Occurrence]:
        return [o for t in group for o in by_term.get(t.id, ())]

    conditional = {t.id for t in terms.conditions}
    frames = occurrences((*terms.questions, *terms.conditions))
    # Words that belong to a frame ("как мне защитить себя") do not also mark a report.
    in_frame = {i for o in frames for i in range(o.start, o.end)}
    reports = [o for o in occurrences((*terms.reports, *terms.third_party))
               if not all(i in in_frame for i in range(o.start, o.end))]
    third = [o for o in occurrences(terms.third_party) if o in reports]
    hits: list[Hit] = []
    for rule in rules:
        hits += _rule_hits(rule, occurrences, t)
    clause_end = {c: i + 1 for i, c in enumerate(t.clauses)}
    return Scan(tuple(hits),
                tuple(Frame(o.start, o.end, sents[o.start], t.clauses[o.start],
                            clause_end[t.clauses[o.start]] == o.end, o.term.id in conditional)
                      for o in frames),
                _sentences(reports, sents), _sentences(third, sents),
                frozenset(sents[t.start:]))


def _sentences(occs: Iterable[Occurrence], sents: Sequence[int]) -> frozenset[int]:
    return frozenset(sents[o.start] for o in occs)


def _rule_hits(rule: Rule, occurrences: OccurrenceFinder, t: Tokens) -> list[Hit]:
    groups: list[list[tuple[int, int, int]]] = []
    for g, group in enumerate(rule.groups):
        found = [(o.start, o.end, g) for o in occurrences(group) if not o.negated]
        if not found:
            return []
        groups.append(found)
    spans = [(s, e) for s, e, _ in groups[0]] if len(groups) == 1 else _windows(groups, rule.within)
    sents = t.sentences
    unless = {sents[o.start] for o in occurrences(rule.unless)} if rule.unless else set()
    hits: list[Hit] = []
    for s, e in sorted(set(spans)):
        if e <= t.start:  # entirely in earlier messages: judged when they were sent
            continue
        covered = frozenset(sents[s:e])
        if covered & unless:
            continue
        hits.append(Hit(rule, s, e, covered, t.clauses[s], t.clauses[e - 1],
                        " ".join(t.words[s:e])[:MAX_TEXT]))
        if len(hits) >= MAX_HITS_PER_RULE:
            break
    return hits


def _windows(groups: list[list[tuple[int, int, int]]], within: int) -> list[tuple[int, int]]:
    """Spans where one occurrence of every group starts within `within` words of the others
    (a sliding window over the occurrences sorted by position)."""
    items = sorted(o for group in groups for o in group)
    need = len(groups)
    counts = [0] * need
    have = left = 0
    out: list[tuple[int, int]] = []
    for right, (s, _e, g) in enumerate(items):
        counts[g] += 1
        have += counts[g] == 1
        while s - items[left][0] > within:
            gl = items[left][2]
            counts[gl] -= 1
            have -= counts[gl] == 0
            left += 1
        if have == need:
            out.append((items[left][0], max(e for _s, e, _g in items[left:right + 1])))
    return out
