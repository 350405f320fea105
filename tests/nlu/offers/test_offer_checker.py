"""The job-offer checker: the labelled ads per language (per-flag precision and recall, the
acceptance figures of issue 17), the editors' files and cases, and the details of reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.languages import LANGS
from nlu.offers import FLAG_IDS, OfferChecker
from nlu.offers.check import check_offers
from nlu.offers.evaluate import evaluate, load_ads
from nlu.offers.report import main as report_main

ROOT = Path(__file__).resolve().parents[3]
ADS = Path(__file__).resolve().parent
MIN_ADS = 60
MIN_SCORE = 0.90
MIN_SUPPORT = 5  # every flag appears in enough ads of every language to be measured


@pytest.fixture(scope="module")
def checker() -> OfferChecker:
    return OfferChecker.load(ROOT / "content")


def test_editors_files_load_and_their_cases_hold() -> None:
    problems = [str(p) for p in check_offers(ROOT / "content") if p.is_error]
    assert problems == []


@pytest.mark.parametrize("lang", LANGS)
def test_per_flag_precision_and_recall(checker: OfferChecker, lang: str) -> None:
    report = evaluate(checker, load_ads(ADS / f"ads_{lang}.yaml"), lang, FLAG_IDS)
    assert report.offers >= MIN_ADS
    low = {fid: (s.tp + s.fn, round(s.precision, 2), round(s.recall, 2)) for fid, s in report.flags.items()
           if s.precision < MIN_SCORE or s.recall < MIN_SCORE or s.tp + s.fn < MIN_SUPPORT}
    assert low == {}, f"{lang}: flags below {MIN_SCORE} (support, P, R): {low}"
    assert report.offer.precision >= MIN_SCORE and report.offer.recall >= MIN_SCORE


def test_report_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert report_main([]) == 0
    out = capsys.readouterr().out
    assert "| ru | fee_before_departure |" in out and "| uz | warning_list |" in out


def test_each_flag_names_the_words_that_triggered_it(checker: OfferChecker) -> None:
    reading = checker.read("Требуются грузчики\nПредоплата 5000 руб за оформление\n"
                           "Паспорт сдаёте менеджеру\nВыезд завтра\nЗП 90 000 руб\nWhatsApp +7 926 123-45-67")
    words = {f.id: f.words for f in reading.flags}
    assert reading.is_offer
    assert any("Предоплата" in w for w in words["fee_before_departure"])
    assert words["passport_to_manager"] == ("Паспорт сдаёте менеджеру",)
    assert words["pressure_to_leave"] == ("Выезд завтра",)
    assert words["messenger_only"] == ("WhatsApp",)
    assert "pay_above_usual" not in words  # 90 000 roubles is usual pay for a loader
    assert set(reading.missing) == {"employer_name", "address", "contract", "licence_number"}


def test_a_phone_number_is_never_pay_and_negated_fees_do_not_count(checker: OfferChecker) -> None:
    reading = checker.read("Требуются упаковщики\nБез предоплаты, оформление бесплатно\n"
                           "Зарплата 70 000 руб\nЗвоните +7 926 999 99 99")
    assert reading.is_offer
    assert "fee_before_departure" not in reading.flag_ids
    assert "pay_above_usual" not in reading.flag_ids


def test_the_language_of_the_ad_does_not_matter(checker: OfferChecker) -> None:
    """Every language's rules run on every message: an Uzbek Cyrillic ad, a Tajik line in a
    Russian ad."""
    uz = checker.read("Ишга одамлар керак\nПаспортни менежерга топширасиз\nОйлик 80 000 рубл\n+7 926 000-00-00")
    mixed = checker.read("Требуются грузчики, Москва\nШиносномаро ба менеҷер месупоред\nЗП 80 000 руб\n"
                         "Тел +7 926 000-00-00")
    assert "passport_to_manager" in uz.flag_ids and "passport_to_manager" in mixed.flag_ids


def test_a_question_about_an_offer_is_not_an_offer_but_a_forwarded_ad_is(checker: OfferChecker) -> None:
    question = "Работодатель требует 5000 рублей за оформление, это законно?"
    assert not checker.read(question).is_offer
    assert checker.read("Работа в Москве, билет вычтем из зарплаты", forwarded=True).is_offer
    assert not checker.read("Смотри какой смешной кот", forwarded=True).is_offer
