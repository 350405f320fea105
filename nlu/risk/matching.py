"""Applying compiled rules to a token list: rule hits, question frames and report markers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from nlu.risk.model import Indicator
from nlu.risk.patterns import Occurrence, Term, TermIndex
from nlu.risk.rules import Rule, RuleSet

# A long message repeating the same words must not make a rule's hit list grow without end.
MAX_HITS_PER_RULE = 8
MAX_TEXT = 120

Role = Literal["question", "question_end", "condition", "report", "third_party", "reassurance"]


@dataclass(frozen=True)
class Plan:
    """All rules of every language, and for each term where it is used, so a message's words
    lead straight to the rules they can complete. The question frames and report markers of
    every language describe the message whatever language its words come from."""

    rules: tuple[Rule, ...]
    terms: tuple[Term, ...]  # every distinct term, for the index
    groups_of: Mapping[int, tuple[tuple[int, int], ...]]  # term id -> (rule, part) pairs
    unless_of: Mapping[int, tuple[int, ...]]  # term id -> rules it cancels
    roles: Mapping[int, frozenset[Role]]
    near_of: Mapping[int, tuple[int, ...]] = field(default_factory=dict)  # ... cancels nearby

    @classmethod
    def build(cls, rulesets: Iterable[RuleSet]) -> Plan:
        sets = list(rulesets)
        rules = tuple(r for rs in sets for r in rs.rules)
        terms: dict[int, Term] = {}
        groups_of: dict[int, list[tuple[int, int]]] = {}
        unless_of: dict[int, list[int]] = {}
        near_of: dict[int, list[int]] = {}
        roles: dict[int, set[Role]] = {}
        for r, rule in enumerate(rules):
            for g, group in enumerate(rule.groups):
                for term in group:
                    terms[term.id] = term
                    if (r, g) not in groups_of.setdefault(term.id, []):
                        groups_of[term.id].append((r, g))
            for term in rule.unless:
                terms[term.id] = term
                unless_of.setdefault(term.id, []).append(r)
            for term in rule.unless_near:
                terms[term.id] = term
                near_of.setdefault(term.id, []).append(r)
        for rs in sets:
            for role, items in (("question", rs.questions), ("question_end", rs.question_ends),
                                ("condition", rs.conditions),
                                ("report", rs.reports), ("third_party", rs.third_party),
                                ("reassurance", rs.reassurance)):
                for term in items:
                    terms[term.id] = term
                    roles.setdefault(term.id, set()).add(role)  # type: ignore[arg-type]
        return cls(rules, tuple(terms.values()),
                   {k: tuple(v) for k, v in groups_of.items()},
                   {k: tuple(v) for k, v in unless_of.items()},
                   {k: frozenset(v) for k, v in roles.items()},
                   {k: tuple(v) for k, v in near_of.items()})


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
    ending: bool = False  # "... nima?": only at the end of a clause, covers that clause


@dataclass(frozen=True)
class Scan:
    hits: tuple[Hit, ...]
    frames: tuple[Frame, ...]  # every question frame
    report_sentences: frozenset[int]
    third_party_sentences: frozenset[int]
    message_sentences: frozenset[int]
    negated_indicators: frozenset[Indicator] = frozenset()  # rule words there, but cancelled
    reassured: bool = False  # "паспорт у меня, всё хорошо"

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
    if frame.ending:
        return frame.closes_clause and frame.clause == hit.last_clause
    if frame.start <= hit.start or (frame.start < hit.end and frame.end > hit.start):
        return True
    return frame.closes_clause and frame.clause == hit.last_clause


def scan(index: TermIndex, plan: Plan, t: Tokens) -> Scan:
    sents = t.sentences
    parts: dict[int, list[list[Occurrence]]] = {}  # rule -> occurrences of each of its parts
    unless: dict[int, set[int]] = {}  # rule -> sentences where its `unless` occurs
    near: dict[int, list[Occurrence]] = {}  # rule -> occurrences of its `unless_near`
    by_role: dict[Role, list[Occurrence]] = {}
    for occ in index.find(t.words, t.clauses):
        tid = occ.term.id
        for r, g in plan.groups_of.get(tid, ()):
            parts.setdefault(r, [[] for _ in plan.rules[r].groups])[g].append(occ)
        for r in plan.unless_of.get(tid, ()):
            unless.setdefault(r, set()).add(sents[occ.start])
        for r in plan.near_of.get(tid, ()):
            near.setdefault(r, []).append(occ)
        for role in plan.roles.get(tid, ()):
            by_role.setdefault(role, []).append(occ)

    clause_end = {c: i + 1 for i, c in enumerate(t.clauses)}
    endings = [o for o in by_role.get("question_end", ()) if clause_end[t.clauses[o.start]] == o.end]
    frames = [*by_role.get("question", ()), *by_role.get("condition", ()), *endings]
    conditional = {id(o) for o in by_role.get("condition", ())}
    ending = {id(o) for o in endings}
    # Words that belong to a frame ("как мне защитить себя") do not also mark a report.
    in_frame = {i for o in frames for i in range(o.start, o.end)}

    def outside_frames(occs: Iterable[Occurrence]) -> list[Occurrence]:
        return [o for o in occs if not all(i in in_frame for i in range(o.start, o.end))]

    third = outside_frames(by_role.get("third_party", ()))
    reports = outside_frames(by_role.get("report", ())) + third
    hits: list[Hit] = []
    cancelled: set[Indicator] = set()
    for r in sorted(parts):
        rule, occs = plan.rules[r], parts[r]
        if not all(occs):
            continue
        found = _rule_hits(rule, occs, unless.get(r, set()), t, near.get(r, ()))
        hits += found
        # The words of a rule are there but negated ("паспорт не забирали") or explained by
        # its `unless` ("не выпускают из России из-за штрафа", "паспорт забрали в
        # консульстве"): the classifier, which sees neither, must not escalate this
        # indicator either.
        if not found and _rule_hits(rule, occs, set(), t, cancelled_too=True):
            cancelled.add(rule.indicator)
    return Scan(tuple(hits),
                tuple(Frame(o.start, o.end, sents[o.start], t.clauses[o.start],
                            clause_end[t.clauses[o.start]] == o.end, id(o) in conditional,
                            id(o) in ending)
                      for o in frames),
                _sentences(reports, sents), _sentences(third, sents),
                frozenset(sents[t.start:]), frozenset(cancelled),
                any(not o.negated for o in by_role.get("reassurance", ())))


def _sentences(occs: Iterable[Occurrence], sents: Sequence[int]) -> frozenset[int]:
    return frozenset(sents[o.start] for o in occs)


def _rule_hits(rule: Rule, parts: list[list[Occurrence]], unless: set[int], t: Tokens,
               near: Sequence[Occurrence] = (), *, cancelled_too: bool = False) -> list[Hit]:
    """The rule's matches; with `cancelled_too`, also those a negation cancels."""
    groups: list[list[tuple[int, int, int]]] = []
    for g, occs in enumerate(parts):
        found = [(o.start, o.end, g) for o in occs if cancelled_too or not o.negated]
        if not found:
            return []
        groups.append(found)
    spans = [(s, e) for s, e, _ in groups[0]] if len(groups) == 1 else _windows(groups, rule.within)
    sents = t.sentences
    hits: list[Hit] = []
    for s, e in sorted(set(spans)):
        if e <= t.start:  # entirely in earlier messages: judged when they were sent
            continue
        covered = frozenset(sents[s:e])
        if covered & unless or any(_next_to(o, s, e, rule.near, t) for o in near):
            continue
        hits.append(Hit(rule, s, e, covered, t.clauses[s], t.clauses[e - 1],
                        " ".join(t.words[s:e])[:MAX_TEXT]))
        if len(hits) >= MAX_HITS_PER_RULE:
            break
    return hits


def _next_to(occ: Occurrence, start: int, end: int, near: int, t: Tokens) -> bool:
    """`occ` lies inside the span start..end or at most `near` words outside it, within the
    clauses the span covers ("паспорт забрали в консульстве", not "..., идти в консульство")."""
    if occ.start < start - near or occ.end > end + near:
        return False
    return t.clauses[start] <= t.clauses[occ.start] <= t.clauses[end - 1]


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
