"""The login and logout pages. The throttle (console/throttle.py) counts an attempt before
its password is checked; the check itself runs in a worker thread (hotline_router.operators)."""

from __future__ import annotations

import math
import secrets

import aiohttp_jinja2
from aiohttp import web

from hotline_router import auth, operators
from hotline_router.console.client import throttle_key
from hotline_router.console.i18n import LOCALE_COOKIE, LOCALES, tr
from hotline_router.console.keys import KEYS, SETTINGS, THROTTLE, TOKEN
from hotline_router.console.throttle import Throttled
from hotline_router.console.views import client_ip, context, current, ops_of
from hotline_router.models import Operator

# -- login ---------------------------------------------------------------------------------------


async def login_form(request: web.Request, *, error: str = "", status: int = 200) -> web.Response:
    cfg = request.app[SETTINGS]
    token = request.cookies.get(cfg.login_csrf_cookie) or secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template("login.html", request,
                                              context(request, login_csrf=token, error=error),
                                              status=status)
    response.set_cookie(cfg.login_csrf_cookie, token, httponly=True, samesite="Strict",
                        secure=cfg.cookie_secure, path="/console/login")
    return response


async def login_get(request: web.Request) -> web.StreamResponse:
    lang = request.query.get("lang")
    if lang in LOCALES:  # the language links of the login page: kept in a cookie
        response = web.HTTPSeeOther("/console/login")
        response.set_cookie(LOCALE_COOKIE, lang, max_age=365 * 86400, samesite="Strict",
                            path="/console", httponly=True)
        raise response
    return await login_form(request)


async def login_post(request: web.Request) -> web.StreamResponse:
    cfg, ops, throttle = request.app[SETTINGS], ops_of(request), request.app[THROTTLE]
    form = await request.post()
    expected = request.cookies.get(cfg.login_csrf_cookie)
    if not expected or not secrets.compare_digest(expected, str(form.get("csrf_token", ""))):
        return await login_form(request, error=tr("The form has expired. Please try again."), status=403)
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))[:1024]
    ip = client_ip(request)
    # Counted before the password is checked, with nothing awaited in between (throttle.py).
    try:
        ticket = throttle.reserve(f"user:{username}", f"ip:{throttle_key(ip)}")
    except Throttled as exc:
        return await _refused(request, username, ip, 429, exc.retry_after_s, exc.reason,
                              audited=exc.first)
    if operators.pending_hashes() >= ops.h.settings.login_max_pending:
        throttle.cancel(ticket)
        return await _refused(request, username, ip, 503, 5, "busy")
    op_id = await operators.authenticate(ops.h.sessions, username, password)
    token = ""
    async with ops.h.sessions.begin() as session:
        op = await session.get(Operator, op_id) if op_id is not None else None
        if op is None or not op.active:  # wrong, or disabled while the password was checked
            op = None
            auth.audit(session, operator=None, username=username, action="login_failed",
                       now=ops.h.clock(), ip=ip)
        else:
            token = await auth.start_session(session, request.app[KEYS], op,
                                             ttl_s=cfg.session_ttl_s, now=ops.h.clock())
            auth.audit(session, operator=op, action="login", now=ops.h.clock(), ip=ip)
            chosen = request.cookies.get(LOCALE_COOKIE)
            if op.locale is None and chosen in LOCALES:  # chosen on the login page: kept
                op.locale = chosen
    if op is None:
        return await login_form(request, error=tr("Wrong user name or password."), status=401)
    throttle.succeeded(ticket)
    response = web.HTTPSeeOther("/console/")
    response.set_cookie(cfg.cookie, token, httponly=True, samesite="Strict", secure=cfg.cookie_secure,
                        path="/console", max_age=cfg.session_ttl_s)
    response.del_cookie(cfg.login_csrf_cookie, path="/console/login")
    return response


async def _refused(request: web.Request, username: str, ip: str, status: int, retry_after_s: float,
                   reason: str, *, audited: bool = True) -> web.Response:
    """A login attempt not checked at all: throttled (429) or the server is busy (503).
    Only the first refusal of a delay is audited, so a flood cannot flood the database."""
    ops = ops_of(request)
    if audited:
        async with ops.h.sessions.begin() as session:
            auth.audit(session, operator=None, username=username, action="login_blocked",
                       now=ops.h.clock(), ip=ip, reason=reason)
    wait = max(1, math.ceil(retry_after_s))
    message = (tr("Too many attempts. Wait %(n)s seconds and try again.", n=wait) if status == 429
               else tr("The console is busy. Try again in a few seconds."))
    response = await login_form(request, error=message, status=status)
    response.headers["Retry-After"] = str(wait)
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    ops = ops_of(request)
    async with ops.h.sessions.begin() as session:
        await auth.end_session(session, request.app[KEYS], request[TOKEN])
        auth.audit(session, operator=current(request), action="logout", now=ops.h.clock(), ip=client_ip(request))
    response = web.HTTPSeeOther("/console/login")
    response.del_cookie(request.app[SETTINGS].cookie, path="/console")
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/login", login_get)
    app.router.add_post("/console/login", login_post)
    app.router.add_post("/console/logout", logout)
