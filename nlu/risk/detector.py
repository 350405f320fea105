"""The risk detector: editors' rules of all three languages plus the classifier's risk intents.

Every message is read against the rules of tg, ru and uz at once: the normalised forms meet, so
a misdetected language or a mixed message costs nothing. A match counts towards the level
unless it sits in a general question ("законно ли держать паспорт?") with nothing in the same
sentence that marks a report (me, yesterday, my brother, a past-tense "забрали").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nlu.languages import Lang
from nlu.normalize import normalize
from nlu.problems import Problem
from nlu.risk.matching import Hit, Plan, Scan, Tokens, scan
from nlu.risk.model import Evidence, Indicator, RiskAssessment, RiskContext, RiskLevel
from nlu.risk.patterns import TermIndex
from nlu.risk.rules import Rule, RuleSet, load_all
from nlu.risk.situation_model import SituationModel
from nlu.risk.situations import TOPIC_INDICATORS

# Telegram messages are at most 4096 characters; anything longer is cut before scanning so
# the cost stays bounded on any input.
MAX_CHARS = 8192
MAX_TOKENS = 2000
# How many earlier messages, and how many of their last words, are read with the new one.
CONTEXT_MESSAGES = 3
CONTEXT_TOKENS = 24
CONTEXT_CHARS = 600  # only the end of an earlier message can reach the new one
_SENTENCE_END = re.compile(r"[.!?;\n\r…。؟]+")
_CLAUSE_END = re.compile(r"[,:()\[\]«»\"—–]+|\s-+\s")

# The situation model alone raises an alarm only on a message of at least this many words.
MIN_MODEL_WORDS = 3
# Indicators whose rules the situation model never doubts: a hint of suicide is always asked
# about by a person.
NEVER_DOUBTED = frozenset({Indicator.SELF_HARM})
# Indicators that alone are the everyday labour dispute (RISK_RULES.md): the model alone makes
# them `elevated` (the check question), never `high`.
ELEVATED_ALONE = frozenset({Indicator.WITHHOLDING_OF_WAGES, Indicator.EXCESSIVE_OVERTIME})

# Classifier intents that are risk signals, and the indicator each one stands for ("forced to
# work" is work exacted under the menace of a penalty, ILO C29: threats).
CLASSIFIER_INDICATORS: Mapping[str, Indicator] = TOPIC_INDICATORS


@dataclass(frozen=True)
class Thresholds:
    classifier_high: float = 0.60  # top-1 risk intent at or above this: high
    classifier_elevated: float = 0.40  # ... at or above this: elevated
    # This many different indicators together make `high` even when each alone is only
    # elevated (unpaid wages + 16-hour days + "they lied about the job"). Two are not enough:
    # late pay plus long hours is the everyday labour dispute, not a case for the hotline.
    combine_to_high: int = 3


class RiskDetector:
    def __init__(self, rulesets: Sequence[RuleSet], *, problems: Sequence[Problem] = (),
                 thresholds: Thresholds | None = None, situations: SituationModel | None = None) -> None:
        self.rulesets = tuple(rulesets)
        # The classifier of situations (None: rules and topic intents only, as in rule tests).
        self.situations = situations
        self.problems = tuple(problems)
        self.thresholds = thresholds or Thresholds()
        self.plan = Plan.build(self.rulesets)
        self.rules: tuple[Rule, ...] = self.plan.rules
        self.certain = frozenset(r.id for r in self.rules if r.certain)
        self.index = TermIndex()
        for term in self.plan.terms:
            self.index.add(term)
        self.max_within = max((r.within for r in self.rules), default=1)

    @classmethod
    def load(cls, content_dir: Path, *, thresholds: Thresholds | None = None,
             situations: SituationModel | None = None) -> RiskDetector:
        """Rules of every language; rules with problems are left out (see `.problems`)."""
        rulesets, problems = load_all(content_dir)
        return cls(rulesets, problems=problems, thresholds=thresholds, situations=situations)

    # -- reading a message ----------------------------------------------------------------------

    def tokens(self, text: str, context: RiskContext | None) -> Tokens:
        """The last words of the earlier messages, then the message, split into sentences
        and clauses before normalisation (which turns punctuation into spaces)."""
        out = _TokenBuilder()
        if context is not None:
            for msg in context.previous[-CONTEXT_MESSAGES:]:
                out.add_text(msg[-CONTEXT_CHARS:], MAX_TOKENS)
            out.keep_last(min(CONTEXT_TOKENS, self.max_within))
        start = len(out.words)
        out.add_text(text[:MAX_CHARS], start + MAX_TOKENS)
        return Tokens(out.words, out.sentences, out.clauses, start)

    def scan(self, text: str, context: RiskContext | None = None) -> Scan:
        """Every rule hit, question frame and report marker in the message (for diagnostics)."""
        return scan(self.index, self.plan, self.tokens(text, context))

    def assess(self, text: str, lang: Lang, *, ranking: Sequence[tuple[str, float]] = (),
               context: RiskContext | Mapping[str, Any] | None = None) -> RiskAssessment:
        """The risk of one message. `lang` is informative only: rules of every language run."""
        del lang  # every language's rules run; the evidence names the file that matched
        ctx = _without_current(RiskContext.coerce(context), text)
        found = self.scan(text, ctx)
        # A person who already reported danger is not asking in general any more.
        in_danger = ctx is not None and ctx.max_level >= RiskLevel.HIGH
        evidence: list[Evidence] = []
        seen: dict[str, int] = {}
        for hit in found.hits:
            counted = in_danger or hit.rule.ignore_questions or not found.is_general(hit)
            ev = _evidence(hit, counted)
            if hit.rule.id not in seen:
                seen[hit.rule.id] = len(evidence)
                evidence.append(ev)
            elif counted and not evidence[seen[hit.rule.id]].counted:
                evidence[seen[hit.rule.id]] = ev
        # The classifier does not see questions, negation or "all is well": the rules do.
        quiet = not in_danger and (found.message_is_general() or found.reassured)
        situation, probability = self._situation(text)
        # The topic classifier learned words ("паспорт", "долг"); where the situation model is
        # there, its danger intents count only when the situation model also sees danger, and
        # never above the situation model's own level.
        quiet = quiet or (self.situations is not None and not situation)
        voted = self._classifier(ranking, quiet=quiet, negated=found.negated_indicators)
        if situation:
            cap = max(ev.level for ev in situation)
            voted = [replace(ev, level=min(ev.level, cap)) for ev in voted]
        evidence += voted
        if probability is not None and not in_danger:
            evidence = [self._doubt(ev, probability) for ev in evidence]
        evidence += situation
        return self._combine(evidence, is_question=found.has_question or "?" in text[:MAX_CHARS],
                             third_party=found.third_party_in(found.hits))

    def _classifier(self, ranking: Sequence[tuple[str, float]], *, quiet: bool,
                    negated: frozenset[Indicator]) -> list[Evidence]:
        if not ranking:
            return []
        intent, conf = ranking[0]
        indicator = CLASSIFIER_INDICATORS.get(intent)
        th = self.thresholds
        if indicator is None or not conf >= th.classifier_elevated:
            return []
        level = RiskLevel.HIGH if conf >= th.classifier_high else RiskLevel.ELEVATED
        counted = not quiet and indicator not in negated
        return [Evidence(indicator, "classifier", intent, f"{intent} {conf:.2f}", level, counted)]

    def _situation(self, text: str) -> tuple[list[Evidence], float | None]:
        """The situation model's evidence and P(danger) (None without a model)."""
        if self.situations is None:
            return [], None
        score = self.situations.score(text[:MAX_CHARS])
        if score.level == RiskLevel.NONE:
            return [], score.probability
        level, note = score.level, ""
        if level == RiskLevel.HIGH and len(normalize(text[:200]).split()) < MIN_MODEL_WORDS:
            # Two words ("ishonch telefoni") are too little for the model alone to raise an
            # alarm: it asks instead. A rule can still make them high ("меня бьют").
            level, note = RiskLevel.ELEVATED, "too short for the model alone: asked, not escalated"
        elif level == RiskLevel.HIGH and {score.indicator, *score.also} <= ELEVATED_ALONE:
            # As in the editors' rules: unpaid wages or long hours alone are the everyday
            # dispute; the person is asked whether there is more (and a rule can say there is).
            level, note = RiskLevel.ELEVATED, "unpaid wages or long hours alone: asked, not escalated"
        matched = ", ".join(score.words) or text[:60]
        evidence = [Evidence(indicator, "model", f"model:{indicator}", matched, level, True,
                             round(score.probability, 3), note)
                    for indicator in (score.indicator, *score.also)]
        return evidence, score.probability

    def _doubt(self, ev: Evidence, probability: float) -> Evidence:
        """A rule match in a message the model reads as a clear look-alike ("хозяин меня
        прибьёт за краску, шучу") is asked about instead of escalated, and says so. Rules on
        self-harm and rules marked `certain` are never doubted: the editors keep the last word."""
        assert self.situations is not None
        if (ev.source != "rule" or not ev.counted or ev.level != RiskLevel.HIGH
                or ev.indicator in NEVER_DOUBTED or ev.rule_id in self.certain
                or probability >= self.situations.thresholds.doubt):
            return ev
        note = f"the situation model reads a look-alike (P(danger) {probability:.2f}): asked, not escalated"
        return replace(ev, level=RiskLevel.ELEVATED, probability=round(probability, 3), note=note)

    def _combine(self, evidence: list[Evidence], *, is_question: bool,
                 third_party: bool) -> RiskAssessment:
        levels: dict[Indicator, RiskLevel] = {}
        for ev in evidence:
            if ev.counted:
                levels[ev.indicator] = max(levels.get(ev.indicator, RiskLevel.NONE), ev.level)
        level = max(levels.values(), default=RiskLevel.NONE)
        if len(levels) >= self.thresholds.combine_to_high:
            level = RiskLevel.HIGH
        order = sorted(levels, key=lambda i: (-levels[i].rank, list(Indicator).index(i)))
        return RiskAssessment(level, tuple(order), tuple(evidence), is_question,
                              third_party and level > RiskLevel.NONE)


