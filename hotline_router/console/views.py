"""Console pages. Handlers only read the request, call `Operations` and render; rules live in
hotline_router.operations, figures in hotline_router.stats. The case page is in casepage.py."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hotline_router import audit, auth, queue, stats
from hotline_router.console.i18n import LOCALE_COOKIE, LOCALES, operation_message, tr, ui
from hotline_router.console.keys import CLIENT_IP, KEYS, OPERATOR, OPS, TOKEN
from hotline_router.models import Operator
from hotline_router.operations import ActionError, Operations


def ops_of(request: web.Request) -> Operations:
    return request.app[OPS]


def current(request: web.Request) -> Operator:
    op = request[OPERATOR]
    assert op is not None  # the middleware let only logged-in requests through
    return op


def client_ip(request: web.Request) -> str:
    """The client's address (through trusted proxies only: hotline_router.console.client)."""
    return request.get(CLIENT_IP) or request.remote or ""


def context(request: web.Request, **extra: Any) -> dict[str, Any]:
    token = request.get(TOKEN)
    return {"operator": request.get(OPERATOR), "now": ops_of(request).h.clock(),
            "csrf": request.app[KEYS].csrf(token) if token else "", "locale": ui().locale,
            "path": request.path_qs, **extra}


MAX_ID = 2**31 - 1  # the ids are 32-bit INTEGER columns (SQLite would overflow at 2**63)


def parse_id(raw: str) -> int | None:
    """An id typed or sent by a browser; None when it cannot be a row's id."""
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def url_id(request: web.Request, name: str) -> int:
    """An id from the URL; anything that cannot be a row's id is 404, never a database error."""
    value = parse_id(request.match_info.get(name, ""))
    if value is None:
        raise web.HTTPNotFound()
    return value


async def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return aiohttp_jinja2.render_template("error.html", request, context(request, message=message),
                                          status=status)


async def action_error(request: web.Request, exc: ActionError) -> web.Response:
    return await error_page(request, exc.status, operation_message(exc.message))


# -- queue ---------------------------------------------------------------------------------------


async def _live(request: web.Request) -> dict[str, Any]:
    ops, op = ops_of(request), current(request)
    async with ops.h.sessions() as session:
        waiting, total = await queue.list_queue(session, teams=queue.operator_teams(op),
                                                limit=ops.h.settings.queue_page_size)
        mine = await queue.assigned_cases(session, operator_id=None if op.is_supervisor else op.id)
    return context(request, waiting=waiting, total=total, mine=mine)


async def queue_page(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("queue.html", request, await _live(request))


async def queue_live(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("_live.html", request, await _live(request))


async def claim_next(request: web.Request) -> web.StreamResponse:
    try:
        case_id = await ops_of(request).claim_next(current(request), ip=client_ip(request))
    except ActionError as exc:
        return await action_error(request, exc)
    if case_id is None:
        return await error_page(request, 409, tr("Nothing is waiting in your queues."))
    raise web.HTTPSeeOther(f"/console/cases/{case_id}")


# -- the operator's language ---------------------------------------------------------------------


def _back(request: web.Request, target: str) -> str:
    """Only a path of the console itself (never another site)."""
    return target if target.startswith("/console") and "//" not in target else "/console/"


async def set_language(request: web.Request) -> web.StreamResponse:
    """Logged in: remembered on the account. The login page sets only a cookie (GET ?lang=)."""
    form = await request.post()
    lang = str(form.get("lang", ""))
    if lang not in LOCALES:
        raise web.HTTPBadRequest(text="Unknown language.")
    ops, op = ops_of(request), current(request)
    async with ops.h.sessions.begin() as session:
        row = await session.get(Operator, op.id)
        if row is not None and row.locale != lang:
            row.locale = lang
            auth.audit(session, operator=op, action="set_language", now=ops.h.clock(),
                       ip=client_ip(request), to=lang)
    response = web.HTTPSeeOther(_back(request, str(form.get("back", ""))))
    response.set_cookie(LOCALE_COOKIE, lang, max_age=365 * 86400, samesite="Strict",
                        path="/console", httponly=True)
    return response


# -- supervisor ----------------------------------------------------------------------------------


def _supervisor(request: web.Request) -> Operator:
    op = current(request)
    if not op.is_supervisor:
        raise web.HTTPForbidden(text=tr("Supervisors only."))
    return op


async def supervisor_page(request: web.Request) -> web.Response:
    _supervisor(request)
    ops = ops_of(request)
    async with ops.h.sessions() as session:
        data = await stats.overview(session, now=ops.h.clock())
        changes = await audit.search(session, audit.AuditFilter(kind="changes", limit=15))
    return aiohttp_jinja2.render_template("supervisor.html", request,
                                          context(request, o=data, audit_log=changes))


async def audit_page(request: web.Request) -> web.Response:
    """The audit log: changes, views or both, by action, operator and case."""
    _supervisor(request)
    q = request.query
    kind = q.get("kind", "changes")
    flt = audit.AuditFilter(kind=kind if kind in audit.KINDS else "changes",
                            action=q.get("action", "")[:32], username=q.get("operator", "")[:64],
                            case_id=parse_id(q.get("case", "")))
    async with ops_of(request).h.sessions() as session:
        rows = await audit.search(session, flt)
        actions, names = await audit.actions(session), await audit.usernames(session)
    return aiohttp_jinja2.render_template("audit.html", request, context(
        request, rows=rows, f=flt, actions=actions, names=names, case_text=q.get("case", "")[:10]))


async def export_csv(request: web.Request) -> web.Response:
    op, ops = _supervisor(request), ops_of(request)
    days = 7 if request.query.get("days") == "7" else 30
    async with ops.h.sessions.begin() as session:
        body = await stats.export_csv(session, now=ops.h.clock(), days=days)
        auth.audit(session, operator=op, action="export_csv", now=ops.h.clock(), ip=client_ip(request),
                   days=days)
    return web.Response(text=body, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="hamroh-cases-{days}d.csv"'})


async def ack_alert(request: web.Request) -> web.StreamResponse:
    try:
        await ops_of(request).ack_alert(current(request), url_id(request, "alert_id"), ip=client_ip(request))
    except ActionError as exc:
        return await action_error(request, exc)
    raise web.HTTPSeeOther("/console/supervisor")


async def root(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/console/")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/console/", queue_page)
    r.add_get("/console", root)
    r.add_get("/", root)
    r.add_get("/console/live", queue_live)
    r.add_post("/console/claim-next", claim_next)
    r.add_post("/console/language", set_language)
    r.add_get("/console/supervisor", supervisor_page)
    r.add_get("/console/supervisor/audit", audit_page)
    r.add_get("/console/supervisor/export.csv", export_csv)
    r.add_post(r"/console/alerts/{alert_id:\d+}/ack", ack_alert)
