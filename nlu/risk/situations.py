"""The situation corpus: danger in people's own words, and look-alikes that are not danger.

`nlu/situations/<lang>/*.yml` is Rasa 3.x NLU YAML, the format of the topic training data.
Intents are labels of the danger model, not topics:

- `danger_<indicator>`: a message a hotline must act on, one intent per ILO indicator (plus
  self-harm and sexual exploitation): `danger_debt_bondage`, `danger_self_harm`, ...
- `safe_<kind>`: a look-alike that shares the words of danger but is not danger:
  `safe_procedure`, `safe_idiom`, `safe_joke`, `safe_concept`, `safe_past`,
  `safe_labour_dispute`, `safe_everyday`, `safe_emotion`, `safe_job_ad` (job ads and recruiters'
  posts people forward: a trap to check, not a danger the person is in).

The topic classifier's own danger intents (`risk_*`, `rights_passport_taken`) and its everyday
topics are added as danger and safe examples by `situation_examples`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from nlu.languages import LANGS, Lang
from nlu.normalize import normalize
from nlu.problems import Problem
from nlu.risk.model import Indicator
from nlu.training_data import Example, load_training_data

DANGER_PREFIX: Final = "danger_"
SAFE_PREFIX: Final = "safe_"
SAFE_KINDS: Final = ("procedure", "idiom", "joke", "concept", "past", "labour_dispute", "everyday",
                     "emotion", "job_ad")
# Each language needs this many examples of each danger indicator for the model to learn it.
MIN_PER_INDICATOR: Final = 20
# The topic classifier's danger intents, and the indicator each stands for.
TOPIC_INDICATORS: Final[dict[str, Indicator]] = {
    "risk_confinement": Indicator.RESTRICTION_OF_MOVEMENT,
    "risk_violence": Indicator.PHYSICAL_SEXUAL_VIOLENCE,
    "risk_sexual_exploitation": Indicator.SEXUAL_EXPLOITATION,
    "risk_forced_labour": Indicator.INTIMIDATION_THREATS,
    "risk_self_harm": Indicator.SELF_HARM,
    "rights_passport_taken": Indicator.RETENTION_OF_DOCUMENTS,
}
# Topics whose examples mix reports that are danger with ones that are not ("not paid for a
# month", "12 hours a day"): they teach the danger model nothing either way.
TOPICS_LEFT_OUT: Final = frozenset({"rights_unpaid_wages", "rights_working_hours", "jobs_debt",
                                    "help_human", "help_hotline", "rights_police", "out_of_scope"})
SAFE: Final = "safe"


@dataclass(frozen=True)
class Situation:
    """One labelled message: `label` is an indicator id for danger, "safe" otherwise."""

    text: str
    label: str
    lang: Lang
    source: str  # "situations" or "topics"
    kind: str  # the intent it came from

    @property
    def danger(self) -> bool:
        return self.label != SAFE


def label_of(intent: str) -> str | None:
    """The model label of a corpus intent, or None when the intent is not one of ours."""
    if intent.startswith(DANGER_PREFIX):
        name = intent.removeprefix(DANGER_PREFIX)
        return name if name in Indicator.__members__.values() else None
    if intent.startswith(SAFE_PREFIX) and intent.removeprefix(SAFE_PREFIX) in SAFE_KINDS:
        return SAFE
    return None


def _corpus(examples: Sequence[Example]) -> list[Situation]:
    out = []
    for e in examples:
        label = label_of(e.intent)
        if label is not None:
            out.append(Situation(e.text, label, e.lang, "situations", e.intent))
    return out


def _from_topics(examples: Sequence[Example]) -> list[Situation]:
    out = []
    for e in examples:
        if e.intent in TOPICS_LEFT_OUT:
            continue
        indicator = TOPIC_INDICATORS.get(e.intent)
        label = str(indicator) if indicator is not None else SAFE
        out.append(Situation(e.text, label, e.lang, "topics", e.intent))
    return out


def situation_examples(situations_dir: Path, topics_dir: Path | None = None) -> list[Situation]:
    """The danger model's training set: the corpus, plus the topic data when given. A text that
    appears under both danger and safe is dropped (it can teach only confusion)."""
    items = _corpus(load_training_data(situations_dir).examples)
    if topics_dir is not None:
        items += _from_topics(load_training_data(topics_dir).examples)
    labels: dict[str, set[bool]] = {}
    for s in items:
        labels.setdefault(normalize(s.text), set()).add(s.danger)
    seen: set[tuple[str, str]] = set()
    out = []
    for s in items:
        key = (normalize(s.text), s.label)
        if len(labels[key[0]]) == 1 and key not in seen:
            seen.add(key)
            out.append(s)
    return out


def check_situations(situations_dir: Path) -> list[Problem]:
    """Everything an editor must fix in the corpus: file:line, sorted."""
    data = load_training_data(situations_dir)
    problems = list(data.problems)
    counts: dict[tuple[Lang, str], int] = {}
    first: dict[tuple[Lang, str], Example] = {}
    seen: dict[str, Example] = {}
    for e in data.examples:
        label = label_of(e.intent)
        if label is None:
            want = ", ".join(f"{DANGER_PREFIX}{i}" for i in Indicator) + ", " + \
                ", ".join(f"{SAFE_PREFIX}{k}" for k in SAFE_KINDS)
            problems.append(Problem(e.path, e.intent_line, f"unknown intent {e.intent!r}: use one of {want}"))
            continue
        counts[(e.lang, label)] = counts.get((e.lang, label), 0) + 1
        first.setdefault((e.lang, label), e)
        key = normalize(e.text)
        earlier = seen.setdefault(key, e)
        if earlier is not e and (label_of(earlier.intent) == SAFE) != (label == SAFE):
            problems.append(Problem(e.path, e.line, f"example {e.text!r} is danger and safe at once: "
                                    f"also under {earlier.intent} at {earlier.path}:{earlier.line}"))
    for lang in LANGS:
        folder = situations_dir / lang
        for indicator in Indicator:
            n = counts.get((lang, str(indicator)), 0)
            if n < MIN_PER_INDICATOR:
                where = first.get((lang, str(indicator)))
                path, line = (where.path, where.intent_line) if where else (folder, 0)
                problems.append(Problem(path, line, f"{DANGER_PREFIX}{indicator} ({lang}) has {n} examples, "
                                        f"want >= {MIN_PER_INDICATOR}", "warning"))
        danger = sum(n for (lg, label), n in counts.items() if lg == lang and label != SAFE)
        safe = counts.get((lang, SAFE), 0)
        if safe < danger // 2:
            problems.append(Problem(folder, 0, f"{lang}: {safe} look-alikes for {danger} danger examples; "
                                    "write about as many look-alikes as danger examples", "warning"))
    return sorted(problems)
