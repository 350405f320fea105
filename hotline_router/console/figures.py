"""Figures for editors and the NGO: a page, a CSV and PNG charts (counts only, no person)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hotline_router.console.inbox_keys import desk_of
from hotline_router.console.views import context


def _weeks(request: web.Request) -> int:
    raw = request.query.get("weeks", "8")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 52 else 8


async def figures_page(request: web.Request) -> web.Response:
    desk = desk_of(request)
    weeks = _weeks(request)
    f: Any = await desk.figures(weeks)
    return aiohttp_jinja2.render_template("figures.html", request, context(
        request, fig=f, weeks=weeks, charts=("topics", "weeks", "fallback", "to_person")))


async def figures_csv(request: web.Request) -> web.Response:
    desk = desk_of(request)
    weeks = _weeks(request)
    body = desk.csv(await desk.figures(weeks))
    return web.Response(text=body, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="hamroh-figures-{weeks}w.csv"'})


async def figures_png(request: web.Request) -> web.Response:
    desk = desk_of(request)
    name = request.match_info["name"]
    if name not in ("topics", "weeks", "fallback", "to_person"):
        raise web.HTTPNotFound()
    png = desk.chart(await desk.figures(_weeks(request)), name)
    return web.Response(body=png, content_type="image/png")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/console/figures", figures_page)
    r.add_get("/console/figures.csv", figures_csv)
    r.add_get(r"/console/figures/{name:[a-z_]+}.png", figures_png)
