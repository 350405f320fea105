"""Supervisors' Campaigns page over HTTP: who may see it, figures by language and country,
the CSV without personal data, starting a scheduled campaign and stopping a running one
(with CSRF), and bad input."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from bot.campaigns.config import CampaignSettings
from bot.campaigns.models import CampaignDelivery
from bot.campaigns.service import Campaigns
from bot.storage.models import User
from hotline_router.console import campaigns as campaign_pages
from hotline_router.console.app import make_app
from hotline_router.service import Hotline

from .conftest import operator, person
from .test_console import ConsoleCfg, csrf, login

NOW = dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.UTC)
CAMPAIGN = """\
id: {id}
title: "{title}"
{send_at}expires_at: {expires}
audience: {{languages: [ru, tg]}}
text: {{ru: "<b>x</b>", tg: "<b>y</b>"}}
"""


@pytest.fixture(autouse=True)
def _secret_in_tmp(sqlite_hotline: Hotline, tmp_path: Path) -> None:
    sqlite_hotline.settings.console_secret_file = tmp_path / "console_secret.key"


@pytest.fixture
def desk(sqlite_hotline: Hotline, tmp_path: Path) -> Campaigns:
    folder = tmp_path / "campaigns"
    folder.mkdir()
    for cid, title, send_at, expires in [("new_price", "New <price>", "send_at: 2027-02-01T10:00\n", "2027-03-01"),
                                         ("old_news", "Old", "", "2027-01-01")]:
        (folder / f"{cid}.yaml").write_text(CAMPAIGN.format(id=cid, title=title, send_at=send_at,
                                                            expires=f"{expires}T00:00"), encoding="utf-8")
    return Campaigns(sqlite_hotline.sessions, CampaignSettings(), folder, clock=lambda: NOW)


@pytest.fixture
async def client(sqlite_hotline: Hotline, desk: Campaigns) -> AsyncIterator[TestClient]:
    app = make_app(sqlite_hotline, ConsoleCfg())
    campaign_pages.mount(app, desk)
    async with TestClient(TestServer(app)) as c:
        yield c


async def _people(hotline: Hotline) -> None:
    for n, (lang, country) in enumerate([("ru", "RU"), ("ru", "RU"), ("tg", "KZ"), ("uz", "RU")]):
        user = await person(hotline, f"camp-{n}", country=country, lang=lang, transport="telegram")
        async with hotline.sessions.begin() as session:
            await session.execute(update(User).where(User.id == user.id).values(news=True))


async def test_only_supervisors(client: TestClient, sqlite_hotline: Hotline) -> None:
    await operator(sqlite_hotline, "op")
    assert await login(client, "op") == 303
    assert 'id="nav-campaigns"' not in await (await client.get("/console/")).text()
    assert (await client.get("/console/campaigns")).status == 403
    assert (await client.get("/console/campaigns/export.csv")).status == 403


async def test_start_stop_figures_and_csv(client: TestClient, sqlite_hotline: Hotline, desk: Campaigns) -> None:
    await _people(sqlite_hotline)
    await operator(sqlite_hotline, "sup", role="supervisor")
    assert await login(client, "sup") == 303
    page = await (await client.get("/console/campaigns")).text()
    assert 'id="nav-campaigns"' in page and "New &lt;price&gt;" in page and "<price>" not in page
    assert page.count('/start"') == 1  # the scheduled one; the expired one cannot start
    token = await csrf(client, "/console/campaigns")
    no_csrf = await client.post("/console/campaigns/new_price/start", allow_redirects=False)
    assert no_csrf.status == 403
    resp = await client.post("/console/campaigns/new_price/start", data={"csrf_token": token},
                             allow_redirects=False)
    assert resp.status == 303
    async with sqlite_hotline.sessions.begin() as session:  # as if some went out
        await session.execute(update(CampaignDelivery).where(CampaignDelivery.lang == "tg").values(status="sent"))
    page = re.sub(r">\s+<", "><", await (await client.get("/console/campaigns")).text())
    assert '/stop"' in page and "<td>tg</td><td>KZ</td><td>1</td><td>1</td>" in page
    assert "<td>ru</td><td>RU</td><td>2</td><td>0</td>" in page
    resp = await client.post("/console/campaigns/new_price/stop", data={"csrf_token": token},
                             allow_redirects=False)
    assert resp.status == 303 and (await desk.overview())[0].status == "stopped"
    again = await client.post("/console/campaigns/new_price/stop", data={"csrf_token": token})
    assert again.status == 409
    csv = await (await client.get("/console/campaigns/export.csv")).text()
    assert csv.splitlines()[0].startswith("campaign,lang,country,queued,sent")
    assert "new_price,tg,KZ,1,1" in csv and "camp-" not in csv


async def test_bad_input(client: TestClient, sqlite_hotline: Hotline) -> None:
    await operator(sqlite_hotline, "sup", role="supervisor")
    await login(client, "sup")
    token = await csrf(client, "/console/campaigns")
    expired = await client.post("/console/campaigns/old_news/start", data={"csrf_token": token})
    assert expired.status == 409
    unknown = await client.post("/console/campaigns/nope/start", data={"csrf_token": token})
    assert unknown.status == 404
    weird = await client.post("/console/campaigns/%3Cscript%3E/start", data={"csrf_token": token})
    assert weird.status == 404
