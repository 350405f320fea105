"""Supervisors' Campaigns page: every awareness campaign with its figures (by language and
country, no person), a CSV, and starting a scheduled one or stopping a running one.

The console does not know the bot's tables: the service that owns them mounts a desk
(`bot.campaigns.service.Campaigns`, through `mount`), as the inbox is mounted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import aiohttp_jinja2
from aiohttp import web

from hotline_router.console.i18n import N_, tr
from hotline_router.console.views import context, current, error_page

STATUS = {"scheduled": N_("scheduled"), "not_started": N_("not started"), "running": N_("sending"),
          "stopped": N_("stopped"), "done": N_("finished"), "expired": N_("expired")}


class CampaignDeskLike(Protocol):
    async def overview(self) -> Sequence[Any]: ...
    async def start(self, campaign_id: str, *, by: str) -> Any: ...
    async def stop(self, campaign_id: str) -> bool: ...
    async def figures(self, campaign_ids: list[str] | None = None) -> list[Any]: ...
    def csv(self, rows: list[Any]) -> str: ...


CAMPAIGNS: web.AppKey[CampaignDeskLike] = web.AppKey("hamroh_campaigns_desk")


def desk_of(request: web.Request) -> CampaignDeskLike:
    if not current(request).is_supervisor:
        raise web.HTTPForbidden(text=tr("Supervisors only."))
    return request.app[CAMPAIGNS]


async def campaigns_page(request: web.Request) -> web.Response:
    views = await desk_of(request).overview()
    return aiohttp_jinja2.render_template("campaigns.html", request, context(
        request, campaigns=views, status_name=lambda s: tr(STATUS.get(s) or s),
        done=request.query.get("done", "")[:8]))


async def _act(request: web.Request, action: str) -> web.StreamResponse:
    desk = desk_of(request)
    campaign_id = request.match_info["campaign_id"]
    if campaign_id not in {v.id for v in await desk.overview()}:
        return await error_page(request, 404, tr("There is no campaign with this id."))
    if action == "start":
        try:
            await desk.start(campaign_id, by=f"console:{current(request).username}"[:32])
        except ValueError:
            return await error_page(request, 409, tr("This campaign has expired: it cannot be started."))
    elif not await desk.stop(campaign_id):
        return await error_page(request, 409, tr("This campaign is not sending now."))
    raise web.HTTPSeeOther(f"/console/campaigns?done={action}")


async def start(request: web.Request) -> web.StreamResponse:
    return await _act(request, "start")


async def stop(request: web.Request) -> web.StreamResponse:
    return await _act(request, "stop")


async def export_csv(request: web.Request) -> web.Response:
    desk = desk_of(request)
    return web.Response(text=desk.csv(await desk.figures()), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="campaigns.csv"'})


def mount(app: web.Application, desk: CampaignDeskLike) -> None:
    """The Campaigns pages, and their link in the supervisors' navigation."""
    app[CAMPAIGNS] = desk
    aiohttp_jinja2.get_env(app).globals["campaigns_mounted"] = True
    r = app.router
    r.add_get("/console/campaigns", campaigns_page)
    r.add_get("/console/campaigns/export.csv", export_csv)
    r.add_post(r"/console/campaigns/{campaign_id:[a-z0-9_]{1,24}}/start", start)
    r.add_post(r"/console/campaigns/{campaign_id:[a-z0-9_]{1,24}}/stop", stop)
