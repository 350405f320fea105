"""Which language a short message is in: Tajik, Russian or Uzbek.

Tajik typed on a Russian keyboard and Cyrillic Uzbek look like Russian letter by letter, so
the decision combines three kinds of evidence:

1. a character n-gram model (1-4 grams, on the raw text: the script matters here, so it is
   not the Latin skeleton of `normalize`) trained on the NLU examples and their folders;
2. letters that only one language has (ӣ ӯ ҷ: Tajik; ў: Uzbek; ы щ: Russian) and frequent
   function words;
3. priors about the person, which win whenever the text is ambiguous ("салом", "ok",
   "патент"): their stored language (strongest), the languages of their earlier messages and
   Telegram's `language_code` (weaker; see `LanguageIdentifier.identify`).

Russian and Tajik typed in Latin letters are learnt from Latin copies of the Cyrillic examples
(`nlu.translit`, added by `nlu.embedded.train_langid`), and Latin function words count as
word evidence next to the Cyrillic ones.
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
from nlu.languages import LANGS, Lang, is_lang

# How much more likely the prior language is made before deciding: another language must be
# this many times more probable than the user's own to override it.
PRIOR_WEIGHT: Final = 3.0
# Weaker priors (see `LanguageIdentifier.identify`): the person's earlier messages, at most this
# much when all of the last _HISTORY_FULL or more agree; Telegram's language_code.
HISTORY_WEIGHT: Final = 2.0
_HISTORY_FULL: Final = 3
_HISTORY_LAST: Final = 10
TELEGRAM_WEIGHT: Final = 1.5
# Tajiks and Uzbeks often run Telegram in Russian (there is no official Tajik interface), so a
# Russian interface says less about the person than a Tajik or Uzbek one.
TELEGRAM_RU_WEIGHT: Final = 1.2
_DEFAULT: Final[Lang] = "ru"
_MAX_CHARS: Final = 300
# Texts shorter than this many letters get proportionally less say against the prior.
_FULL_EVIDENCE_LETTERS: Final = 20
# A text the training data has under several languages is flattened to almost nothing: any
# prior decides it, and only without one does the model's lean break the tie.
_SHARED_EXPONENT: Final = 0.05

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
# Frequent words that settle short texts: (language, multiplier, words); each occurrence
# multiplies the language's odds. Latin words that another language also has ("man" is
# English and Latin Tajik, "kor" is Tajik and Uzbek, "net" and "bor" are everywhere) get the
# modest weight or are left out.
_WORD_LISTS: Final[tuple[tuple[Lang, float, str], ...]] = (
    ("tg", 1.6, "ман ту мо шумо чӣ чи чиҳел чихел барои кор мекунам мекунад намедиҳанд ҳаст аст нест "
                "кадом куҷо кучо лозим мехоҳам мехохам бо аз ки дар ва ҳам хам шуд кардам"),
    ("tg", 1.6, "mekunam mekunad mekunand mekunem namekunad namedihad namedihand medihad medihand "
                "kujo kuja baroi hast nest kardand kardam shud meshavad chist chand "
                "mekhoham mexoham namedonam kardan giriftan "
                "kuned kunam kunem digar"),
    ("tg", 1.2, "man chi kor dar az ba ki ast"),
    ("ru", 1.6, "я мне меня что как где почему нужно можно не нет есть работа работу хочу если это "
                "или и в на по для у зарплату "
                "menya menia mne kak gde chto shto pochemu nuzhno nujno mozhno mojno skolko "
                "pomogite pomogi zabrali rabote rabotu rabota raboty poluchit zarplatu zarplata "
                "zarplaty hochu khochu eto esli privet zdravstvuyte zdravstvujte zdravstvuite "
                "pozhaluysta pojaluysta pozhalujsta pojalusta spasibo delat chego "
                "uzhe ili kogda kuda tolko"),
    ("ru", 1.2, "ne ya na po dlya dlia"),
    ("uz", 1.6, "men menga meni nima qanday qayerda qayerga uchun bilan kerak mumkin yoq yo'q emas "
                "ish ishlayman qilish qilay bermayapti qancha "
                "менга мени нима қандай қаерда учун билан керак мумкин йўқ эмас иш ишлайман"),
)  # fmt: skip
_WORD_EVIDENCE: Final[dict[str, tuple[Lang, float]]] = {
    word: (lang, weight) for lang, weight, words in _WORD_LISTS for word in words.split()
}


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
        found = _WORD_EVIDENCE.get(word)
        if found is not None:
            mult[LANGS.index(found[0])] *= found[1]
    return mult


# Below this confidence, with no prior, a text in plain Cyrillic is taken as Russian.
UNSURE_BELOW: Final = 0.65
_CYRILLIC = re.compile(r"^[\u0400-\u04ff' ]+$")


# Greetings that Tajiks and Uzbeks type in Cyrillic and Russians do not: not evidence for
# either language, but enough to say that the text is not a Russian loanword.
_NOT_RUSSIAN: Final = frozenset({
    "салом", "ассалом", "ассалому", "асалому", "алейкум", "алайкум", "алекум", "рахмат", "раҳмат",
    "ташаккур", "ташакур", "хайр",
})  # fmt: skip


def _plain_cyrillic(prepared: str) -> bool:
    """Cyrillic with no letter, function word or greeting that marks Tajik or Uzbek."""
    return (
        bool(prepared)
        and _CYRILLIC.match(prepared) is not None
        and bool(np.all(_evidence(prepared) == 1.0))
        and _NOT_RUSSIAN.isdisjoint(prepared.split())
    )


def telegram_language(code: str | None) -> Lang | None:
    """Our language code for a Telegram `language_code` ("ru", "uz-UZ", "tg"), or None."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if is_lang(base) else None


