"""Redaction before storage: what could identify a person never reaches the inbox table.

Card numbers, passport numbers, phone numbers, e-mail addresses, street addresses (street,
house, flat) and the name after "меня зовут / mening ismim / номи ман / исмим ..." are
replaced by a placeholder. Longer and more specific patterns run first (a card number is not
also read as a phone). Placeholders are plain words in angle brackets, so a redacted message
is still a good training example ("меня зовут <name>, где сделать патент").
"""

from __future__ import annotations

import re

NAME, PHONE, PASSPORT, CARD, ADDRESS, EMAIL = "<name>", "<phone>", "<passport>", "<card>", "<address>", "<email>"

_SEP = r"[ \t\-.]?"
_CARD = re.compile(rf"(?<!\d)(?:\d{{4}}{_SEP}){{3}}\d{{4}}(?:{_SEP}\d{{1,3}})?(?!\d)|(?<!\d)\d{{15,19}}(?!\d)")
# Russian internal passport "4509 123456"; Tajik, Uzbek and foreign passports "AA1234567",
# "FA 1234567", "АА 1234567" (Latin or Cyrillic series); a number right after the word.
_PASSPORT = re.compile(
    r"(?<!\w)(?:\d{2}[ \t]?\d{2}[ \t№#]{1,3}\d{6}|[A-ZА-ЯЁҚҒҲҶӮӢ]{1,2}[ \t№#]?\d{7,9}|"
    r"(?:паспорт\w*|pasport\w*|шиноснома\w*|шиносномаи|№)[ \t:№#]*[A-Za-zА-Яа-яЁё]{0,2}[ \t]?\d{6,10})(?!\w)",
    re.IGNORECASE)
# Phone numbers in the common formats of Russia, Tajikistan, Uzbekistan and Kazakhstan:
# +7 999 123-45-67, 8 (999) 123 45 67, +992 90 123 4567, 998901234567, 90-123-45-67.
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d \t\-().]{7,16}\d(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# "меня зовут Рустам Каримов", "mening ismim Dilnoza", "номи ман Фаррух аст", "исмим Ботир".
_NAME_CUE = (r"меня\s+зовут|моё\s+имя|мое\s+имя|моя\s+фамилия|я\s+—|mening\s+ismim|ismim|"
             r"менинг\s+исмим|исмим|номи\s+ман|номам|nomi\s+man|nomam|zovut\s+menya|menya\s+zovut|"
             r"фамилияи\s+ман|familiyam|фамилиям")
_WORD = r"[^\W\d_][\w'ʻ’`-]*"
_NAME = re.compile(rf"(?i:\b(?:{_NAME_CUE})\b)([ \t:,-]+)({_WORD})((?:[ \t]+[A-ZА-ЯЁҚҒҲҶӮӢЎ][\w'ʻ’`-]*){{0,2}})")
_STREET_WORD = (r"ул\.|улица|улице|улицы|пр-т|проспект\w*|переул\w*|пер\.|шоссе|бульвар\w*|"
                r"мкр\.?|микрорайон\w*|ko['ʻ’`]?chasi|kuchasi|кўчаси|кучаси|кӯчаи|кучаи|mahalla\w*|"
                r"маҳалла\w*|махалла\w*|tor\s+ko['ʻ’`]?cha")
_STREET = re.compile(rf"(?i:(?:{_STREET_WORD}))(?:[ \t]*[\w'ʻ’`.-]+){{0,3}}?[ \t,]*\d+[\w/]*|"
                     rf"(?<!\w)[A-ZА-ЯЁҚҒҲҶӮӢЎ][\w'ʻ’`-]+[ \t]+(?i:(?:{_STREET_WORD}))(?:[ \t,]*\d+[\w/]*)?")
_HOUSE = re.compile(r"(?i)(?<!\w)(?:дом|д\.|кв\.?|квартира|корпус|корп\.|стр\.|uy|xonadon|kv\.?|хонаи|"
                    r"хонадон|бинои)[ \t]*№?[ \t]*\d+[\w/]*")


def _name(match: re.Match[str]) -> str:
    cue = match.group(0)[: match.start(1) - match.start(0)]
    return f"{cue}{match.group(1)}{NAME}"


def redact(text: str) -> str:
    """The text with identifying details replaced by placeholders."""
    text = _EMAIL.sub(EMAIL, text)
    text = _CARD.sub(CARD, text)
    text = _PASSPORT.sub(PASSPORT, text)
    text = _PHONE.sub(lambda m: PHONE if sum(ch.isdigit() for ch in m.group(0)) >= 7 else m.group(0), text)
    text = _NAME.sub(_name, text)
    text = _STREET.sub(ADDRESS, text)
    return _HOUSE.sub(ADDRESS, text)
