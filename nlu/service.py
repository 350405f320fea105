"""The one interface the bot uses to understand a message, whatever the backend.

`nlu = build_nlu(settings.nlu)` loads (or trains and caches) the embedded model, then
`await nlu.parse(text, prior=user_lang)` gives the language and the ranked topics. The caller
applies `settings.nlu.threshold` and `ambiguity_margin` to the ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from nlu.config import NLUSettings
from nlu.embedded import OUT_OF_SCOPE, EmbeddedModel, load_or_train
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
    async def parse(self, text: str, *, lang_hint: Lang | None = None, prior: Lang | None = None) -> ParseResult: ...


def detect_language(model: EmbeddedModel, text: str, lang_hint: Lang | None, prior: Lang | None) -> tuple[Lang, float]:
    if lang_hint is not None and is_lang(lang_hint):
        return lang_hint, 1.0
    return model.identify(text, prior if is_lang(prior) else None)


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
        backend: str = "embedded",
    ) -> ParseResult:
        lang, lang_conf = detect_language(self.model, text, lang_hint, prior)
        return ParseResult(lang, lang_conf, self.model.rank(text), backend)

    async def parse(self, text: str, *, lang_hint: Lang | None = None, prior: Lang | None = None) -> ParseResult:
        return self.parse_sync(text, lang_hint=lang_hint, prior=prior)

    async def aclose(self) -> None:
        """Nothing to release; present so every backend can be closed the same way."""


async def close_nlu(nlu: NLU) -> None:
    """Release a backend's resources (the Rasa backend's HTTP session), if it has any."""
    aclose = getattr(nlu, "aclose", None)
    if aclose is not None:
        await aclose()


def build_nlu(settings: NLUSettings) -> NLU:
    """The configured backend. The embedded model is always loaded: it is the Rasa backend's
    language identifier and its fallback when the Rasa server is down or slow."""
    embedded = EmbeddedNLU(load_or_train(settings.data_dir, settings.cache_dir))
    if settings.backend == "rasa":
        from nlu.rasa_backend import RasaNLU  # aiohttp client only when asked for

        return RasaNLU(settings, embedded)
    return embedded
