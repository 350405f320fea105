"""Console pages. Handlers only read the request, call `Operations` and render; rules live in
hotline_router.operations, figures in hotline_router.stats."""

from __future__ import annotations

import secrets
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hotline_router import auth, operators, queue, stats
from hotline_router.console.attachments import pair
from hotline_router.console.keys import ATTACHMENTS, KEYS, LIMITER, OPERATOR, OPS, SETTINGS, TOKEN
from hotline_router.models import Operator
from hotline_router.operations import ActionError, CaseView, Operations


def _ops(request: web.Request) -> Operations:
    return request.app[OPS]


def _op(request: web.Request) -> Operator:
    op = request[OPERATOR]
    assert op is not None  # the middleware let only logged-in requests through
    return op


def _ip(request: web.Request) -> str:
    return request.remote or ""


def _context(request: web.Request, **extra: Any) -> dict[str, Any]:
    token = request.get(TOKEN)
    return {"operator": request.get(OPERATOR), "now": _ops(request).h.clock(),
            "csrf": request.app[KEYS].csrf(token) if token else "", **extra}


def _case_id(request: web.Request) -> int:
    try:
        return int(request.match_info["case_id"])
    except ValueError as exc:
        raise web.HTTPNotFound() from exc


async def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return aiohttp_jinja2.render_template("error.html", request, _context(request, message=message),
                                          status=status)


# -- login ---------------------------------------------------------------------------------------


async def login_form(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    cfg = request.app[SETTINGS]
    token = request.cookies.get(cfg.login_csrf_cookie) or secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template("login.html", request,
                                              _context(request, login_csrf=token, error=error),
                                              status=status)
    response.set_cookie(cfg.login_csrf_cookie, token, httponly=True, samesite="Strict",
                        secure=cfg.cookie_secure, path="/console/login")
    return response


async def login_get(request: web.Request) -> web.Response:
    return await login_form(request)


async def login_post(request: web.Request) -> web.StreamResponse:
    cfg, ops, limiter = request.app[SETTINGS], _ops(request), request.app[LIMITER]
    form = await request.post()
    expected = request.cookies.get(cfg.login_csrf_cookie)
    if not expected or not secrets.compare_digest(expected, str(form.get("csrf_token", ""))):
        return await login_form(request, error="The form has expired. Please try again.", status=403)
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))[:1024]
    keys = (f"ip:{_ip(request)}", f"user:{username}")
    now = ops.h.clock()
    op: Operator | None = None
    token = ""
    async with ops.h.sessions.begin() as session:
        if limiter.blocked(*keys):
            auth.audit(session, operator=None, username=username, action="login_blocked", now=now,
                       ip=_ip(request))
            blocked = True
        else:
            blocked = False
            op = await operators.authenticate(session, username, password)
            if op is None:
                limiter.failed(*keys)
                auth.audit(session, operator=None, username=username, action="login_failed", now=now,
                           ip=_ip(request))
            else:
                token = await auth.start_session(session, request.app[KEYS], op,
                                                 ttl_s=cfg.session_ttl_s, now=now)
                auth.audit(session, operator=op, action="login", now=now, ip=_ip(request))
    if blocked:
        return await login_form(request, error="Too many attempts. Wait a few minutes.", status=429)
    if op is None:
        return await login_form(request, error="Wrong user name or password.", status=401)
    limiter.reset(f"user:{username}")
    response = web.HTTPSeeOther("/console/")
    response.set_cookie(cfg.cookie, token, httponly=True, samesite="Strict", secure=cfg.cookie_secure,
                        path="/console", max_age=cfg.session_ttl_s)
    response.del_cookie(cfg.login_csrf_cookie, path="/console/login")
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    ops = _ops(request)
    async with ops.h.sessions.begin() as session:
        await auth.end_session(session, request.app[KEYS], request[TOKEN])
        auth.audit(session, operator=_op(request), action="logout", now=ops.h.clock(), ip=_ip(request))
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(request.app[SETTINGS].cookie, path="/console")
    return response


