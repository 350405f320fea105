"""The whole path against a live Rasa server trained on the project's data.

Runs only when HAMROH_RASA_LIVE_URL is set (e.g. http://127.0.0.1:5005 after
`nlu/rasa/setup.sh && nlu/rasa/serve.sh`); `make test-rasa` sets it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nlu.config import NLUSettings
from nlu.languages import Lang
from nlu.rasa_backend import RasaNLU
from nlu.service import build_nlu, close_nlu

LIVE_URL = os.environ.get("HAMROH_RASA_LIVE_URL")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not LIVE_URL, reason="HAMROH_RASA_LIVE_URL is not set: no live Rasa server to test against"
)


@pytest.fixture
async def nlu(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RasaNLU]:
    settings = NLUSettings(
        backend="rasa",
        rasa_url=LIVE_URL or "",
        rasa_timeout_s=5.0,  # the first parse after start-up can be slow
        data_dir=ROOT / "nlu" / "data",
        cache_dir=ROOT / ".cache" / "nlu",
    )
    built = build_nlu(settings)
    assert isinstance(built, RasaNLU)
    yield built
    await close_nlu(built)


@pytest.mark.parametrize(
    ("text", "topic", "lang"),
    [
        ("мне не платят зарплату уже два месяца", "rights_unpaid_wages", "ru"),
        ("работодатель забрал мой паспорт", "rights_passport_taken", "ru"),
        ("патентро чӣ тавр гирам", "docs_patent", "tg"),
        ("ish beruvchi pasportimni olib qoydi", "rights_passport_taken", "uz"),
        ("салом", "greet", "tg"),
    ],
)
async def test_live_parse(nlu: RasaNLU, text: str, topic: str, lang: Lang) -> None:
    result = await nlu.parse(text, prior=lang)
    assert result.backend == "rasa"
    assert result.topic == topic
    assert result.lang == lang


async def test_live_garbage_input(nlu: RasaNLU) -> None:
    result = await nlu.parse("\x00😀" + "ы" * 3000)
    assert result.backend == "rasa"
    assert result.ranking
