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
)


def mentioned_country(text: str) -> str | None:
    """The ISO code of the one country the text names, or None when none or several."""
    folded = normalize(text[:2000])
    found = {code for code, pattern in _COUNTRIES if pattern.search(folded)}
    return found.pop() if len(found) == 1 else None