def _without_current(ctx: RiskContext | None, text: str) -> RiskContext | None:
    """The engine stores the incoming message before it is understood, so the history it
    passes may end with the message itself: read it once, not twice."""
    if ctx is None or not ctx.previous:
        return ctx
    if normalize(ctx.previous[-1][:MAX_CHARS]) == normalize(text[:MAX_CHARS]):
        return RiskContext(previous=ctx.previous[:-1], levels=ctx.levels)
    return ctx


class _TokenBuilder:
    def __init__(self) -> None:
        self.words: list[str] = []
        self.sentences: list[int] = []
        self.clauses: list[int] = []
        self._sentence = self._clause = 0

    def add_text(self, text: str, limit: int) -> None:
        for sentence in _SENTENCE_END.split(text):
            for clause in _CLAUSE_END.split(sentence):
                if clause.isspace() or not clause:
                    continue
                room = limit - len(self.words)
                if room <= 0:
                    return
                words = normalize(clause).split()[:room]
                self.words += words
                self.sentences += [self._sentence] * len(words)
                self.clauses += [self._clause] * len(words)
                self._clause += 1
            self._sentence += 1

    def keep_last(self, n: int) -> None:
        cut = max(0, len(self.words) - n)
        del self.words[:cut], self.sentences[:cut], self.clauses[:cut]


def _evidence(hit: Hit, counted: bool) -> Evidence:
    return Evidence(hit.rule.indicator, "rule", hit.rule.id, hit.text, hit.rule.level, counted)
