"""The interface the bot uses: any input gives a valid result; hints, priors, verdicts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlu.config import NLUSettings
from nlu.languages import LANGS
from nlu.rasa_backend import RasaNLU
from nlu.service import EmbeddedNLU, ParseResult, build_nlu, close_nlu

BAD_INPUTS = [
    "",
    "   \n\t ",
    "😀👍🇹🇯",
    "\x00\x01\x02\x1b[31m\x7f",
    "\u202e\u200b\ufeff",
    "a" * 100_000,
    "мне не платят " * 10_000,
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "ʻʼ‘’`´'",
    "-----",
    "0" * 5000,
]


def _valid(result: ParseResult) -> None:
    assert result.lang in LANGS
    assert 0.0 <= result.lang_confidence <= 1.0
    assert result.ranking, "the ranking is never empty"
    assert all(0.0 <= score <= 1.0 for _, score in result.ranking)
    scores = [score for _, score in result.ranking]
    assert scores == sorted(scores, reverse=True)
    assert result.backend == "embedded"


@pytest.mark.parametrize("text", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
async def test_bad_input_gives_a_valid_result(fixture_nlu: EmbeddedNLU, text: str) -> None:
    _valid(await fixture_nlu.parse(text))
    _valid(await fixture_nlu.parse(text, prior="uz"))


@pytest.mark.parametrize("text", ["", "   ", "😀", "\x00\x07", "!!!"])
async def test_nothing_to_understand_is_out_of_scope(fixture_nlu: EmbeddedNLU, text: str) -> None:
    result = await fixture_nlu.parse(text, prior="tg")
    assert result.ranking == (("out_of_scope", 1.0),)
    assert result.lang == "tg"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_text(fixture_nlu: EmbeddedNLU, text: str) -> None:
    _valid(fixture_nlu.parse_sync(text))


async def test_lang_hint_is_taken_as_is(fixture_nlu: EmbeddedNLU) -> None:
    result = await fixture_nlu.parse("мне не платят зарплату", lang_hint="uz")
    assert (result.lang, result.lang_confidence) == ("uz", 1.0)
    assert result.topic == "rights_unpaid_wages"


async def test_detected_language(fixture_nlu: EmbeddedNLU) -> None:
    assert (await fixture_nlu.parse("маошамро намедиҳанд")).lang == "tg"
    assert (await fixture_nlu.parse("ish haqimni bermayapti")).lang == "uz"


async def test_build_nlu_for_each_backend(tmp_path: Path, fixture_data: Path) -> None:
    embedded = build_nlu(NLUSettings(data_dir=fixture_data, cache_dir=tmp_path))
    assert isinstance(embedded, EmbeddedNLU)
    rasa = build_nlu(NLUSettings(backend="rasa", data_dir=fixture_data, cache_dir=tmp_path))
    assert isinstance(rasa, RasaNLU)
    await close_nlu(rasa)
    await close_nlu(embedded)


def test_settings_from_the_environment_shape() -> None:
    settings = NLUSettings.model_validate({"backend": "rasa", "rasa_url": "http://127.0.0.1:5006"})
    assert settings.backend == "rasa"
    with pytest.raises(ValueError, match="backend"):
        NLUSettings.model_validate({"backend": "gpt"})