def person_weights(
    prior: Lang | None, history: Sequence[str | None] = (), telegram_lang: str | None = None
) -> np.ndarray:
    """The likelihood multipliers, in LANGS order, that what we know about the person gives."""
    weights = np.ones(len(LANGS))
    if is_lang(prior):
        weights[LANGS.index(prior)] *= PRIOR_WEIGHT
    recent = [lang for lang in list(history)[-_HISTORY_LAST:] if is_lang(lang)]
    for lang in set(recent):
        share = recent.count(lang) / max(len(recent), _HISTORY_FULL)
        weights[LANGS.index(lang)] *= HISTORY_WEIGHT**share
    interface = telegram_language(telegram_lang)
    if interface is not None:
        weights[LANGS.index(interface)] *= TELEGRAM_RU_WEIGHT if interface == "ru" else TELEGRAM_WEIGHT
    return weights


def _decide(probs: np.ndarray, weights: np.ndarray, fallback: Lang) -> tuple[Lang, float]:
    probs = probs * weights
    total = float(probs.sum())
    if total <= 0.0:
        return fallback, 0.0
    probs = probs / total
    best = int(np.argmax(probs))
    return LANGS[best], float(probs[best])


class LanguageIdentifier:
    """A character n-gram language model; `fit` it on (text, lang) pairs, then `identify`."""

    def __init__(self) -> None:
        self._fast: CompiledLinear | None = None
        self._shared: frozenset[str] = frozenset()

    def fit(self, texts: Sequence[str], langs: Sequence[Lang]) -> LanguageIdentifier:
        """Learn from the texts that belong to one language. A text given under two or more
        ("салом", "патент", "assalomu alaykum") would only teach confusion: it is remembered
        as shared instead, and `probabilities` leaves it to the priors."""
        folders: dict[str, set[Lang]] = {}
        for text, lang in zip(texts, langs, strict=True):
            folders.setdefault(prepare(text), set()).add(lang)
        self._shared = frozenset(form for form, seen in folders.items() if len(seen) > 1)
        own = [(t, lang) for t, lang in zip(texts, langs, strict=True) if prepare(t) not in self._shared]
        if len({lang for _, lang in own}) < 2:
            own = list(zip(texts, langs, strict=True))
        if len({lang for _, lang in own}) < 2:  # with one language there is nothing to learn
            return self
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
        prepared = [prepare(t) for t, _ in own]
        pipeline.fit(prepared, [lang for _, lang in own])
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
            shared = prepared in getattr(self, "_shared", ())  # models pickled before it lack it
            probs = probs ** (_SHARED_EXPONENT if shared else min(1.0, letters / _FULL_EVIDENCE_LETTERS))
        return probs * _evidence(prepared)

    def identify(
        self,
        text: str,
        prior: Lang | None = None,
        *,
        history: Sequence[str | None] = (),
        telegram_lang: str | None = None,
    ) -> tuple[Lang, float]:
        """The language of `text` and a confidence in (0, 1] (0.0 when there are no letters).

        What is known about the person multiplies the model's probabilities before deciding,
        so it settles ambiguous texts ("салом", "ok", "патент") and a clear text beats it:

        - `prior`, the stored user language: x3 (PRIOR_WEIGHT);
        - `history`, the languages of the person's earlier messages, oldest first (the last 10
          count): x2 ** (n_lang / max(n, 3)) (HISTORY_WEIGHT), i.e. x2 when three or more
          agree, x1.26 for a single earlier message;
        - `telegram_lang`, Telegram's `language_code` ("ru", "uz", "tg", "uz-UZ"; any other is
          ignored): x1.5 for tg or uz (TELEGRAM_WEIGHT), x1.2 for ru (TELEGRAM_RU_WEIGHT).

        All three multiply together. Without any of them, a lone Russian-looking Cyrillic word
        is answered in Russian; without a stored prior, in the language the weaker priors
        favour. With no letters: the prior, else the weaker priors' favourite, else Russian.
        """
        weights = person_weights(prior, history, telegram_lang)
        favourite: Lang = LANGS[int(np.argmax(weights))] if float(weights.max()) > 1.0 else _DEFAULT
        lang, confidence = _decide(self.probabilities(text), weights, prior if is_lang(prior) else favourite)
        if not is_lang(prior) and confidence < UNSURE_BELOW and _plain_cyrillic(prepare(text)):
            # A Russian loanword alone ("патент", "регистрация") is typed in all three
            # languages; with nothing Tajik or Uzbek about it, Russian is what every migrant
            # reads, so it is the safe answer for a stranger.
            return favourite, confidence
        return lang, confidence


def identify(
    text: str,
    prior: Lang | None = None,
    *,
    model: LanguageIdentifier | None = None,
    history: Sequence[str | None] = (),
    telegram_lang: str | None = None,
) -> tuple[Lang, float]:
    """The language of `text` and a confidence. Without a trained `model` only the letter and
    function-word evidence is used (what the risk rules and tests can rely on offline)."""
    return (model or LanguageIdentifier()).identify(text, prior, history=history, telegram_lang=telegram_lang)
