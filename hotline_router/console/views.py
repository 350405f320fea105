"""Console pages. Handlers only read the request, call `Operations` and render; rules live in
hotline_router.operations, figures in hotline_router.stats."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hotline_router import auth, queue, stats
from hotline_router.console.attachments import pair
from hotline_router.console.keys import ATTACHMENTS, CLIENT_IP, KEYS, OPERATOR, OPS, TOKEN
from hotline_router.models import Operator
from hotline_router.operations import ActionError, CaseView, Operations


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
            "csrf": request.app[KEYS].csrf(token) if token else "", **extra}


MAX_ID = 2**31 - 1  # the ids are 32-bit INTEGER columns (SQLite would overflow at 2**63)


def _id(request: web.Request, name: str) -> int:
    """An id from the URL; anything that cannot be a row's id is 404, never a database error."""
    raw = request.match_info.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        raise web.HTTPNotFound()
    value = int(raw)
    if not 1 <= value <= MAX_ID:
        raise web.HTTPNotFound()
    return value


def _case_id(request: web.Request) -> int:
    return _id(request, "case_id")


async def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return aiohttp_jinja2.render_template("error.html", request, context(request, message=message),
                                          status=status)


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
        return await error_page(request, exc.status, exc.message)
    if case_id is None:
        return await error_page(request, 409, "Nothing is waiting in your queues.")
    raise web.HTTPSeeOther(f"/console/cases/{case_id}")


# -- one case ------------------------------------------------------------------------------------


async def _case_context(request: web.Request, view: CaseView, **extra: Any) -> dict[str, Any]:
    """What the case page and its live conversation part need, files included."""
    source = request.app.get(ATTACHMENTS)
    files, files_url = {}, None
    if source is not None:
        async with ops_of(request).h.sessions() as session:
            files = pair(view.messages, await source.attachments(session, view.case.id))
        files_url = source.index_url(view.case.id)
    return context(request, v=view, c=view.case, files=files, files_url=files_url, **extra)


async def _render_case(request: web.Request, view: CaseView, *, status: int = 200, draft: str = "",
                       reply_error: str = "") -> web.Response:
    ops = ops_of(request)
    page = await _case_context(
        request, view, teams=ops.h.routing.teams, outcomes=ops.h.routing.outcomes,
        tags=ops.h.routing.tags, max_reply=ops.h.settings.max_reply_chars, draft=draft,
        reply_error=reply_error)
    return aiohttp_jinja2.render_template("case.html", request, page, status=status)


async def case_page(request: web.Request) -> web.Response:
    try:
        view = await ops_of(request).view(current(request), _case_id(request), ip=client_ip(request))
    except ActionError as exc:
        return await error_page(request, exc.status, exc.message)
    return await _render_case(request, view)


async def case_conversation(request: web.Request) -> web.Response:
    try:
        view = await ops_of(request).view(current(request), _case_id(request), ip=client_ip(request), audited=False)
    except ActionError as exc:
        raise web.HTTPForbidden(text=exc.message) from exc
    return aiohttp_jinja2.render_template("_conversation.html", request,
                                          await _case_context(request, view))


async def reply_refused(request: web.Request, case_id: int, text: str, exc: ActionError) -> web.Response:
    """A refused reply (too long, not claimed...) never loses what the operator typed: the case
    page comes back with the text in the box and the reason above it."""
    if exc.status in (403, 404):  # not a case this operator may see: nothing to show it on
        return await error_page(request, exc.status, exc.message)
    try:
        view = await ops_of(request).view(current(request), case_id, ip=client_ip(request), audited=False)
    except ActionError:
        return await error_page(request, exc.status, exc.message)
    return await _render_case(request, view, status=exc.status, draft=text, reply_error=exc.message)


async def case_action(request: web.Request) -> web.StreamResponse:
    ops, op, ip = ops_of(request), current(request), client_ip(request)
    case_id, action = _case_id(request), request.match_info["action"]
    form = await request.post()
    field = lambda name: str(form.get(name, ""))  # noqa: E731
    try:
        if action == "claim":
            await ops.claim(op, case_id, ip=ip)
        elif action == "reply":
            try:
                await ops.reply(op, case_id, field("text"), ip=ip)
            except ActionError as exc:
                return await reply_refused(request, case_id, field("text"), exc)
        elif action == "note":
            await ops.note(op, case_id, field("text"), ip=ip)
        elif action == "transfer":
            target = field("target")
            kind, _, name = target.partition(":")
            await ops.transfer(op, case_id, ip=ip, team=name if kind == "team" else None,
                               operator=name if kind == "operator" else None)
        elif action == "close":
            tags = [str(t) for t in form.getall("tags", [])]
            await ops.close(op, case_id, outcome=field("outcome"), tags=tags, ip=ip)
        elif action == "reopen":
            await ops.reopen(op, case_id, ip=ip)
        else:
            raise web.HTTPNotFound()
    except ActionError as exc:
        return await error_page(request, exc.status, exc.message)
    if action == "transfer" and not op.is_supervisor:
        raise web.HTTPSeeOther("/console/")  # the case is no longer theirs to look at
    raise web.HTTPSeeOther(f"/console/cases/{case_id}")


# -- supervisor ----------------------------------------------------------------------------------


def _supervisor(request: web.Request) -> Operator:
    op = current(request)
    if not op.is_supervisor:
        raise web.HTTPForbidden(text="Supervisors only.")
    return op


async def supervisor_page(request: web.Request) -> web.Response:
    _supervisor(request)
    ops = ops_of(request)
    async with ops.h.sessions() as session:
        data = await stats.overview(session, now=ops.h.clock())
        audit_log = await auth.recent_audit(session, limit=50)
    return aiohttp_jinja2.render_template("supervisor.html", request,
                                          context(request, o=data, audit_log=audit_log))


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
        await ops_of(request).ack_alert(current(request), _id(request, "alert_id"), ip=client_ip(request))
    except ActionError as exc:
        return await error_page(request, exc.status, exc.message)
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
    r.add_get(r"/console/cases/{case_id:\d+}", case_page)
    r.add_get(r"/console/cases/{case_id:\d+}/conversation", case_conversation)
    r.add_post(r"/console/cases/{case_id:\d+}/{action:[a-z]+}", case_action)
    r.add_get("/console/supervisor", supervisor_page)
    r.add_get("/console/supervisor/export.csv", export_csv)
    r.add_post(r"/console/alerts/{alert_id:\d+}/ack", ack_alert)
