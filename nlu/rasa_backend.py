"""The Rasa backend: `POST {rasa_url}/model/parse` on a Rasa 3.6 server (`rasa run --enable-api`).

A migrant must never wait on a dead server: on a connection error, a timeout, a 4xx/5xx answer
or a body that is not what Rasa sends, the message is parsed by the embedded classifier instead
(backend "embedded-fallback") and the reason is logged. The language always comes from the
embedded language identifier: Rasa's `language: xx` pipeline does not detect it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

import aiohttp
import structlog

from nlu.config import NLUSettings
from nlu.embedded import MAX_CHARS, OUT_OF_SCOPE
from nlu.languages import Lang
from nlu.parse import EmbeddedNLU, ParseResult, detect_language

# Rasa's FallbackClassifier puts this on top below its threshold; for the bot it is the
# out-of-scope topic, with the same meaning.
RASA_FALLBACK: Final = "nlu_fallback"

log = structlog.get_logger(__name__)


class RasaResponseError(ValueError):
    """The server answered, but not with a Rasa parse result."""


def ranking_from_body(body: Any, *, keep_fallback: bool = True) -> tuple[tuple[str, float], ...]:
    """The topic ranking of a `/model/parse` response body, best first. Rasa's `nlu_fallback`
    counts as out_of_scope; `keep_fallback=False` drops it instead (evaluation compares the
    raw classifier with the embedded one, before either applies its threshold).

    Raises RasaResponseError when the body is not a Rasa parse result."""
    if not isinstance(body, dict):
        raise RasaResponseError("body is not an object")
    if "intent" not in body and "intent_ranking" not in body:
        raise RasaResponseError(f"not a parse result: {str(body)[:120]}")
    raw = body.get("intent_ranking")
    if not raw:
        # A model with one intent, or a trimmed response: fall back to the top intent.
        intent = body.get("intent")
        raw = [intent] if isinstance(intent, dict) and intent.get("name") else []
    if not isinstance(raw, list):
        raise RasaResponseError("intent_ranking is not a list")
    scores: dict[str, float] = {}
    for item in raw:
        if not isinstance(item, dict):
            raise RasaResponseError("intent_ranking item is not an object")
        name, conf = item.get("name"), item.get("confidence")
        if not isinstance(name, str) or isinstance(conf, bool) or not isinstance(conf, int | float):
            raise RasaResponseError(f"bad intent_ranking item {item!r}")
        if name == RASA_FALLBACK and not keep_fallback:
            continue
        topic = OUT_OF_SCOPE if name == RASA_FALLBACK else name
        scores[topic] = max(scores.get(topic, 0.0), min(1.0, max(0.0, float(conf))))
    if not scores:
        return ((OUT_OF_SCOPE, 1.0),)
    return tuple(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])))


class RasaNLU:
    """Parses through a Rasa server, falling back to `embedded`."""

    backend = "rasa"

    def __init__(self, settings: NLUSettings, embedded: EmbeddedNLU) -> None:
        self.url = settings.rasa_url.rstrip("/") + "/model/parse"
        self.timeout = aiohttp.ClientTimeout(total=settings.rasa_timeout_s)
        self.embedded = embedded
        self._session: aiohttp.ClientSession | None = None

    def _session_now(self) -> aiohttp.ClientSession:
        # Created on first use: a ClientSession belongs to the running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def _ask_rasa(self, text: str) -> tuple[tuple[str, float], ...]:
        session = self._session_now()
        async with session.post(self.url, json={"text": text}) as resp:
            if resp.status != 200:
                raise RasaResponseError(f"HTTP {resp.status}")
            try:
                body = await resp.json(content_type=None)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise RasaResponseError(f"not JSON: {exc}") from exc
        return ranking_from_body(body)

    async def parse(self, text: str, *, lang_hint: Lang | None = None, prior: Lang | None = None,
                    history: Sequence[str] = (), telegram_lang: str | None = None) -> ParseResult:
        clipped = text[:MAX_CHARS]

        def embedded(backend: str) -> ParseResult:
            return self.embedded.parse_sync(clipped, lang_hint=lang_hint, prior=prior, history=history,
                                            telegram_lang=telegram_lang, backend=backend)

        if not clipped.strip():
            return embedded("rasa")
        try:
            ranking = await self._ask_rasa(clipped)
        except (aiohttp.ClientError, TimeoutError, RasaResponseError) as exc:
            log.warning("nlu.rasa_fallback", url=self.url, error=type(exc).__name__, detail=str(exc)[:200])
            return embedded("embedded-fallback")
        lang, lang_conf = detect_language(self.embedded.model, clipped, lang_hint, prior, history=history,
                                          telegram_lang=telegram_lang)
        return ParseResult(lang, lang_conf, ranking, "rasa")

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
