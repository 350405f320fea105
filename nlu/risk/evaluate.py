"""Cross-validated danger recall and false alarms, per language, on fixed folds.

The folds are stratified by language and danger, fixed by the seed, so the embedded model and
a Rasa model trained as a danger/safe classifier are tested on exactly the same messages. Each
backend's alarm threshold is chosen on its own held-out scores for recall first (as the
production model chooses its own), and the figures are reported on the situation corpus: the
topic data's danger and everyday examples train the model but are easier, so they would
flatter it. The editors' rules need no training; "rules + model" is what the bot does.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlu import rasa_tools
from nlu.languages import LANGS
from nlu.normalize import normalize
from nlu.risk.detector import MIN_MODEL_WORDS, NEVER_DOUBTED
from nlu.risk.model import RiskAssessment, RiskLevel
from nlu.risk.situation_model import (
    SEED,
    TARGET_RECALL,
    Thresholds,
    choose_thresholds,
    danger_folds,
    danger_probability,
    fit_danger,
    rates,
)
from nlu.risk.situations import Situation
from nlu.training_data import Example

# (training items, texts, fold) -> P(danger) per text
DangerPredictor = Callable[[Sequence[Situation], Sequence[str], int], np.ndarray]
# The editors' rules alone (a detector without the model): the assessment of a text.
Rules = Callable[[str], RiskAssessment]


def embedded_danger(train: Sequence[Situation], texts: Sequence[str], fold: int) -> np.ndarray:
    model = fit_danger([s.text for s in train], [s.danger for s in train])
    return danger_probability(model, texts)


def rasa_danger(root: Path = Path()) -> DangerPredictor:
    """A real Rasa 3.6 pipeline (nlu/rasa/config.yml) trained on two intents, danger and safe."""
    def predict(train: Sequence[Situation], texts: Sequence[str], fold: int) -> np.ndarray:
        examples = [Example(s.text, "danger" if s.danger else "safe", s.lang, Path(), 0) for s in train]
        with tempfile.TemporaryDirectory(prefix=f"hamroh-rasa-danger{fold}-") as tmp:
            nlu_file = Path(tmp) / "nlu.yml"
            rasa_tools.write_nlu_yaml(examples, nlu_file)
            model = rasa_tools.train(nlu_file, Path(tmp) / "models", f"danger{fold}", root)
            rankings = rasa_tools.predict(model, list(texts), root)
        return np.array([dict(r).get("danger", 0.0) for r in rankings])

    return predict


@dataclass
class DangerLangReport:
    lang: str
    danger: int
    safe: int
    recall: float  # the model alone, at its alarm threshold
    false_alarms: float
    check_recall: float  # alarm or check question
    check_false: float
    rules_recall: float  # the editors' rules alone
    rules_false: float
    combined_recall: float  # rules + model, as the bot's detector combines them
    combined_false: float


@dataclass
class DangerReport:
    backend: str
    folds: int
    seed: int
    high: float
    elevated: float
    train_seconds_per_fold: float
    languages: dict[str, DangerLangReport] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_danger(items: Sequence[Situation], predictor: DangerPredictor, backend: str, *,
                    rules: Rules | None = None, certain: frozenset[str] = frozenset(),
                    folds: int = 5, seed: int = SEED,
                    on_fold: Callable[[int], None] | None = None) -> DangerReport:
    probs = np.zeros(len(items))
    seconds = 0.0
    for k, test in enumerate(danger_folds(items, folds, seed)):
        test_set = set(test.tolist())
        train = [s for i, s in enumerate(items) if i not in test_set]
        start = time.perf_counter()
        probs[test] = predictor(train, [items[i].text for i in test], k)
        seconds += time.perf_counter() - start
        if on_fold is not None:
            on_fold(k)
    th = choose_thresholds(items, probs)
    corpus = [i for i, s in enumerate(items) if s.source == "situations"]
    assessed = {i: rules(items[i].text) for i in corpus} if rules else {}
    rule_high = {i: a.level == RiskLevel.HIGH for i, a in assessed.items()}
    bot = {i: _escalated(items[i].text, probs[i], assessed.get(i), th, certain) for i in corpus}
    report = DangerReport(backend, folds, seed, th.high, th.elevated, seconds / folds)
    for lang in LANGS:
        idx = [i for i in corpus if items[i].lang == lang]
        if not idx:
            continue
        p = probs[idx]
        danger = np.array([items[i].danger for i in idx])
        r, f = rates(p, danger, th.high)
        cr, cf = rates(p, danger, th.elevated)
        rr, rf = _flag_rates(np.array([rule_high.get(i, False) for i in idx]), danger)
        br, bf = _flag_rates(np.array([bot[i] for i in idx]), danger)
        report.languages[lang] = DangerLangReport(lang, int(danger.sum()), int((~danger).sum()),
                                                  r, f, cr, cf, rr, rf, br, bf)
    for i in corpus:
        flagged = bot[i]
        s = items[i]
        if s.danger and not flagged:
            report.missed.append(f"{s.lang} {s.kind} p={probs[i]:.2f}: {s.text}")
        elif not s.danger and flagged:
            report.false.append(f"{s.lang} {s.kind} p={probs[i]:.2f}: {s.text}")
    return report


def _escalated(text: str, p: float, rules: RiskAssessment | None, th: Thresholds,
               certain: frozenset[str] = frozenset()) -> bool:
    """What the bot's detector does with the rules' assessment and the model's P(danger): the
    model alone escalates a message of MIN_MODEL_WORDS or more; a rule escalates unless the
    model reads a clear look-alike (below `doubt`) and the rule may be doubted. (The cap on
    wages or hours alone needs the indicator model, which is not trained per fold: left out.)"""
    if p >= th.high and len(normalize(text[:200]).split()) >= MIN_MODEL_WORDS:
        return True
    if rules is None or rules.level != RiskLevel.HIGH:
        return False
    if p >= th.doubt:
        return True
    return any(ev.source == "rule" and ev.counted and ev.level == RiskLevel.HIGH
               and (ev.indicator in NEVER_DOUBTED or ev.rule_id in certain) for ev in rules.evidence)


def _flag_rates(flagged: np.ndarray, danger: np.ndarray) -> tuple[float, float]:
    recall = float(flagged[danger].mean()) if danger.any() else 1.0
    false = float(flagged[~danger].mean()) if (~danger).any() else 0.0
    return recall, false


def markdown(report: DangerReport) -> str:
    lines = [f"# Danger detection, cross-validated: {report.backend}", "",
             f"{report.folds} folds stratified by language and danger, seed {report.seed}. "
             f"Alarm threshold {report.high:.3f} (chosen on held-out scores for recall "
             f"{TARGET_RECALL:.2f}), check question from {report.elevated:.3f}. Situation corpus only.",
             "", "| language | danger | look-alikes | model recall | model false alarms | "
             "alarm or check | check on look-alikes | rules recall | rules false | "
             "rules + model recall | rules + model false |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in report.languages.values():
        lines.append(f"| {r.lang} | {r.danger} | {r.safe} | {r.recall:.3f} | {r.false_alarms:.3f} | "
                     f"{r.check_recall:.3f} | {r.check_false:.3f} | {r.rules_recall:.3f} | "
                     f"{r.rules_false:.3f} | {r.combined_recall:.3f} | {r.combined_false:.3f} |")
    lines += ["", f"## Missed by rules + model ({len(report.missed)})", ""]
    lines += [f"- {m}" for m in report.missed[:200]] or ["- none"]
    lines += ["", f"## False alarms of rules + model ({len(report.false)})", ""]
    lines += [f"- {m}" for m in report.false[:200]] or ["- none"]
    return "\n".join(lines) + "\n"


def write_danger_reports(report: DangerReport, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md = out_dir / f"danger-{report.backend}.md"
    md.write_text(markdown(report), "utf-8")
    js = out_dir / f"danger-{report.backend}.json"
    js.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1), "utf-8")
    return [md, js]
