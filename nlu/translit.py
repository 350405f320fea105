"""Russian, Tajik and Uzbek Cyrillic written the way people type them in Latin letters.

Not a standard romanisation: migrants on a phone without a Cyrillic keyboard write "zarplatu
ne platyat", "skolko stoit patent", "pasportamro giriftand". The language identifier learns
those spellings from Latin copies of the Cyrillic training examples made here (nothing is
downloaded). Uzbek Cyrillic examples get Latin copies too, so that the Latin Uzbek the model
sees keeps pace with the Latin Russian and Tajik.

People do not agree on a scheme (ж: zh, j or z; х: kh, h or x; я: ya, ia or ja; ь: ' or
nothing), so each letter with several common spellings gets one chosen per text, from a hash
of the text and a seed: training is reproducible, a set of examples covers every spelling,
and a second seed gives different choices for a cross-check.

    >>> russian_to_latin("Зарплату не платят")
    'Zarplatu ne platyat'
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Final

Scheme = Mapping[str, str]

# Letters spelled the same by everyone (shared by both languages).
_FIXED: Final[dict[str, str]] = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "з": "z", "и": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "ш": "sh", "ч": "ch", "э": "e",
}  # fmt: skip

# Russian letters with several spellings in common use, each with its options.
RUSSIAN_OPTIONS: Final[dict[str, tuple[str, ...]]] = {
    "ж": ("zh", "j", "z"),
    "х": ("kh", "h", "x"),
    "ц": ("ts", "c", "tc"),
    "щ": ("shch", "sch", "sh"),
    "ы": ("y", "i"),
    "й": ("y", "i", "j"),
    "ь": ("", "'"),
    "ъ": ("", "'"),
    "я": ("ya", "ia", "ja"),
    "ю": ("yu", "iu", "ju"),
    "ё": ("yo", "e", "jo"),
    "е": ("e",),
    "е-": ("e", "ye"),  # word-initial е ("est'" or "yest'")
}

# Tajik letters: the Tajik-only ones fold to their plain Latin sound (ҷ j, ӣ i, ӯ u, ҳ h);
# Russian letters that Tajiks type (ж, ц, щ, ы) follow Russian habits.
TAJIK_OPTIONS: Final[dict[str, tuple[str, ...]]] = {
    "ҷ": ("j",),
    "ӣ": ("i",),
    "ӯ": ("u",),
    "ҳ": ("h",),
    "қ": ("q", "k"),
    "ғ": ("gh", "g"),
    "х": ("kh", "h", "x"),
    "ж": ("zh", "j"),
    "ц": ("ts", "c"),
    "щ": ("sh",),
    "ы": ("y", "i"),
    "й": ("y", "i"),
    "ь": ("",),
    "ъ": ("", "'"),
    "я": ("ya",),
    "ю": ("yu",),
    "ё": ("yo",),
    "е": ("e",),
    "е-": ("e", "ye"),
}

# Uzbek Cyrillic to the Latin alphabet Uzbeks use (o' g' q x sh ch), with the apostrophe
# variants they type; unlike the others this one is an official, near one-to-one mapping.
UZBEK_OPTIONS: Final[dict[str, tuple[str, ...]]] = {
    "ў": ("o'", "o`", "o"),
    "ғ": ("g'", "g`", "g"),
    "қ": ("q",),
    "ҳ": ("h",),
    "х": ("x",),
    "ж": ("j",),
    "ц": ("s", "ts"),
    "щ": ("sh",),
    "ы": ("i",),
    "й": ("y",),
    "ь": ("",),
    "ъ": ("'", ""),
    "я": ("ya",),
    "ю": ("yu",),
    "ё": ("yo",),
    "е": ("e",),
    "е-": ("ye",),
}

# What a letter missing from a scheme becomes: its first (most common) spelling.
_DEFAULTS: Final[dict[str, str]] = {
    **{letter: spellings[0] for letter, spellings in (UZBEK_OPTIONS | TAJIK_OPTIONS | RUSSIAN_OPTIONS).items()},
    **_FIXED,
}
_LETTERS: Final = frozenset(letter for letter in _DEFAULTS if len(letter) == 1)


def choose_scheme(text: str, options: Mapping[str, tuple[str, ...]], seed: int = 0) -> dict[str, str]:
    """One spelling per letter, picked by a hash of `text` and `seed` (stable across runs and
    machines, unlike `hash`)."""
    digest = hashlib.blake2b(f"{seed}\0{text}".encode(), digest_size=32).digest()
    scheme: dict[str, str] = {}
    for i, (letter, spellings) in enumerate(sorted(options.items())):
        scheme[letter] = spellings[digest[i % len(digest)] % len(spellings)]
    return scheme


def transliterate(text: str, scheme: Scheme) -> str:
    """`text` with every Russian/Tajik Cyrillic letter spelled by `scheme` (a letter it does
    not name gets its usual spelling); anything else is kept. A capital stays a capital."""
    out: list[str] = []
    previous = " "
    for ch in text:
        low = ch.lower()
        if low not in _LETTERS:
            out.append(ch)
            previous = ch
            continue
        initial = not previous.isalpha()
        latin = scheme.get(low + "-", scheme.get(low)) if initial and low == "е" else scheme.get(low)
        if latin is None:
            latin = _DEFAULTS[low]
        if ch != low and latin:
            latin = latin[0].upper() + latin[1:]
        out.append(latin)
        previous = ch
    return "".join(out)


def russian_to_latin(text: str, seed: int = 0) -> str:
    """Russian as it is typed in Latin letters, one scheme per (text, seed)."""
    return transliterate(text, choose_scheme(text, RUSSIAN_OPTIONS, seed))


def tajik_to_latin(text: str, seed: int = 0) -> str:
    """Tajik as Tajiks type it in Latin letters, one scheme per (text, seed)."""
    return transliterate(text, choose_scheme(text, TAJIK_OPTIONS, seed))


def uzbek_to_latin(text: str, seed: int = 0) -> str:
    """Uzbek Cyrillic in the Uzbek Latin alphabet, one apostrophe habit per (text, seed)."""
    return transliterate(text, choose_scheme(text, UZBEK_OPTIONS, seed))


def has_cyrillic(text: str) -> bool:
    """Whether there is anything to transliterate."""
    return any(ch.lower() in _LETTERS for ch in text)