# -- queue ---------------------------------------------------------------------------------------


async def _live(request: web.Request) -> dict[str, Any]:
    ops, op = _ops(request), _op(request)
    async with ops.h.sessions() as session:
        waiting, total = await queue.list_queue(session, teams=queue.operator_teams(op),
                                                limit=ops.h.settings.queue_page_size)
        mine = await queue.assigned_cases(session, operator_id=None if op.is_supervisor else op.id)
    return _context(request, waiting=waiting, total=total, mine=mine)


async def queue_page(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("queue.html", request, await _live(request))


async def queue_live(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template("_live.html", request, await _live(request))


async def claim_next(request: web.Request) -> web.StreamResponse:
    try:
        case_id = await _ops(request).claim_next(_op(request), ip=_ip(request))
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
        async with _ops(request).h.sessions() as session:
            files = pair(view.messages, await source.attachments(session, view.case.id))
        files_url = source.index_url(view.case.id)
    return _context(request, v=view, c=view.case, files=files, files_url=files_url, **extra)


async def _render_case(request: web.Request, view: CaseView, *, status: int = 200, draft: str = "",
                       reply_error: str = "") -> web.Response:
    ops = _ops(request)
    context = await _case_context(
        request, view, teams=ops.h.routing.teams, outcomes=ops.h.routing.outcomes,
        tags=ops.h.routing.tags, max_reply=ops.h.settings.max_reply_chars, draft=draft,
        reply_error=reply_error)
    return aiohttp_jinja2.render_template("case.html", request, context, status=status)


async def case_page(request: web.Request) -> web.Response:
    try:
        view = await _ops(request).view(_op(request), _case_id(request), ip=_ip(request))
    except ActionError as exc:
        return await error_page(request, exc.status, exc.message)
    return await _render_case(request, view)


async def case_conversation(request: web.Request) -> web.Response:
    try:
        view = await _ops(request).view(_op(request), _case_id(request), ip=_ip(request), audited=False)
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
        view = await _ops(request).view(_op(request), case_id, ip=_ip(request), audited=False)
    except ActionError:
        return await error_page(request, exc.status, exc.message)
    return await _render_case(request, view, status=exc.status, draft=text, reply_error=exc.message)


async def case_action(request: web.Request) -> web.StreamResponse:
    ops, op, ip = _ops(request), _op(request), _ip(request)
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
    op = _op(request)
    if not op.is_supervisor:
        raise web.HTTPForbidden(text="Supervisors only.")
    return op


async def supervisor_page(request: web.Request) -> web.Response:
    _supervisor(request)
    ops = _ops(request)
    async with ops.h.sessions() as session:
        data = await stats.overview(session, now=ops.h.clock())
        audit_log = await auth.recent_audit(session, limit=50)
    return aiohttp_jinja2.render_template("supervisor.html", request,
                                          _context(request, o=data, audit_log=audit_log))


async def export_csv(request: web.Request) -> web.Response:
    op, ops = _supervisor(request), _ops(request)
    days = 7 if request.query.get("days") == "7" else 30
    async with ops.h.sessions.begin() as session:
        body = await stats.export_csv(session, now=ops.h.clock(), days=days)
        auth.audit(session, operator=op, action="export_csv", now=ops.h.clock(), ip=_ip(request),
                   days=days)
    return web.Response(text=body, content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="hamroh-cases-{days}d.csv"'})


async def ack_alert(request: web.Request) -> web.StreamResponse:
    try:
        await _ops(request).ack_alert(_op(request), int(request.match_info["alert_id"]), ip=_ip(request))
    except ActionError as exc:
        return await error_page(request, exc.status, exc.message)
    raise web.HTTPSeeOther("/console/supervisor")


async def root(request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/console/")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/console/login", login_get)
    r.add_post("/console/login", login_post)
    r.add_post("/console/logout", logout)
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
