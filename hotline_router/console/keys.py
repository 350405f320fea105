"""Typed keys of the console application's state (shared by app.py and views.py)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from hotline_router.auth import Keys
from hotline_router.console.attachments import AttachmentSource
from hotline_router.console.client import TrustedProxies
from hotline_router.console.throttle import LoginThrottle
from hotline_router.models import Operator
from hotline_router.operations import Operations


@dataclass(frozen=True)
class ConsoleConfig:
    cookie: str
    login_csrf_cookie: str
    cookie_secure: bool
    session_ttl_s: int


OPS = web.AppKey("hotline_ops", Operations)
KEYS = web.AppKey("hotline_keys", Keys)
THROTTLE = web.AppKey("hotline_login_throttle", LoginThrottle)
PROXIES = web.AppKey("hotline_trusted_proxies", TrustedProxies)
SETTINGS = web.AppKey("hotline_console", ConsoleConfig)
# Set by a transport that can open what people sent (bot.telegram.files.mount).
ATTACHMENTS: web.AppKey[AttachmentSource] = web.AppKey("hotline_attachments")
# Set by the authentication middleware on every request.
CLIENT_IP: web.RequestKey[str] = web.RequestKey("hotline_client_ip")
OPERATOR: web.RequestKey[Operator | None] = web.RequestKey("hotline_operator")
TOKEN: web.RequestKey[str | None] = web.RequestKey("hotline_session_token")
