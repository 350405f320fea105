"""Language identification on short texts in every script (langid_cases.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from nlu.embedded import train_langid
from nlu.langid import (
    HISTORY_WEIGHT,
    PRIOR_WEIGHT,
    TELEGRAM_RU_WEIGHT,
    TELEGRAM_WEIGHT,
    LanguageIdentifier,
    identify,
    person_weights,
    telegram_language,
)
from nlu.languages import LANGS
from nlu.training_data import load_training_data

ROOT = Path(__file__).resolve().parents[2]
_CASES: dict[str, list[list[Any]]] = yaml.safe_load((Path(__file__).parent / "langid_cases.yaml").read_text("utf-8"))


def _params() -> list[Any]:
    """[text, want], [text, prior, want] or {text, want, prior?, history?, telegram_lang?}."""
    out = []
    for group, cases in _CASES.items():
        for case in cases:
            if isinstance(case, dict):
                text, prior, want = case["text"], case.get("prior"), case["want"]
                history, tl = tuple(case.get("history", ())), case.get("telegram_lang")
            else:
                text, prior, want = (case[0], None, case[1]) if len(case) == 2 else case
                history, tl = (), None
            out.append(pytest.param(text, prior, history, tl, want, id=f"{group}:{text}:{prior}:{history}:{tl}"))
    return out


@pytest.fixture(scope="module")
def model() -> LanguageIdentifier:
    """The language model as production trains it (with the Latin copies of the examples)."""
    data = load_training_data(ROOT / "nlu" / "data")
    if {e.lang for e in data.examples} != set(LANGS):
        pytest.skip("nlu/data does not have all three languages yet")
    return train_langid(data.examples)


@pytest.mark.parametrize(("text", "prior", "history", "telegram_lang", "want"), _params())
def test_case(
    model: LanguageIdentifier, text: str, prior: Any, history: tuple[str, ...], telegram_lang: Any, want: str
) -> None:
    lang, conf = model.identify(text, prior, history=history, telegram_lang=telegram_lang)
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


def test_the_old_signature_still_works(model: LanguageIdentifier) -> None:
    assert model.identify("маошамро намедиҳанд")[0] == "tg"
    assert model.identify("салом", "uz")[0] == "uz"
    assert identify("чӣ гап", "ru")[0] == "tg"


@pytest.mark.parametrize(
    ("code", "want"),
    [
        ("ru", "ru"),
        ("uz", "uz"),
        ("tg", "tg"),
        ("uz-UZ", "uz"),
        ("RU_ru", "ru"),
        ("en", None),
        ("", None),
        (None, None),
    ],
)
def test_telegram_language(code: str | None, want: str | None) -> None:
    assert telegram_language(code) == want


def test_person_weights_as_documented() -> None:
    tg, ru, uz = (LANGS.index(lang) for lang in ("tg", "ru", "uz"))
    assert list(person_weights(None)) == [1.0, 1.0, 1.0]
    assert person_weights("uz")[uz] == PRIOR_WEIGHT
    assert person_weights(None, ["tg", "tg", "tg"])[tg] == pytest.approx(HISTORY_WEIGHT)
    assert person_weights(None, ["tg"])[tg] == pytest.approx(HISTORY_WEIGHT ** (1 / 3))
    mixed = person_weights(None, ["tg", "uz", "tg", "tg"])
    assert mixed[tg] == pytest.approx(HISTORY_WEIGHT**0.75) and mixed[uz] == pytest.approx(HISTORY_WEIGHT**0.25)
    assert person_weights(None, ["uz"] * 50 + ["tg"] * 10)[tg] == pytest.approx(HISTORY_WEIGHT)  # the last 10
    assert list(person_weights(None, ["xx", None, "en"], "en")) == [1.0, 1.0, 1.0]  # unknown codes ignored
    assert person_weights(None, telegram_lang="tg")[tg] == TELEGRAM_WEIGHT
    assert person_weights(None, telegram_lang="ru")[ru] == TELEGRAM_RU_WEIGHT
    # Weaker than the stored language, even together.
    both = person_weights("uz", ["tg"] * 3)
    assert both[uz] > both[tg]


def test_no_letters_falls_back_on_the_weaker_priors(model: LanguageIdentifier) -> None:
    assert model.identify("👍", history=["tg", "tg"]) == ("tg", 0.0)
    assert model.identify("👍", telegram_lang="uz") == ("uz", 0.0)
    assert model.identify("👍", "ru", history=["tg"] * 5, telegram_lang="tg") == ("ru", 0.0)
    assert model.identify("👍") == ("ru", 0.0)


def test_a_shared_text_is_left_to_the_priors() -> None:
    """A text trained under two languages teaches nothing: any prior, even a weak one, decides."""
    tg = ["маош намедиҳанд", "кор мекунам", "патентро гирифтам"]
    ru = ["зарплату не платят", "где работа", "забрали паспорт"]
    uz = ["ish haqimni bermayapti", "menga yordam kerak", "pasportimni olishdi"]
    texts = ["салом", "салом", *tg, *ru, *uz]
    langs: list[Any] = ["tg", "ru"] + ["tg"] * 3 + ["ru"] * 3 + ["uz"] * 3
    model = LanguageIdentifier().fit(texts, langs)
    for lang in ("tg", "ru", "uz"):
        assert model.identify("салом", telegram_lang=lang)[0] == lang
        assert model.identify("Салом!", history=[lang] * 3)[0] == lang
