"""Which language a short message is in: Tajik, Russian or Uzbek.

Tajik typed on a Russian keyboard and Cyrillic Uzbek look like Russian letter by letter, so
the decision combines three kinds of evidence:

1. a character n-gram model (1-4 grams, on the raw text: the script matters here, so it is
   not the Latin skeleton of `normalize`) trained on the NLU examples and their folders;
2. letters that only one language has (ӣ ӯ ҷ: Tajik; ў: Uzbek; ы щ: Russian) and frequent
   function words;
3. the user's stored language as a prior, which wins whenever the text is ambiguous
   ("салом", "ok", "патент").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Final

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from nlu.fastlinear import CompiledLinear, compile_pipeline
from nlu.languages import LANGS, Lang

# How much more likely the prior language is made before deciding: another language must be
# this many times more probable than the user's own to override it.
PRIOR_WEIGHT: Final = 3.0
_DEFAULT: Final[Lang] = "ru"
_MAX_CHARS: Final = 300
# Texts shorter than this many letters get proportionally less say against the prior.
_FULL_EVIDENCE_LETTERS: Final = 20

_APOS = re.compile("[‘’`ʻʼ´ʹʽ′‛＇ꞌ]")  # every variant people type
_NOISE = re.compile(r"(?:[^\w']|[\d_])+")

# Letters that only one of the three languages uses, with a likelihood multiplier each.
_LETTER_EVIDENCE: Final[dict[str, tuple[Lang, float]]] = {
    "ӣ": ("tg", 12.0),
    "ӯ": ("tg", 12.0),
    "ҷ": ("tg", 12.0),
    "ў": ("uz", 12.0),
    "ы": ("ru", 4.0),
    "щ": ("ru", 4.0),
}
# Frequent words that settle short texts; each occurrence multiplies the language's odds.
_WORD_LISTS: Final[tuple[tuple[Lang, str], ...]] = (
    ("tg", "ман ту мо шумо чӣ чи чиҳел чихел барои кор мекунам мекунад намедиҳанд ҳаст аст нест "
           "кадом куҷо кучо лозим мехоҳам мехохам бо аз ки дар ва ҳам хам шуд кардам"),
    ("ru", "я мне меня что как где почему нужно можно не нет есть работа работу хочу если это "
           "или и в на по для у зарплату "
           "menya mne net kak gde chto shto pochemu nuzhno mozhno skolko pomogite zabrali rabote "
           "rabotu rabota poluchit zarplatu hochu"),
    ("uz", "men menga meni nima qanday qayerda uchun bilan kerak mumkin yoq bor emas ish ishlayman "
           "менга мени нима қандай қаерда учун билан керак мумкин йўқ эмас иш ишлайман"),
)  # fmt: skip
_WORD_EVIDENCE: Final[dict[str, Lang]] = {word: lang for lang, words in _WORD_LISTS for word in words.split(" ")}
_WORD_WEIGHT: Final = 1.6


def prepare(text: str) -> str:
    """The form the character model sees: NFC, case folded, one apostrophe, letters only."""
    s = unicodedata.normalize("NFC", text[:_MAX_CHARS]).casefold()
    # The apostrophe stays: Uzbek o' and g' are strong Latin-Uzbek evidence.
    return " ".join(_NOISE.sub(" ", _APOS.sub("'", s)).split())


def _evidence(prepared: str) -> np.ndarray:
    """Likelihood multipliers from unique letters and function words, in LANGS order."""
    mult = np.ones(len(LANGS))
    for ch, (lang, weight) in _LETTER_EVIDENCE.items():
        if ch in prepared:
            mult[LANGS.index(lang)] *= weight
    for word in prepared.split():
        lang_of_word = _WORD_EVIDENCE.get(word)
        if lang_of_word is not None:
            mult[LANGS.index(lang_of_word)] *= _WORD_WEIGHT
    return mult


# Below this confidence, with no prior, a text in plain Cyrillic is taken as Russian.
UNSURE_BELOW: Final = 0.65
_CYRILLIC = re.compile(r"^[\u0400-\u04ff' ]+$")


def _plain_cyrillic(prepared: str) -> bool:
    """Cyrillic with no letter or function word that marks Tajik or Uzbek."""
    return bool(prepared) and _CYRILLIC.match(prepared) is not None and bool(np.all(_evidence(prepared) == 1.0))


def _decide(probs: np.ndarray, prior: Lang | None) -> tuple[Lang, float]:
    if prior is not None:
        probs = probs.copy()
        probs[LANGS.index(prior)] *= PRIOR_WEIGHT
    total = float(probs.sum())
    if total <= 0.0:
        return (prior or _DEFAULT), 0.0
    probs = probs / total
    best = int(np.argmax(probs))
    return LANGS[best], float(probs[best])


class LanguageIdentifier:
    """A character n-gram language model; `fit` it on (text, lang) pairs, then `identify`."""

    def __init__(self) -> None:
        self._fast: CompiledLinear | None = None

    def fit(self, texts: Sequence[str], langs: Sequence[Lang]) -> LanguageIdentifier:
        pipeline = Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=1),
                ),
                # A linear SVM with temperature-scaled scores: as accurate as logistic
                # regression here and several times faster to train.
                (
                    "svm",
                    CalibratedClassifierCV(LinearSVC(C=0.3), cv=3, method="temperature", ensemble=False),
                ),
            ]
        )
        prepared = [prepare(t) for t in texts]
        pipeline.fit(prepared, list(langs))
        self._fast = compile_pipeline(pipeline, prepared[:: max(1, len(prepared) // 50)])
        return self

    def probabilities(self, text: str) -> np.ndarray:
        """P(lang | text) in LANGS order, before the prior."""
        prepared = prepare(text)
        if not prepared:
            return np.zeros(len(LANGS))
        if self._fast is None:
            probs = np.full(len(LANGS), 1.0 / len(LANGS))
        else:
            raw = self._fast.proba(prepared)
            classes = list(self._fast.classes)
            probs = np.array([raw[classes.index(lang)] if lang in classes else 0.0 for lang in LANGS])
            # A word or two says little about the language ("салом", "регистрация" are typed
            # in all three), however sure the model is: flatten short texts so that the prior
            # can win; the order of the languages is kept.
            letters = sum(ch.isalpha() for ch in prepared)
            probs = probs ** min(1.0, letters / _FULL_EVIDENCE_LETTERS)
        return probs * _evidence(prepared)

    def identify(self, text: str, prior: Lang | None = None) -> tuple[Lang, float]:
        lang, confidence = _decide(self.probabilities(text), prior)
        if prior is None and confidence < UNSURE_BELOW and _plain_cyrillic(prepare(text)):
            # A Russian loanword alone ("патент", "регистрация") is typed in all three
            # languages; with nothing Tajik or Uzbek about it, Russian is what every migrant
            # reads, so it is the safe answer for a stranger.
            return _DEFAULT, confidence
        return lang, confidence


def identify(text: str, prior: Lang | None = None, *, model: LanguageIdentifier | None = None) -> tuple[Lang, float]:
    """The language of `text` and a confidence. Without a trained `model` only the letter and
    function-word evidence is used (what the risk rules and tests can rely on offline)."""
    return (model or LanguageIdentifier()).identify(text, prior)
