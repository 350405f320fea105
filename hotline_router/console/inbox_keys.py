"""The inbox's desk port, its application key and who may use it (shared by inbox.py and
figures.py; app.py keeps an editor to these pages)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from aiohttp import web

from hotline_router.console.i18n import tr
from hotline_router.console.views import current
from hotline_router.models import Operator

EDITOR = "editor"
# What an editor may open: the inbox, the figures, their language, logging out.
EDITOR_PATHS = ("/console/inbox", "/console/figures", "/console/language", "/console/logout",
                "/console/static/", "/console/login")


class InboxDeskLike(Protocol):
    def topics(self) -> list[str]: ...
    def indicators(self) -> list[str]: ...
    def parse_filter(self, lang: str, reason: str, week: str, state: str) -> Any: ...
    async def groups(self, flt: Any) -> Sequence[Any]: ...
    async def label(self, *, ids: list[int], kind: str, value: str, note: str, by: str) -> int: ...
    async def figures(self, weeks: int) -> Any: ...
    def csv(self, f: Any) -> str: ...
    def chart(self, f: Any, name: str) -> bytes: ...
    async def correct(self, *, user_id: int, text: str, lang: str, topic: str | None) -> bool: ...


INBOX: web.AppKey[InboxDeskLike] = web.AppKey("hamroh_inbox_desk")
REASONS = ("fallback", "did_you_mean", "low_confidence", "handoff", "corrected")


def may_edit(op: Operator) -> bool:
    return op.role in (EDITOR, "supervisor")


def desk_of(request: web.Request) -> InboxDeskLike:
    op = current(request)
    if not may_edit(op):
        raise web.HTTPForbidden(text=tr("Editors and supervisors only."))
    return request.app[INBOX]


