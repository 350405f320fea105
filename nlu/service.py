"""The one interface the bot uses to understand a message, whatever the backend.

`nlu = build_nlu(settings.nlu)` loads (or trains and caches) the embedded model, then
`await nlu.parse(text, prior=user_lang)` gives the language and the ranked topics. The caller
applies `settings.nlu.threshold` and `ambiguity_margin` to the ranking.
"""

from __future__ import annotations

from nlu.config import NLUSettings
from nlu.embedded import load_or_train
from nlu.parse import NLU, EmbeddedNLU, ParseResult, close_nlu, detect_language
from nlu.rasa_backend import RasaNLU

__all__ = ["NLU", "EmbeddedNLU", "ParseResult", "build_nlu", "close_nlu", "detect_language"]


def build_nlu(settings: NLUSettings) -> NLU:
    """The configured backend. The embedded model is always loaded: it is the Rasa backend's
    language identifier and its fallback when the Rasa server is down or slow."""
    embedded = EmbeddedNLU(load_or_train(settings.data_dir, settings.cache_dir))
    if settings.backend == "rasa":
        return RasaNLU(settings, embedded)
    return embedded
