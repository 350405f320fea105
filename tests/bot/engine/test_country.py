from __future__ import annotations

import pytest

from bot.engine.country import mentioned_country


@pytest.mark.parametrize("text,country", [
    ("меня заперли, я в Казахстане", "KZ"),
    ("Qozogʻistonda ishlayman", "KZ"),
    ("Мен Қазоқистондаман", "KZ"),
    ("ман дар Алмаато кор мекунам", "KZ"),
    ("я в Москве, хозяин бьёт", "RU"),
    ("Rossiyada ishlayapman", "RU"),
    ("Я в Корее, хозяин фермы забрал паспорт", "OTHER"),
    ("Janubiy Koreyada ishlayman", "OTHER"),
    ("я в Турции", "OTHER"),
    ("как получить патент", None),
    ("казахстан или россия, где лучше", None),
    ("", None),
])
def test_mentioned_country(text: str, country: str | None) -> None:
    assert mentioned_country(text) == country
