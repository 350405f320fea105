"""Interface strings (menus, buttons, prompts, errors) from gettext catalogs under Babel.

The `.po` files in bot/locales are the source; `make` compiles them to `.mo` (pybabel
compile). The same catalogs serve aiogram's I18n middleware (same folder, same domain).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.support import NullTranslations, Translations

from nlu.languages import LANGS, Lang

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"


class CatalogNotCompiled(RuntimeError):
    pass


def _load(lang: Lang, locales_dir: Path) -> NullTranslations:
    mo = locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.exists():
        raise CatalogNotCompiled(
            f"{mo} is missing: compile the catalogs with `make compile` "
            f"(pybabel compile -d {locales_dir} -D {DOMAIN})")
    with mo.open("rb") as fh:
        read_mo(fh)  # fail early on a corrupt file
    with mo.open("rb") as fh:
        return Translations(fh, domain=DOMAIN)


@dataclass(frozen=True)
class Translator:
    lang: Lang
    _t: NullTranslations

    def __call__(self, message: str, **kwargs: object) -> str:
        text = self._t.gettext(message)
        return text.format(**kwargs) if kwargs else text

    def plural(self, singular: str, plural: str, n: int, **kwargs: object) -> str:
        return self._t.ngettext(singular, plural, n).format(n=n, **kwargs)


class Catalogs:
    """One translator per language, loaded once at start-up."""

    def __init__(self, translations: Mapping[Lang, NullTranslations]) -> None:
        self._by_lang = {lang: Translator(lang, t) for lang, t in translations.items()}

    @classmethod
    def load(cls, locales_dir: Path = LOCALES_DIR) -> Catalogs:
        return cls({lang: _load(lang, locales_dir) for lang in LANGS})

    def __getitem__(self, lang: Lang) -> Translator:
        return self._by_lang[lang]
