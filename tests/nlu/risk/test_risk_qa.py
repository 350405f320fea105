"""Messages a QA pass found, read with the classifier's ranking they got at the time.

cases.yaml runs the rules alone; several of these false alarms came from the classifier,
which does not see that the passport was returned, that an office keeps it for processing,
or that a cockroach is not a person. The rules must explain them away.
"""

from __future__ import annotations

import pytest

from nlu.risk.detector import RiskDetector
from nlu.risk.model import Indicator, RiskLevel


@pytest.mark.parametrize(("text", "intent", "conf"), [
    ("хозяин вернул паспорт", "rights_passport_taken", 1.0),
    ("я забрал свой паспорт у работодателя, теперь всё хорошо", "rights_passport_taken", 1.0),
    ("я забрал паспорт из консульства, что дальше", "rights_passport_taken", 0.88),
    ("Отдал паспорт в ММЦ на патент, когда вернут?", "rights_passport_taken", 0.86),
    ("Паспорт забрали в консульстве на замену, когда вернут?", "rights_passport_taken", 0.99),
    ("как убить таракана в общежитии", "risk_violence", 0.98),
    ("убил весь день в очереди на патент", "docs_patent", 1.0),
    ("в миграционном центре не выпускают без справки?", "risk_confinement", 0.99),
    ("я не хочу жить в общежитии, где найти квартиру", "risk_self_harm", 0.89),
    ("Паспорт мой истекает, как продлить?", "rights_passport_taken", 0.8),
    ("Паспортамро аз консулгарӣ гирифтам, баъд чӣ кор кунам", "rights_passport_taken", 0.65),
    ("Pasportimni konsullikdan oldim, endi nima qilay", "rights_passport_taken", 0.66),
    ("politsiya meni ushlab oldi, hujjatlarimni tekshirdi", "rights_police", 1.0),
    # the same patterns, other words
    ("мне вернули паспорт вчера", "rights_passport_taken", 0.99),
    ("забрал паспорт в посольстве, он готов", "rights_passport_taken", 1.0),
    ("Корфармо шиносномаамро баргардонд", "rights_passport_taken", 1.0),
    ("шиноснома дар ММЦ аст, кай медиҳанд", "rights_passport_taken", 0.94),
    ("xo'jayin pasportimni qaytarib berdi", "rights_passport_taken", 1.0),
    ("pasportimni xo'jayindan olib ketdim", "rights_passport_taken", 1.0),
    ("не хочу жить в Москве, хочу в Казань", "risk_self_harm", 0.99),
    ("дар хобгоҳ зиндагӣ кардан намехоҳам", "risk_self_harm", 1.0),
    ("yotoqxonada yashashni xohlamayman", "risk_self_harm", 1.0),
    ("tarakanlarni qanday o'ldiraman", "risk_violence", 0.9),
])
def test_false_alarms_stay_quiet(detector: RiskDetector, text: str, intent: str,
                                 conf: float) -> None:
    got = detector.assess(text, "ru", ranking=[(intent, conf)])
    assert got.level is RiskLevel.NONE, got.to_dict()


@pytest.mark.parametrize(("text", "intent"), [
    # a negated reassurance does not reassure
    ("паспорт так и не вернули", "rights_passport_taken"),
    ("хӯҷаин шиносномаамро пас надод", "rights_passport_taken"),
    ("xo'jayin pasportimni qaytarib bermadi", "rights_passport_taken"),
    # an office or the police further away does not explain the employer's act
    ("хозяин забрал паспорт, что делать, идти в консульство?", "rights_passport_taken"),
    ("корфармо шиносномаамро гирифт, аз полис метарсам", "rights_passport_taken"),
    ("не хочу жить в этом мире", "risk_self_harm"),
    ("хозяин бил меня весь день", "risk_violence"),
])
def test_real_danger_stays_high(detector: RiskDetector, text: str, intent: str) -> None:
    got = detector.assess(text, "ru", ranking=[(intent, 0.9)])
    assert got.level is RiskLevel.HIGH, got.to_dict()


@pytest.mark.parametrize("text", [
    "Ish haqimni 2 oydan beri bermayapti",
    "Oyligimni bermayapti 3 oydan beri",
    "oylik bermayapti",
    "зарплату хозяин мне уже 2 месяца не отдаёт",
    "маошамро ду моҳ боз намедиҳад",
])
def test_withheld_wages_are_elevated_in_every_form(detector: RiskDetector, text: str) -> None:
    got = detector.assess(text, "uz", ranking=[("rights_unpaid_wages", 1.0)])
    assert got.level is RiskLevel.ELEVATED
    assert got.indicators == (Indicator.WITHHOLDING_OF_WAGES,)


@pytest.mark.parametrize(("text", "level", "indicator"), [
    ("they took my passport", RiskLevel.HIGH, Indicator.RETENTION_OF_DOCUMENTS),
    ("I want to die", RiskLevel.HIGH, Indicator.SELF_HARM),
    ("I will kill myself", RiskLevel.HIGH, Indicator.SELF_HARM),
    ("we are locked in", RiskLevel.HIGH, Indicator.RESTRICTION_OF_MOVEMENT),
    ("they beat me", RiskLevel.HIGH, Indicator.PHYSICAL_SEXUAL_VIOLENCE),
    ("forced to have sex", RiskLevel.HIGH, Indicator.SEXUAL_EXPLOITATION),
    ("help me please", RiskLevel.ELEVATED, Indicator.ABUSE_OF_VULNERABILITY),
])
def test_english_reports(detector: RiskDetector, text: str, level: RiskLevel,
                         indicator: Indicator) -> None:
    # The classifier knows no English: its guess is noise ("goodbye", "out_of_scope").
    got = detector.assess(text, "ru", ranking=[("goodbye", 0.99)])
    assert (got.level, got.indicators[0]) == (level, indicator)


@pytest.mark.parametrize("text", [
    "what are the signs of forced labour",
    "how to protect myself from trafficking",
    "how long does it take to get a passport",
    "I got my passport back from the embassy",
])
def test_english_questions_stay_quiet(detector: RiskDetector, text: str) -> None:
    assert detector.assess(text, "ru").level is RiskLevel.NONE
