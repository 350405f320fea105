"""Cross-validated evaluation of an NLU backend, per language, on fixed folds.

The folds are stratified by intent inside each language and fixed by the seed, and fold k of
the whole data is the union of every language's fold k, so the embedded and the Rasa backends
are trained and tested on exactly the same examples and their reports compare side by side.
One model is trained per fold on all three languages' training parts (that is how both
backends run in production); the scores are then computed per language.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from nlu import rasa_tools
from nlu.embedded import OUT_OF_SCOPE, fit_classifier, prepare
from nlu.languages import LANGS, Lang
from nlu.training_data import Example

SEED: Final = 20240601
THRESHOLDS: Final = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
# Worth of answering "I did not understand, here is the menu" compared with a right answer
# (1) and a wrong one (0): used to pick the fallback threshold from the cross-validation.
FALLBACK_UTILITY: Final = 0.3

Ranking = tuple[tuple[str, float], ...]
# (training examples, texts to rank, fold number) -> one ranking per text
Predictor = Callable[[Sequence[Example], Sequence[str], int], list[Ranking]]


@dataclass
class LangReport:
    lang: Lang
    examples: int
    accuracy: float
    macro_f1: float
    per_intent: dict[str, dict[str, float]]
    confused: list[tuple[str, str, int]]
    labels: list[str]
    matrix: list[list[int]]
    thresholds: list[dict[str, float]]


@dataclass
class EvalReport:
    backend: str
    folds: int
    seed: int
    train_seconds_per_fold: float
    languages: dict[str, LangReport] = field(default_factory=dict)
    best_threshold: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def fold_indices(examples: Sequence[Example], folds: int, seed: int = SEED) -> list[list[int]]:
    """The test indices of each fold: per language, stratified by intent, fixed by `seed`."""
    out: list[list[int]] = [[] for _ in range(folds)]
    for lang in LANGS:
        idx = [i for i, e in enumerate(examples) if e.lang == lang]
        if not idx:
            continue
        labels = [examples[i].intent for i in idx]
        # An intent with fewer examples than folds cannot be stratified: its examples join
        # the training side of every fold and are never tested (reported as a warning by
        # `hamroh nlu check`, which wants 30+).
        counts = Counter(labels)
        usable = [i for i, label in zip(idx, labels, strict=True) if counts[label] >= folds]
        if len({examples[i].intent for i in usable}) < 2:
            continue
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        y = [examples[i].intent for i in usable]
        for k, (_, test) in enumerate(skf.split(np.zeros(len(usable)), y)):
            out[k].extend(usable[t] for t in test)
    return out


def embedded_predictor(train: Sequence[Example], texts: Sequence[str], fold: int) -> list[Ranking]:
    clf = fit_classifier([e.text for e in train], [e.intent for e in train])
    classes = [str(c) for c in clf.classes_]
    probs = clf.predict_proba([prepare(t) for t in texts])
    rankings: list[Ranking] = []
    for row in probs:
        order = np.argsort(-row)
        rankings.append(tuple((classes[i], float(row[i])) for i in order))
    return rankings


def rasa_predictor(root: Path = Path()) -> Predictor:
    def predict(train: Sequence[Example], texts: Sequence[str], fold: int) -> list[Ranking]:
        with tempfile.TemporaryDirectory(prefix=f"hamroh-rasa-fold{fold}-") as tmp:
            nlu_file = Path(tmp) / "nlu.yml"
            rasa_tools.write_nlu_yaml(train, nlu_file)
            model = rasa_tools.train(nlu_file, Path(tmp) / "models", f"fold{fold}", root)
            return rasa_tools.predict(model, list(texts), root)

    return predict


def _threshold_rows(truth: Sequence[str], ranked: Sequence[Ranking]) -> list[dict[str, float]]:
    rows = []
    for t in THRESHOLDS:
        right = wrong = fallback = 0
        for want, ranking in zip(truth, ranked, strict=True):
            top, conf = ranking[0] if ranking else (OUT_OF_SCOPE, 1.0)
            got = top if conf >= t else OUT_OF_SCOPE
            if got == want:
                right += 1
            elif got == OUT_OF_SCOPE:
                fallback += 1
            else:
                wrong += 1
        n = max(1, len(truth))
        utility = (right + FALLBACK_UTILITY * fallback) / n
        rows.append({"threshold": t, "accuracy": right / n, "fallback": fallback / n,
                     "wrong": wrong / n, "utility": utility})  # fmt: skip
    return rows


def _lang_report(lang: Lang, truth: list[str], ranked: list[Ranking]) -> LangReport:
    pred = [r[0][0] if r else OUT_OF_SCOPE for r in ranked]
    labels = sorted(set(truth) | set(pred))
    p, r, f, s = precision_recall_fscore_support(truth, pred, labels=labels, zero_division=0)
    per_intent = {
        label: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, label in enumerate(labels)
    }
    truth_labels = sorted(set(truth))
    macro = float(f1_score(truth, pred, labels=truth_labels, average="macro", zero_division=0))
    pairs = Counter((t, g) for t, g in zip(truth, pred, strict=True) if t != g)
    matrix = confusion_matrix(truth, pred, labels=labels).tolist()
    accuracy = sum(t == g for t, g in zip(truth, pred, strict=True)) / max(1, len(truth))
    return LangReport(
        lang=lang,
        examples=len(truth),
        accuracy=accuracy,
        macro_f1=macro,
        per_intent=per_intent,
        confused=[(t, g, n) for (t, g), n in pairs.most_common(10)],
        labels=labels,
        matrix=matrix,
        thresholds=_threshold_rows(truth, ranked),
    )


def evaluate(
    examples: Sequence[Example],
    predictor: Predictor,
    backend: str,
    folds: int = 5,
    seed: int = SEED,
    on_fold: Callable[[int], None] | None = None,
) -> EvalReport:
    """Train and test `predictor` on every fold; `on_fold(k)` after each (progress bars)."""
    tests = fold_indices(examples, folds, seed)
    ranked: dict[int, Ranking] = {}
    seconds = 0.0
    for k, test in enumerate(tests):
        if not test:
            continue
        test_set = set(test)
        train = [e for i, e in enumerate(examples) if i not in test_set]
        start = time.perf_counter()
        rankings = predictor(train, [examples[i].text for i in test], k)
        seconds += time.perf_counter() - start
        ranked.update(zip(test, rankings, strict=True))
        if on_fold is not None:
            on_fold(k)
    report = EvalReport(backend, folds, seed, seconds / max(1, folds))
    all_truth: list[str] = []
    all_ranked: list[Ranking] = []
    for lang in LANGS:
        idx = [i for i in sorted(ranked) if examples[i].lang == lang]
        if not idx:
            continue
        truth = [examples[i].intent for i in idx]
        rank_l = [ranked[i] for i in idx]
        report.languages[lang] = _lang_report(lang, truth, rank_l)
        all_truth += truth
        all_ranked += rank_l
    if all_truth:
        rows = _threshold_rows(all_truth, all_ranked)
        report.best_threshold = max(rows, key=lambda row: (row["utility"], -row["threshold"]))["threshold"]
    return report
