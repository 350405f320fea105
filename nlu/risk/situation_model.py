"""A classifier of danger situations, trained on the situation corpus (`nlu/risk/situations.py`).

Two linear models over the same normalised text (TF-IDF character 2-5-grams inside words, and
words and word pairs):

- `danger`: danger or not (logistic regression, classes balanced); its probability is compared
  with two thresholds chosen on held-out folds, recall first: `high` is the highest threshold
  that still catches `TARGET_RECALL` of the corpus' danger examples it did not see, `elevated`
  the one that catches `CHECK_RECALL` (those messages get a check question, not an alarm);
- `indicator`: which indicator a danger message shows, trained on the danger examples only.

The evidence is the person's own words that weighed most towards danger, so an operator sees
why. The trained model is cached under `cache_dir` by a hash of its data and code, like the
topic classifier, and is never downloaded.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import joblib
import numpy as np
import sklearn
import structlog
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline

from nlu.cache import load_cached, save_cached
from nlu.fastlinear import CompiledLinear, compile_pipeline
from nlu.normalize import normalize
from nlu.risk.model import Indicator, RiskLevel
from nlu.risk.situations import Situation, situation_examples
from nlu.training_data import data_hash

CODE_VERSION: Final = "situations-3"
MAX_CHARS: Final = 1500  # a long story is read to its first 1500 characters
TARGET_RECALL: Final = 0.98
CHECK_RECALL: Final = 0.995
DOUBT_LOSS: Final = 0.002
DOUBT_CAP: Final = 0.05
FOLDS: Final = 5
SEED: Final = 20261204
EXPLAIN_WORDS: Final = 4
_MIN_SHOWN: Final = 4  # letters
SECOND_INDICATOR: Final = 0.25  # a second indicator is named from this probability
_WORD_CACHE: Final = 50_000  # words whose columns are kept for explanations
_PREFIX: Final = "situations-"

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SituationScore:
    probability: float  # P(danger)
    level: RiskLevel  # by the model's thresholds
    indicator: Indicator
    words: tuple[str, ...]  # the person's words that weighed most towards danger
    # The indicator, then a second one when the message shows it too ("whoever calls home will
    # be hurt": isolation and threats).
    also: tuple[Indicator, ...] = ()


@dataclass(frozen=True)
class Thresholds:
    high: float
    elevated: float
    # What the held-out folds gave at those thresholds, on the situation corpus alone.
    recall: float
    false_alarms: float
    check_recall: float
    check_false_alarms: float
    # Below this the model reads a message as a look-alike so surely that a rule match in it
    # is doubted (asked about, not escalated): at most DOUBT_LOSS of the held-out danger
    # examples score lower, and never more than DOUBT_CAP.
    doubt: float = 0.0


def prepare(text: str) -> str:
    return normalize(text[:MAX_CHARS])


_SENTENCE = re.compile(r"(?<=[.!?;…\n])\s+|\n+")


def segments(text: str) -> list[str]:
    """The message, and each of its sentences when it has several: one line of danger in a
    long story must not drown in the rest of the story (TF-IDF rows are normalised)."""
    whole = prepare(text)
    parts = [p for p in (normalize(x) for x in _SENTENCE.split(text[:MAX_CHARS])) if p]
    return [whole, *parts] if len(parts) > 1 else [whole]


def danger_probability(model: Pipeline, texts: Sequence[str]) -> np.ndarray:
    """P(danger) of each text: the highest over its segments."""
    col = list(model.classes_).index("danger")
    owners: list[int] = []
    flat: list[str] = []
    for i, text in enumerate(texts):
        for seg in segments(text):
            owners.append(i)
            flat.append(seg)
    out = np.zeros(len(texts))
    if flat:
        np.maximum.at(out, np.array(owners), model.predict_proba(flat)[:, col])
    return out


def _pipeline(c: float) -> Pipeline:
    features = FeatureUnion([
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
        ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                                  token_pattern=r"\S+")),
    ])
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    return Pipeline([("features", features), ("clf", model)])


def fit_danger(texts: Sequence[str], danger: Sequence[bool]) -> Pipeline:
    return _pipeline(8.0).fit([prepare(t) for t in texts], ["danger" if d else "safe" for d in danger])


def fit_indicator(texts: Sequence[str], labels: Sequence[str]) -> Pipeline:
    return _pipeline(8.0).fit([prepare(t) for t in texts], list(labels))


def danger_folds(items: Sequence[Situation], folds: int = FOLDS, seed: int = SEED) -> list[np.ndarray]:
    """The test indices of each fold, stratified by language and danger, fixed by the seed."""
    strata = [f"{s.lang}:{s.danger}" for s in items]
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [test for _, test in splitter.split(np.zeros(len(items)), strata)]


def out_of_fold(items: Sequence[Situation], folds: int = FOLDS, seed: int = SEED) -> np.ndarray:
    """P(danger) of every item from a model that did not see it."""
    probs = np.zeros(len(items))
    for test in danger_folds(items, folds, seed):
        test_set = set(test.tolist())
        train = [s for i, s in enumerate(items) if i not in test_set]
        model = fit_danger([s.text for s in train], [s.danger for s in train])
        probs[test] = danger_probability(model, [items[i].text for i in test])
    return probs


def rates(probs: np.ndarray, danger: np.ndarray, threshold: float) -> tuple[float, float]:
    """(recall on danger, false-alarm rate on the rest) at `threshold`."""
    flagged = probs >= threshold
    recall = float(flagged[danger].mean()) if danger.any() else 1.0
    false = float(flagged[~danger].mean()) if (~danger).any() else 0.0
    return recall, false


def threshold_for(probs: np.ndarray, danger: np.ndarray, recall: float) -> float:
    """The highest threshold that still flags `recall` of the danger examples."""
    scores = np.sort(probs[danger])
    if scores.size == 0:
        return 0.5
    k = int(np.floor((1.0 - recall) * scores.size))
    return float(min(max(scores[k], 0.05), 0.95))


def choose_thresholds(items: Sequence[Situation], probs: np.ndarray) -> Thresholds:
    """Chosen on the corpus rows (the topic data's examples are easier and would flatter it)."""
    corpus = np.array([s.source == "situations" for s in items])
    if not corpus.any():
        corpus = np.ones(len(items), dtype=bool)
    p = probs[corpus]
    danger = np.array([s.danger for s in items])[corpus]
    high = threshold_for(p, danger, TARGET_RECALL)
    elevated = min(threshold_for(p, danger, CHECK_RECALL), high)
    r, f = rates(p, danger, high)
    cr, cf = rates(p, danger, elevated)
    ordered = np.sort(p[danger])
    doubt = float(min(ordered[int(np.floor(DOUBT_LOSS * ordered.size))], DOUBT_CAP)) if ordered.size else 0.0
    return Thresholds(high, elevated, r, f, cr, cf, doubt)


@dataclass
class SituationModel:
    danger: CompiledLinear
    indicator: CompiledLinear
    thresholds: Thresholds
    key: str
    examples: int
    train_seconds: float

    def score(self, text: str) -> SituationScore:
        parts = segments(text)
        if not parts[0]:
            return SituationScore(0.0, RiskLevel.NONE, Indicator.INTIMIDATION_THREATS, ())
        col = list(self.danger.classes).index("danger")
        blocks = self.danger.blocks
        # Each sentence is analysed once; the whole message's counts are their sum (the
        # word-pair block differs only by the pairs across sentence ends).
        per_part = [[b.counts(seg) for b in blocks] for seg in parts[1:] or parts]
        if len(parts) > 1:
            per_part.insert(0, [sum((c[k] for c in per_part), Counter()) for k in range(len(blocks))])
        rows = [self.danger.row(c) for c in per_part]
        p, best = max((float(self.danger.proba_row(r)[col]), i) for i, r in enumerate(rows))
        prepared = parts[best]
        th = self.thresholds
        level = RiskLevel.HIGH if p >= th.high else RiskLevel.ELEVATED if p >= th.elevated else RiskLevel.NONE
        if level == RiskLevel.NONE:  # which indicator, and why, only when it matters
            return SituationScore(p, level, Indicator.INTIMIDATION_THREATS, ())
        ind = self.indicator.proba(prepared)
        order = np.argsort(-ind)
        indicator = Indicator(self.indicator.classes[int(order[0])])
        also = tuple(Indicator(self.indicator.classes[int(i)]) for i in order[1:2] if ind[i] >= SECOND_INDICATOR)
        return SituationScore(p, level, indicator, self.explain(text, rows[best]), also)

    def explain(self, text: str, row: tuple[list[int], list[float]] | None = None) -> tuple[str, ...]:
        """The person's words that pushed most towards danger, strongest first (`row`: the
        danger model's feature row of the text or the sentence that scored highest)."""
        if row is None:
            row = self.danger.row([b.counts(prepare(text)) for b in self.danger.blocks])
        sign = 1.0 if self.danger.classes[-1] == "danger" else -1.0
        weights = self.danger.weights[:, 0] * sign
        value = dict(zip(*row, strict=True))
        words = set(normalize(text[:MAX_CHARS]).split())
        contribution = {w: sum(value[c] * weights[c] for k in range(len(self.danger.blocks))
                               for c in self._word_columns(k, w) if c in value) for w in words}
        # Short function words ("не", "мне", "ки") carry weight only with their neighbours:
        # an operator learns more from the content words around them.
        best = sorted((w for w, c in contribution.items() if c > 0 and len(w) >= _MIN_SHOWN),
                      key=lambda w: -contribution[w])
        originals = _originals(text[:MAX_CHARS])
        out: list[str] = []
        for word in best:
            shown = originals.get(word, word)
            if shown not in out:
                out.append(shown)
            if len(out) == EXPLAIN_WORDS:
                break
        return tuple(out)

    def _word_columns(self, k: int, word: str) -> tuple[int, ...]:
        """The columns of block `k` that `word` alone produces (cached: words recur)."""
        cache = self.__dict__.setdefault("_columns", {})
        key = (k, word)
        found = cache.get(key)
        if found is None:
            block = self.danger.blocks[k]
            found = tuple(block.offset + c for c in {block.vocabulary.get(g) for g in block.analyzer(word)}
                          if c is not None)
            if len(cache) > _WORD_CACHE:
                cache.clear()
            cache[key] = found
        return found

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_columns"}


def _originals(text: str) -> dict[str, str]:
    """normalised word -> the word as the person typed it (first occurrence)."""
    out: dict[str, str] = {}
    for token in text.split():
        for word in normalize(token).split():
            out.setdefault(word, token.strip(".,!?;:()[]«»\"'“”—-…"))
    return out


def train(items: Sequence[Situation], key: str = "", folds: int = FOLDS) -> SituationModel:
    if not any(s.danger for s in items) or all(s.danger for s in items):
        raise ValueError("the situation corpus needs danger and safe examples")
    start = time.perf_counter()
    probs = out_of_fold(items, folds)
    thresholds = choose_thresholds(items, probs)
    texts = [s.text for s in items]
    sample = [prepare(t) for t in texts[:: max(1, len(texts) // 40)]]
    danger = compile_pipeline(fit_danger(texts, [s.danger for s in items]), sample)
    dangers = [s for s in items if s.danger]
    indicator = compile_pipeline(fit_indicator([s.text for s in dangers], [s.label for s in dangers]), sample)
    return SituationModel(danger, indicator, thresholds, key, len(items), time.perf_counter() - start)


def cache_key(situations_dir: Path, topics_dir: Path | None) -> str:
    h = hashlib.sha256()
    parts = [CODE_VERSION, sklearn.__version__, joblib.__version__, data_hash(situations_dir),
             data_hash(topics_dir) if topics_dir else ""]
    for part in parts:
        h.update(part.encode() + b"\0")
    here = Path(__file__).parent
    for path in (here / "situations.py", here / "situation_model.py", here.parent / "normalize.py",
                 here.parent / "fastlinear.py"):
        h.update(path.read_bytes())
    return h.hexdigest()[:24]


def load_or_train(situations_dir: Path, topics_dir: Path | None, cache_dir: Path) -> SituationModel | None:
    """The model for the current corpus, from the cache or trained now; None without a corpus."""
    if not situations_dir.is_dir():
        return None
    key = cache_key(situations_dir, topics_dir)
    path = cache_dir / f"{_PREFIX}{key}.joblib"
    cached = load_cached(path, SituationModel, key)
    if cached is not None:
        return cached
    items = situation_examples(situations_dir, topics_dir)
    if not any(s.source == "situations" for s in items):
        return None
    model = train(items, key)
    th = model.thresholds
    log.info("situations.trained", examples=len(items), seconds=round(model.train_seconds, 1),
             high=round(th.high, 3), elevated=round(th.elevated, 3), recall=round(th.recall, 3),
             false_alarms=round(th.false_alarms, 3))
    save_cached(model, path, _PREFIX)
    return model
