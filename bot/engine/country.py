"""Which country a person says they are in, so safety replies give that country's numbers.

Matched on the normalised text (one Latin skeleton for all scripts), so "Казахстан",
"Қазоқистон" and "Qozogʻistonda" meet. Only a few names: the person can also press a country
button under any safety reply.
"""

from __future__ import annotations

import re

from nlu.normalize import normalize

_COUNTRIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("KZ", re.compile(r"\b(?:ka[zs]a[hk]?stan|k[ao]z[ao][gk]?iston|kazakiston|almat|astan[ae]?\b|shymkent|chimkent)")),
    ("RU", re.compile(r"\b(?:ro[s]+i[yi]|rusiy|moskv|moskov|peterburg|piter\b|ekaterinburg|novosibirsk|kazan\b)")),
    # Countries without their own entry in safety.yaml get the OTHER text (112 where it works,
    # the local emergency number, the embassy) rather than Russia's numbers.
    ("OTHER", re.compile(r"\b(?:kore(?!n)|koriya|turts|turki|turkiy|angli|britan|velikobrit|"
                         r"germani|polsh|polsha|dubai|dubay|emirat|amirlik|ozbekiston|uzbekistan|"
                         r"tochikiston|tajikistan|tadzhikistan)")),
)


def mentioned_country(text: str) -> str | None:
    """The code of the one country the text names (a key of safety.yaml, or OTHER), or None
    when it names none or several."""
    folded = normalize(text[:2000])
    found = {code for code, pattern in _COUNTRIES if pattern.search(folded)}
    return found.pop() if len(found) == 1 else None
