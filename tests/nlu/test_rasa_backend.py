"""The Rasa adapter against real Rasa 3.6 response bodies served on 127.0.0.1, and the
fallback to the embedded classifier when Rasa is down, slow, failing or talking nonsense."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from structlog.testing import capture_logs

from nlu.config import NLUSettings
from nlu.rasa_backend import RasaNLU, RasaResponseError, ranking_from_body
from nlu.service import EmbeddedNLU

BODIES = Path(__file__).parent / "fixtures" / "rasa"


def _body(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((BODIES / f"{name}.json").read_text("utf-8"))
    return loaded


class FakeRasa:
    """Answers /model/parse the way the test tells it to."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.body: dict[str, Any] = _body("unpaid_wages")
        self.requests: list[dict[str, Any]] = []

    async def parse(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        if self.mode == "slow":
            await asyncio.sleep(1.0)
        if self.mode == "500":
            return web.Response(status=500, text="Internal Server Error")
        if self.mode == "garbage":
            return web.Response(text="<html>proxy error</html>", content_type="text/html")
        if self.mode == "wrong-shape":
            return web.json_response({"version": "3.6.21", "status": "failure", "message": "no model"})
        return web.json_response(self.body)


@pytest.fixture
async def rasa() -> AsyncIterator[tuple[FakeRasa, str]]:
    fake = FakeRasa()
    app = web.Application()
    app.router.add_post("/model/parse", fake.parse)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest.fixture
async def make_nlu(fixture_nlu: EmbeddedNLU) -> AsyncIterator[Any]:
    made: list[RasaNLU] = []

    def make(url: str, timeout: float = 0.3) -> RasaNLU:
        nlu = RasaNLU(NLUSettings(backend="rasa", rasa_url=url, rasa_timeout_s=timeout), fixture_nlu)
        made.append(nlu)
        return nlu

    yield make
    for nlu in made:
        await nlu.aclose()


async def test_maps_the_ranking_and_detects_the_language(rasa: tuple[FakeRasa, str], make_nlu: Any) -> None:
    fake, url = rasa
    result = await make_nlu(url).parse("мне третий месяц не платят зарплату", prior="tg")
    assert result.backend == "rasa"
    assert result.lang == "ru"
    assert result.ranking[0] == ("rights_unpaid_wages", pytest.approx(0.97128, abs=1e-4))
    assert len(result.ranking) == 10
    assert fake.requests == [{"text": "мне третий месяц не платят зарплату"}]


async def test_lang_hint_wins(rasa: tuple[FakeRasa, str], make_nlu: Any) -> None:
    _, url = rasa
    result = await make_nlu(url).parse("мне не платят", lang_hint="uz")
    assert (result.lang, result.lang_confidence) == ("uz", 1.0)


async def test_nlu_fallback_is_out_of_scope(rasa: tuple[FakeRasa, str], make_nlu: Any) -> None:
    fake, url = rasa
    fake.body = _body("fallback")
    result = await make_nlu(url).parse("ну это самое короче")
    assert result.topic == "out_of_scope"
    assert [name for name, _ in result.ranking].count("out_of_scope") == 1


@pytest.mark.parametrize("mode", ["slow", "500", "garbage", "wrong-shape"])
async def test_falls_back_to_embedded_and_logs(rasa: tuple[FakeRasa, str], make_nlu: Any, mode: str) -> None:
    fake, url = rasa
    fake.mode = mode
    with capture_logs() as logs:
        result = await make_nlu(url, timeout=0.2).parse("где сделать патент")
    assert result.backend == "embedded-fallback"
    assert result.topic == "docs_patent"
    assert [e["event"] for e in logs] == ["nlu.rasa_fallback"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_server_down(make_nlu: Any) -> None:
    with capture_logs() as logs:
        result = await make_nlu(f"http://127.0.0.1:{_free_port()}").parse("мне не платят зарплату")
    assert result.backend == "embedded-fallback"
    assert result.topic == "rights_unpaid_wages"
    assert logs[0]["event"] == "nlu.rasa_fallback"
    assert logs[0]["error"] in ("ClientConnectorError", "ClientConnectionError", "ClientOSError")


async def test_empty_text_never_reaches_rasa(rasa: tuple[FakeRasa, str], make_nlu: Any) -> None:
    fake, url = rasa
    result = await make_nlu(url).parse("   ")
    assert result.ranking == (("out_of_scope", 1.0),)
    assert fake.requests == []


async def test_long_text_is_clipped(rasa: tuple[FakeRasa, str], make_nlu: Any) -> None:
    fake, url = rasa
    await make_nlu(url).parse("патент " * 20_000)
    assert len(fake.requests[0]["text"]) <= 500


@pytest.mark.parametrize(
    ("name", "want_top"),
    [("unpaid_wages", "rights_unpaid_wages"), ("uz_latin_with_ids", "docs_patent"), ("empty_ranking", "thanks")],
)
def test_ranking_from_real_bodies(name: str, want_top: str) -> None:
    ranking = ranking_from_body(_body(name))
    assert ranking[0][0] == want_top
    assert [c for _, c in ranking] == sorted((c for _, c in ranking), reverse=True)


def test_ranking_without_fallback_for_evaluation() -> None:
    ranking = ranking_from_body(_body("fallback"), keep_fallback=False)
    assert ranking[0][0] == "greet"


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "text",
        {"intent_ranking": "x"},
        {"intent_ranking": [1]},
        {"intent_ranking": [{"name": 1}]},
        {"intent_ranking": [{"name": "a", "confidence": "high"}]},
        {"intent_ranking": [{"name": "a", "confidence": True}]},
    ],
)
def test_malformed_bodies_raise(body: object) -> None:
    with pytest.raises(RasaResponseError):
        ranking_from_body(body)
