"""The operator console: an aiohttp application with server-rendered Jinja2 pages at /console.

Security lives here, once, for every page: the session cookie is resolved to an operator,
every POST must carry the CSRF token, responses forbid framing, caching and foreign scripts.
Templates are autoescaped: whatever a person writes is shown as text, never as markup.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol

import aiohttp_jinja2
import jinja2
import structlog
from aiohttp import web

from hotline_router import auth, operators
from hotline_router.config import HotlineSettings
from hotline_router.console import casepage, i18n, labels, login, views
from hotline_router.console.client import TrustedProxies
from hotline_router.console.inbox_keys import EDITOR, EDITOR_PATHS
from hotline_router.console.keys import (
    CLIENT_IP,
    KEYS,
    OPERATOR,
    OPS,
    PROXIES,
    SETTINGS,
    THROTTLE,
    TOKEN,
    ConsoleConfig,
)
from hotline_router.console.throttle import LoginThrottle, Policy
from hotline_router.models import Operator
from hotline_router.operations import Operations
from hotline_router.routing import Routing
from hotline_router.service import Hotline

log = structlog.get_logger(__name__)

HERE = Path(__file__).parent
COOKIE = "hamroh_console"
LOGIN_CSRF_COOKIE = "hamroh_login_csrf"
PUBLIC = ("/console/login", "/console/static/")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


class ConsoleSettingsLike(Protocol):
    @property
    def cookie_secure(self) -> bool: ...
    @property
    def session_ttl_s(self) -> int: ...


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if not request.path.startswith("/console/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    if isinstance(response, web.HTTPException):
        raise response
    return response


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    hotline: Hotline = request.app[OPS].h
    request[CLIENT_IP] = request.app[PROXIES].client(request.remote,
                                                     request.headers.getall("X-Forwarded-For", ()))
    token = request.cookies.get(COOKIE)
    now = hotline.clock()
    async with hotline.sessions.begin() as session:
        op = await auth.resolve(session, request.app[KEYS], token, now)
        if op is not None:
            operators.touch(op, now)
    request[OPERATOR], request[TOKEN] = op, token
    i18n.CURRENT.set(request_ui(request, hotline.routing, op))
    if request.path.startswith(PUBLIC):
        return await handler(request)
    if op is None or token is None:
        if request.method == "GET" and not request.headers.get("X-Requested-With"):
            raise web.HTTPSeeOther("/console/login")
        raise web.HTTPUnauthorized(text="Your session has ended: log in again.")
    if op.role == EDITOR and not request.path.startswith(EDITOR_PATHS):
        # Editors label messages and read figures; cases are the operators' (bot.inbox).
        raise web.HTTPSeeOther("/console/inbox")
    if request.method == "POST":
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            # Over the form size limit: nothing was read, so say how to get the text back.
            return await views.error_page(request, 413, i18n.tr(
                "The form is too large and was not sent. Use your browser's Back button: your "
                "text is still in the box; shorten it and send again."))
        submitted = form.get("csrf_token")
        if not request.app[KEYS].csrf_ok(token, submitted if isinstance(submitted, str) else None):
            return await views.error_page(request, 403, i18n.tr(
                "The form has expired or did not come from the console (CSRF check). Reload the page."))
    return await handler(request)


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def request_ui(request: web.Request, routing: Routing, op: Operator | None) -> i18n.Ui:
    """The operator's language (else the login page's cookie, else Russian) and the time zone
    of their first team (else of the fallback team) in routing.yaml."""
    locale = i18n.pick(op.locale if op else None, request.cookies.get(i18n.LOCALE_COOKIE))
    team = routing.team(op.teams[0] if op is not None and op.teams else routing.fallback)
    return i18n.Ui(locale, team.tz())


def _setup_templates(app: web.Application, clock: Callable[[], dt.datetime]) -> jinja2.Environment:
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                               autoescape=True, undefined=jinja2.StrictUndefined,
                               extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda s: i18n.catalogs()[i18n.ui().locale].gettext(s),
        lambda s, p, n: i18n.catalogs()[i18n.ui().locale].ngettext(s, p, n), newstyle=True)
    env.filters["waited"] = lambda value: i18n.ui().waited(value, clock())
    env.filters["when"] = lambda value: i18n.ui().when(value)
    env.filters["hhmm"] = lambda value: i18n.ui().time(value)
    env.filters["full"] = lambda value: i18n.ui().full(value)
    env.filters["num"] = lambda value: i18n.ui().num(value)
    env.globals.update(L=labels, locales=i18n.LOCALE_NAMES, ui=i18n.ui)
    return env


def console_secret(settings: HotlineSettings) -> bytes | None:
    """The configured key; else the one kept in the data folder (made once); else None."""
    if settings.console_secret_key:
        return settings.console_secret_key.get_secret_value().encode()
    if settings.console_secret_file is None:
        return None
    try:
        return auth.load_or_create_secret(settings.console_secret_file)
    except (OSError, ValueError) as exc:
        log.warning("console.secret_not_kept", path=str(settings.console_secret_file), error=str(exc),
                    consequence="sessions end when the process stops")
        return None


def make_app(hotline: Hotline, console: ConsoleSettingsLike, *, keys: auth.Keys | None = None,
             login_clock: Callable[[], float] = time.monotonic) -> web.Application:
    settings = hotline.settings
    # The form size limit stops oversized posts before they reach a handler (413).
    app = web.Application(middlewares=[security_headers, authenticate], client_max_size=64 * 1024)
    app[OPS] = Operations(hotline)
    app[KEYS] = keys or auth.Keys(console_secret(settings))
    app[THROTTLE] = LoginThrottle(Policy.from_settings(settings), clock=login_clock)
    app[PROXIES] = TrustedProxies(settings.trusted_proxies)
    app[SETTINGS] = ConsoleConfig(cookie=COOKIE, login_csrf_cookie=LOGIN_CSRF_COOKIE,
                                  cookie_secure=console.cookie_secure, session_ttl_s=console.session_ttl_s)
    env = _setup_templates(app, hotline.clock)
    login.add_routes(app)
    views.add_routes(app)
    casepage.add_routes(app)
    static = app.router.add_static("/console/static/", HERE / "static", append_version=True,
                                   name="static")
    env.globals["asset"] = lambda name: str(static.url_for(filename=name))
    return app
