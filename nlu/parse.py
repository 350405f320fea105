"""What every NLU backend returns and the embedded backend itself (the Rasa backend builds on
it for language identification and as its fallback; `nlu.service.build_nlu` picks one).

The language is decided from the text and three priors, weakest last: the person's stored
language (`prior`), the languages of their earlier messages (`history`) and Telegram's
`language_code` (`telegram_lang`); see `nlu.langid` for the weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from nlu.embedded import OUT_OF_SCOPE, EmbeddedModel
from nlu.languages import Lang, is_lang


@dataclass(frozen=True)
class ParseResult:
    lang: Lang
    lang_confidence: float
    ranking: tuple[tuple[str, float], ...]  # topic ids (incl. "out_of_scope"), best first
    backend: str  # "embedded" or "rasa" (or "embedded-fallback")

    @property
    def topic(self) -> str:
        return self.ranking[0][0] if self.ranking else OUT_OF_SCOPE

    @property
    def confidence(self) -> float:
        return self.ranking[0][1] if self.ranking else 1.0


class NLU(Protocol):
    async def parse(self, text: str, *, lang_hint: Lang | None = None, prior: Lang | None = None,
                    history: Sequence[str] = (), telegram_lang: str | None = None) -> ParseResult: ...


def detect_language(model: EmbeddedModel, text: str, lang_hint: Lang | None, prior: Lang | None, *,
                    history: Sequence[str] = (), telegram_lang: str | None = None) -> tuple[Lang, float]:
    if lang_hint is not None and is_lang(lang_hint):
        return lang_hint, 1.0
    return model.identify(text, prior if is_lang(prior) else None, history=history, telegram_lang=telegram_lang)


class EmbeddedNLU:
    """The in-process backend. Parsing is CPU-bound and well under a millisecond or two, so it
    runs inline rather than in a thread (a thread hop would cost more than the parse)."""

    backend = "embedded"

    def __init__(self, model: EmbeddedModel) -> None:
        self.model = model

    def parse_sync(
        self,
        text: str,
        *,
        lang_hint: Lang | None = None,
        prior: Lang | None = None,
        history: Sequence[str] = (),
        telegram_lang: str | None = None,
        backend: str = "embedded",
    ) -> ParseResult:
        lang, lang_conf = detect_language(self.model, text, lang_hint, prior, history=history,
                                          telegram_lang=telegram_lang)
        return ParseResult(lang, lang_conf, self.model.rank(text), backend)

    async def parse(self, text: str, *, lang_hint: Lang | None = None, prior: Lang | None = None,
                    history: Sequence[str] = (), telegram_lang: str | None = None) -> ParseResult:
        return self.parse_sync(text, lang_hint=lang_hint, prior=prior, history=history,
                               telegram_lang=telegram_lang)

    async def aclose(self) -> None:
        """Nothing to release; present so every backend can be closed the same way."""


async def close_nlu(nlu: NLU) -> None:
    """Release a backend's resources (the Rasa backend's HTTP session), if it has any."""
    aclose = getattr(nlu, "aclose", None)
    if aclose is not None:
        await aclose()


