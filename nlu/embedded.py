"""The embedded intent classifier: scikit-learn, in process, CPU only, cached on disk.

Features are TF-IDF character n-grams (inside word boundaries, 1-5), word uni- and bigrams
and 4-letter word prefixes (a crude stemmer), all on the `normalize`d skeleton, so Cyrillic
and Latin Uzbek, and Tajik typed on a Russian keyboard, share features with the examples.
One model serves all three languages: the skeleton makes their examples help each other (loan
words, mixed messages) and a wrong language guess cannot send a message to the wrong model.
The classifier is a linear SVM whose scores are calibrated by temperature scaling on 5-fold
out-of-fold scores, which gives usable confidences for the fallback threshold and the ambiguity margin.

The trained model is cached under `cache_dir` as a joblib file named by a hash of the training
files, this module's CODE_VERSION and the scikit-learn version, so any data change rebuilds it
at the next start. The cache is only ever written by this process: nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import joblib
import numpy as np
import sklearn
import structlog
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from nlu.cache import load_cached, save_cached
from nlu.fastlinear import CompiledLinear, compile_pipeline
from nlu.langid import LanguageIdentifier
from nlu.languages import Lang
from nlu.normalize import normalize
from nlu.training_data import Example, data_hash, load_training_data
from nlu.translit import has_cyrillic, russian_to_latin, tajik_to_latin, uzbek_to_latin

# Bump when features, model or the normaliser change in a way that invalidates old caches.
CODE_VERSION: Final = "embedded-5"
OUT_OF_SCOPE: Final = "out_of_scope"
# Messages are short; a pasted wall of text is classified on its beginning, which keeps a
# parse within its latency budget whatever arrives.
MAX_CHARS: Final = 500
_CACHE_PREFIX: Final = "embedded-"

log = structlog.get_logger(__name__)

# Which folders get Latin copies for the language model, and the seed of their schemes.
_LATIN_COPIES: Final[dict[str, Callable[[str, int], str]]] = {
    "ru": russian_to_latin,
    "tg": tajik_to_latin,
    "uz": uzbek_to_latin,
}
LATIN_COPY_SEED: Final = 0

Ranking = tuple[tuple[str, float], ...]


class WordPrefixes:
    """Analyzer: the first `n` letters of each word and of each pair of neighbouring words.

    A cheap stemmer for three inflecting languages at once: Russian "зарплату/зарплаты",
    Tajik "маошамро/маош", Uzbek "ishlayman/ishladim" share their prefixes."""

    def __init__(self, n: int = 4) -> None:
        self.n = n

    def __call__(self, text: str) -> list[str]:
        stems = [word[: self.n] for word in text.split()]
        return stems + [f"{a}_{b}" for a, b in itertools.pairwise(stems)]


def build_pipeline(c: float = 1.0, folds: int = 5) -> Pipeline:
    """A fresh, untrained classifier over normalised text."""
    features = FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True, min_df=1),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    token_pattern=r"\S+",
                ),
            ),
            ("prefixes", TfidfVectorizer(analyzer=WordPrefixes(4), sublinear_tf=True)),
        ]
    )
    # Temperature scaling (one parameter, fitted on out-of-fold scores) keeps the SVM's
    # ranking and turns its scores into probabilities; ensemble=False keeps one SVM trained on
    # all the data: in cross-validation as accurate as the uncalibrated SVM (per-class sigmoid
    # calibration cost a point of macro-F1) and one model to apply instead of five.
    calibrated = CalibratedClassifierCV(LinearSVC(C=c), cv=folds, method="temperature", ensemble=False)
    return Pipeline([("features", features), ("clf", calibrated)])


def prepare(text: str) -> str:
    return normalize(text[:MAX_CHARS])


@dataclass
class EmbeddedModel:
    """A trained intent classifier plus the language identifier trained on the same data."""

    fast: CompiledLinear  # the trained pipeline, compiled for one message at a time
    langid: LanguageIdentifier
    intents: tuple[str, ...]
    key: str
    train_seconds: float

    def rank(self, text: str) -> Ranking:
        """Intents best first with calibrated probabilities summing to 1."""
        prepared = prepare(text)
        if not prepared:
            return ((OUT_OF_SCOPE, 1.0),)
        probs = self.fast.proba(prepared)
        order = np.argsort(-probs, kind="stable")
        return tuple((self.intents[i], float(probs[i])) for i in order)

    def identify(self, text: str, prior: Lang | None = None, *, history: Sequence[str] = (),
                 telegram_lang: str | None = None) -> tuple[Lang, float]:
        return self.langid.identify(text, prior, history=history, telegram_lang=telegram_lang)


def fit_classifier(texts: Sequence[str], intents: Sequence[str]) -> Pipeline:
    """Train a classifier on raw example texts; calibration folds shrink for tiny classes."""
    smallest = min(Counter(intents).values())
    pipeline = build_pipeline(folds=max(2, min(5, smallest)))
    pipeline.fit([prepare(t) for t in texts], list(intents))
    return pipeline


def train_langid(examples: Sequence[Example]) -> LanguageIdentifier:
    """The language model, trained on the examples' folders plus Latin copies of the Cyrillic
    examples (`nlu.translit`, one deterministic scheme per text): people type Russian and
    Tajik in Latin letters, and the Uzbek copies keep Latin Uzbek as well represented. A text
    under two folders ("салом", or "assalomu alaykum" once a Tajik copy is Latin) is left out
    of the learning and kept as shared (`LanguageIdentifier.fit`)."""
    texts = [e.text for e in examples]
    langs = [e.lang for e in examples]
    for e in examples:
        if e.lang in _LATIN_COPIES and has_cyrillic(e.text):
            texts.append(_LATIN_COPIES[e.lang](e.text, LATIN_COPY_SEED))
            langs.append(e.lang)
    return LanguageIdentifier().fit(texts, langs)


def train(examples: Sequence[Example], key: str = "") -> EmbeddedModel:
    if len({e.intent for e in examples}) < 2:
        raise ValueError("need training examples for at least two intents")
    start = time.perf_counter()
    texts = [e.text for e in examples]
    classifier = fit_classifier(texts, [e.intent for e in examples])
    langid = train_langid(examples)
    fast = compile_pipeline(classifier, [prepare(t) for t in texts[:: max(1, len(texts) // 50)]])
    seconds = time.perf_counter() - start
    intents = fast.classes
    return EmbeddedModel(fast, langid, intents, key, seconds)


# The modules whose code shapes the trained model: editing any of them invalidates the cache.
_MODEL_SOURCES: Final = (
    "normalize.py",
    "embedded.py",
    "fastlinear.py",
    "langid.py",
    "training_data.py",
    "translit.py",
)


def cache_key(data_dir: Path) -> str:
    h = hashlib.sha256()
    for part in (CODE_VERSION, sklearn.__version__, joblib.__version__, data_hash(data_dir)):
        h.update(part.encode())
        h.update(b"\0")
    here = Path(__file__).parent
    for name in _MODEL_SOURCES:
        h.update((here / name).read_bytes())
    return h.hexdigest()[:24]


def load_or_train(data_dir: Path, cache_dir: Path) -> EmbeddedModel:
    """The model for the current data: from the cache when its key matches, else trained now
    (and cached)."""
    key = cache_key(data_dir)
    path = cache_dir / f"{_CACHE_PREFIX}{key}.joblib"
    cached = load_cached(path, EmbeddedModel, key)
    if cached is not None:
        return cached
    data = load_training_data(data_dir)
    model = train(data.examples, key)
    log.info(
        "nlu.trained",
        examples=len(data.examples),
        intents=len(model.intents),
        seconds=round(model.train_seconds, 2),
    )
    save_cached(model, path, _CACHE_PREFIX)  # a read-only disk is logged: it trains next time
    return model
