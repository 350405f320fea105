"""One canonical, language-independent form of a user's message.

The same function prepares training examples, incoming messages and risk-rule patterns, so
whatever spelling a migrant uses lands on the same string as the examples it was trained on.

The result is a lower-case Latin *skeleton*, not a readable transliteration:

- Unicode NFC, then case folding.
- Every apostrophe variant (' ‘ ’ ` ʻ ʼ ´ …) is one apostrophe and that apostrophe is then
  dropped, so Uzbek "oʻ", "o'", "o‘" and the "o" people type without it all meet, as do
  "gʻ"/"g'"/"g". Uzbek Cyrillic ъ (tutuq belgisi) and Russian ъ/ь are dropped the same way.
- Cyrillic (Russian, Uzbek, Tajik) is transliterated to Latin along Uzbek Latin spelling, so
  Uzbek Cyrillic and Uzbek Latin meet: ш->sh, ч->ch, ў->o, ғ->g, ҳ->h, ё->yo, я->ya, ю->yu,
  word-initial е->ye (Uzbek "ер" = "yer").
- Folds chosen so that what people really type meets the proper spelling:
  * Tajik on a Russian keyboard: ӣ=и (i), ӯ=у (u), ҳ=х (h), қ=к (k), ғ=г (g), ҷ=ч (ch).
  * Latin q=k (Uzbek q = Cyrillic қ, which Tajiks type as к); Latin x=kh=h (Uzbek x = х,
    Tajik х/ҳ are typed interchangeably); Latin gh=g (Latin Tajik ғ); Latin zh=ж (Russian
    typed in Latin letters).
  * ж, ҷ, ч and Latin j are one sound class "ch": Tajik ҷ is typed ч on Russian keyboards and
    j in Latin letters, and Uzbek Cyrillic ж is Latin j.
  * Latin letters with diacritics lose them (š->sh, č->ch, ğ->g, ī->i, ö->o, ...).
  * Runs of a repeated letter collapse to one ("assalom" = "asalom", "spasibooo" = "spasibo").
    Digits are never collapsed.
  * Latin look-alikes typed inside a Cyrillic word (p, c, y) are read as Cyrillic (р, с, у).
- Punctuation, symbols, emoji and control characters become spaces; digits are kept;
  zero-width characters and soft hyphens are removed; whitespace is collapsed.

Known limit: Uzbek ў typed as Cyrillic у gives "u", not "o"; the classifier's character
n-grams absorb it, the normaliser cannot without knowing the language.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_APOSTROPHES: Final = "'‘’`ʻʼ´ʹʽ′‛＇ꞌ"  # every variant people type

_CYRILLIC: Final[dict[str, str]] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "ch",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye",
    # Uzbek
    "ў": "o", "қ": "k", "ғ": "g", "ҳ": "h",
    # Tajik (ҳ, қ, ғ shared with Uzbek)
    "ӣ": "i", "ӯ": "u", "ҷ": "ch",
    # Kazakh/Kyrgyz letters that migrants' phones sometimes offer
    "ң": "n", "ө": "o", "ү": "u", "ұ": "u", "һ": "h", "ә": "a",
}  # fmt: skip

# Latin letters whose diacritic-free base would not be what people mean.
_LATIN_SPECIAL: Final[dict[str, str]] = {
    "š": "sh", "ş": "sh", "ș": "sh", "č": "ch", "ç": "ch", "ž": "ch", "ǰ": "ch",
    "ğ": "g", "ǧ": "g", "ı": "i", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d",
    "ł": "l", "q": "k", "x": "h", "j": "ch",
}  # fmt: skip

# Characters that should vanish without splitting a word.
_INVISIBLE: Final = "\u00ad\u200b\u200c\u200d\u2060\ufeff"

_CYR_HOMOGLYPHS: Final = str.maketrans({"p": "р", "c": "с", "y": "у"})
_CYR_LETTER = re.compile(r"[а-яёіїєўқғҳӣӯҷңөүұһә]")
_MIXED_WORD = re.compile(r"[^\W\d_]*[а-яёіїєўқғҳӣӯҷңөүұһә][^\W\d_]*")
_INITIAL_YE = re.compile(r"(?<![^\W\d_])е")
_DIGRAPHS = re.compile(r"kh|gh|zh")
_DIGRAPH_FOLD: Final[dict[str, str]] = {"kh": "h", "gh": "g", "zh": "ch"}
_REPEATS = re.compile(r"([^\W\d_])\1+")
_NON_WORD = re.compile(r"[\W_]+")


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    # Latin-1 Supplement, Extended-A/B and Extended Additional: strip diacritics.
    for start, end in ((0x00C0, 0x024F), (0x1E00, 0x1EFF)):
        for cp in range(start, end + 1):
            ch = chr(cp)
            if not ch.isalpha():
                continue
            base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
            if base.isascii() and base.isalpha():
                table[cp] = base.lower()
    for src, dst in _LATIN_SPECIAL.items():
        table[ord(src)] = dst
    for src, dst in _CYRILLIC.items():
        table[ord(src)] = dst
    for cp in range(0x0300, 0x0370):  # stray combining marks left after NFC
        table[cp] = None
    for ch in _APOSTROPHES + _INVISIBLE:
        table[ord(ch)] = None
    # ASCII letters that must fold (q, x, j) are covered by _LATIN_SPECIAL above.
    return table


_TABLE: Final = _build_table()


def _fix_homoglyphs(match: re.Match[str]) -> str:
    return match.group(0).translate(_CYR_HOMOGLYPHS)


def normalize(text: str) -> str:
    """The canonical form of `text` (see the module docstring). Pure and deterministic."""
    s = unicodedata.normalize("NFC", text).casefold()
    if _CYR_LETTER.search(s):
        if not s.isascii() and re.search(r"[pcy]", s):
            s = _MIXED_WORD.sub(_fix_homoglyphs, s)
        s = _INITIAL_YE.sub("yе", s)
    s = s.translate(_TABLE)
    s = _DIGRAPHS.sub(lambda m: _DIGRAPH_FOLD[m.group(0)], s)
    s = _REPEATS.sub(r"\1", s)
    s = _NON_WORD.sub(" ", s)
    return s.strip()


def tokenize(text: str) -> list[str]:
    """The words of the canonical form."""
    return normalize(text).split()
