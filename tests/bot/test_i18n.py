"""Interface strings: every message is translated in every language and placeholders match."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, Catalogs

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@pytest.mark.parametrize("lang", ["tg", "ru", "uz"])
def test_every_message_translated(lang: str) -> None:
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        string = message.string if isinstance(message.string, str) else message.string[0]
        assert string, f"{lang}: {msgid!r} has no translation"
        assert set(_PLACEHOLDER.findall(msgid)) == set(_PLACEHOLDER.findall(string)), msgid


def test_catalogs_load_and_translate() -> None:
    catalogs = Catalogs.load()
    assert catalogs["ru"]("Not now") == "Не сейчас"
    assert catalogs["tg"]("Your place in the queue: {position}.", position=3).endswith("3.")
