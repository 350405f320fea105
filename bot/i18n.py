"""Interface strings (menus, buttons, prompts, errors) from gettext catalogs under Babel:
the one i18n stack of the project.

The `.po` files in bot/locales are the source; `make` compiles them to `.mo` (pybabel
compile). The engine gets a `Translator` per language from `Catalogs`; transport code
(the Telegram handlers) calls `gettext` (imported as `_`), which translates into the
language `activate` set for the update being handled (no aiogram involved).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.support import NullTranslations, Translations

from nlu.languages import LANGS, Lang, is_lang

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


# The catalogs and language of the update being handled (set by the transport per update).
_active: ContextVar[tuple[Catalogs, Lang] | None] = ContextVar("hamroh_i18n", default=None)
_fallback: list[Catalogs] = []  # loaded on first use outside any `activate`


@contextmanager
def activate(catalogs: Catalogs, lang: Lang) -> Iterator[Translator]:
    """Make `gettext` translate into `lang` inside the block (per task: concurrent updates
    each keep their own language)."""
    token = _active.set((catalogs, lang))
    try:
        yield catalogs[lang]
    finally:
        _active.reset(token)


def gettext(message: str, *, locale: str | None = None) -> str:
    """`message` in `locale`, else in the active language (untranslated outside `activate`
    when no locale is given). Placeholders are left for the caller's `.format`."""
    active = _active.get()
    if active is None:
        if locale is None or not is_lang(locale):
            return message
        if not _fallback:
            _fallback.append(Catalogs.load())
        return _fallback[0][locale](message)
    catalogs, lang = active
    return catalogs[locale if locale is not None and is_lang(locale) else lang](message)
