"""Language codes, in one place.

Code and interfaces use the codes that Telegram and Babel use (`tg`, `ru`, `uz`). Only the
content folder for Tajik is named `tj` (the product's design card): `content_folder()` is the
one place that maps between the two.
"""

from __future__ import annotations

from typing import Final, Literal, TypeGuard

Lang = Literal["tg", "ru", "uz"]

LANGS: Final[tuple[Lang, ...]] = ("tg", "ru", "uz")

_CONTENT_FOLDERS: Final[dict[str, str]] = {"tg": "tj", "ru": "ru", "uz": "uz"}

# Native names, shown on the language picker in every language.
NATIVE_NAMES: Final[dict[str, str]] = {"tg": "Тоҷикӣ", "ru": "Русский", "uz": "Oʻzbekcha"}


def is_lang(value: object) -> TypeGuard[Lang]:
    return isinstance(value, str) and value in LANGS


def content_folder(lang: Lang) -> str:
    """The folder under `content/` that holds a language's files."""
    return _CONTENT_FOLDERS[lang]


def lang_of_folder(folder: str) -> Lang | None:
    """The language code of a content folder name, or None for an unknown folder."""
    for code, name in _CONTENT_FOLDERS.items():
        if name == folder and is_lang(code):
            return code
    return None
