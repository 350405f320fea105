"""Language identification on short texts in every script (langid_cases.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from nlu.langid import LanguageIdentifier, identify
from nlu.languages import LANGS
from nlu.training_data import load_training_data

ROOT = Path(__file__).resolve().parents[2]
_CASES: dict[str, list[list[Any]]] = yaml.safe_load((Path(__file__).parent / "langid_cases.yaml").read_text("utf-8"))


def _params() -> list[Any]:
    out = []
    for group, cases in _CASES.items():
        for case in cases:
            text, prior, want = (case[0], None, case[1]) if len(case) == 2 else case
            out.append(pytest.param(text, prior, want, id=f"{group}:{text}:{prior}"))
    return out


@pytest.fixture(scope="module")
def model() -> LanguageIdentifier:
    data = load_training_data(ROOT / "nlu" / "data")
    if {e.lang for e in data.examples} != set(LANGS):
        pytest.skip("nlu/data does not have all three languages yet")
    return LanguageIdentifier().fit([e.text for e in data.examples], [e.lang for e in data.examples])


@pytest.mark.parametrize(("text", "prior", "want"), _params())
def test_case(model: LanguageIdentifier, text: str, prior: Any, want: str) -> None:
    lang, conf = model.identify(text, prior)
    assert lang == want
    assert 0.0 < conf <= 1.0


@pytest.mark.parametrize("text", ["", "   ", "😀👍", "12345", "\x00\x07", "!!!"])
def test_no_letters_keeps_the_prior(model: LanguageIdentifier, text: str) -> None:
    assert model.identify(text, "uz") == ("uz", 0.0)
    assert model.identify(text)[0] in LANGS


@pytest.mark.parametrize(
    ("text", "want"), [("чӣ гап", "tg"), ("ҷой", "tg"), ("ўзим", "uz"), ("вы", "ru"), ("мекунам", "tg")]
)
def test_without_a_model_letters_and_words_decide(text: str, want: str) -> None:
    assert identify(text)[0] == want


def test_long_text_is_fast_enough(model: LanguageIdentifier) -> None:
    lang, _ = model.identify("мне не платят зарплату " * 10_000)
    assert lang == "ru"


def test_a_russian_loanword_alone_is_russian_for_a_stranger() -> None:
    """With no prior and nothing Tajik or Uzbek in it, a lone loanword is answered in Russian."""
    from nlu.langid import LanguageIdentifier

    tg = ["патент гирам", "патент чанд пул аст", "регистрация куҷо мекунанд", "маош намедиҳанд", "патент гирифтам"]
    ru = ["как получить патент", "где сделать регистрацию", "зарплату не платят", "сколько стоит", "помогите"]
    uz = ["patent qancha turadi", "патент қанча туради", "регистрация қилиш", "иш ҳақи бермаяпти", "ish haqi"]
    model = LanguageIdentifier().fit(tg + ru + uz, ["tg"] * 5 + ["ru"] * 5 + ["uz"] * 5)
    for word in ("патент", "регистрация"):
        assert model.identify(word)[0] == "ru", word
    assert model.identify("патент", prior="tg")[0] == "tg"  # a known person keeps their language
