"""Console pages to open what a person sent during a handoff (voice, photo, document...),
fetched through the bot (getFile) when an operator asks: nothing is downloaded in advance.

Mounted on the console application (same login, same rights: an operator who may view the
case may open its files; every opening is audited as a case view). The case page links each
file from the message that brought it (`TelegramAttachments`, the console's AttachmentSource).
"""

from __future__ import annotations

import html
import io
import re
from typing import Any
from urllib.parse import quote

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.models import HandoffFile
from hotline_router.console.attachments import Attachment
from hotline_router.console.keys import ATTACHMENTS, OPERATOR, OPS
from hotline_router.console.views import parse_id
from hotline_router.operations import ActionError

MAX_BYTES = 20 * 1024 * 1024  # the Bot API serves files up to 20 MB
BOT_KEY: web.AppKey[Bot] = web.AppKey("telegram_bot", Bot)


async def _allowed(request: web.Request, case_id: int) -> Any:
    op = request.get(OPERATOR)  # set by the console's login middleware
    if op is None:
        raise web.HTTPUnauthorized(text="Log in first.")
    ops = request.app[OPS]
    try:
        await ops.view(op, case_id, ip=request.remote or "")
    except ActionError as e:
        raise web.HTTPForbidden(text=e.message) from e
    return ops


def _case_id(request: web.Request, key: str = "case_id") -> int:
    found = parse_id(request.match_info[key])  # a huge id would overflow the database column
    if found is None:
        raise web.HTTPNotFound()
    return found


# Types a browser would render or run: a file a person sent is only ever downloaded.
_ACTIVE = ("text/html", "application/xhtml", "image/svg", "text/xml", "application/xml", "text/javascript",
           "application/javascript")
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")


def safe_mime(declared: str | None) -> str:
    """The content type to serve a person's file with: the sender's declared type without its
    parameters ("text/html; charset=utf-8" made aiohttp fail with a 500), never one a browser
    would render."""
    mime = (declared or "").split(";", 1)[0].strip().lower()
    if not _MIME.fullmatch(mime) or mime.startswith(_ACTIVE):
        return "application/octet-stream"
    return mime


async def list_files(request: web.Request) -> web.Response:
    case_id = _case_id(request)
    ops = await _allowed(request, case_id)
    async with ops.h.sessions() as session:
        files = (await session.scalars(select(HandoffFile).where(HandoffFile.case_id == case_id)
                                       .order_by(HandoffFile.id))).all()
    rows = "".join(
        f'<li>{html.escape(f.at.strftime("%d.%m %H:%M"))} · {html.escape(f.media_type)} · '
        f'<a href="/console/telegram/files/{case_id}/{f.id}">{html.escape(f.file_name or "open")}</a>'
        f'{" · " + html.escape(f.caption) if f.caption else ""}</li>' for f in files)
    body = (f"<!doctype html><meta charset=utf-8><title>Files of case #{case_id}</title>"
            f"<h1>Files of case #{case_id}</h1><ul>{rows or '<li>No files.</li>'}</ul>"
            f'<p><a href="/console/cases/{case_id}">Back to the case</a></p>')
    return web.Response(text=body, content_type="text/html")


async def open_file(request: web.Request) -> web.Response:
    case_id, file_pk = _case_id(request), _case_id(request, "file_id")
    ops = await _allowed(request, case_id)
    async with ops.h.sessions() as session:
        record = await session.get(HandoffFile, file_pk)
    if record is None or record.case_id != case_id:
        raise web.HTTPNotFound()
    bot = request.app[BOT_KEY]
    try:
        info = await bot.get_file(record.file_id)
        if info.file_path is None or (info.file_size or 0) > MAX_BYTES:
            raise web.HTTPNotFound(text="Telegram cannot hand this file to bots (over 20 MB).")
        buffer = io.BytesIO()
        await bot.download_file(info.file_path, destination=buffer)
    except TelegramAPIError as e:
        raise web.HTTPBadGateway(text=f"Telegram refused the file: {e.message}") from e
    name = record.file_name or f"case{case_id}-{record.media_type}-{record.id}"
    return web.Response(body=buffer.getvalue(), content_type=safe_mime(record.mime_type),
                        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                                 "X-Content-Type-Options": "nosniff"})


def index_url(case_id: int) -> str:
    return f"/console/telegram/files/{case_id}"


class TelegramAttachments:
    """The files of a case for the console's case page (links to `open_file`)."""

    def index_url(self, case_id: int) -> str:
        return index_url(case_id)

    async def attachments(self, session: AsyncSession, case_id: int) -> list[Attachment]:
        rows = (await session.scalars(select(HandoffFile).where(HandoffFile.case_id == case_id)
                                      .order_by(HandoffFile.id))).all()
        return [Attachment(media_type=f.media_type, url=f"{index_url(case_id)}/{f.id}", name=f.file_name or "")
                for f in rows]


def mount(app: web.Application, bot: Bot) -> None:
    app[BOT_KEY] = bot
    app[ATTACHMENTS] = TelegramAttachments()
    app.router.add_get("/console/telegram/files/{case_id}", list_files)
    app.router.add_get("/console/telegram/files/{case_id}/{file_id}", open_file)
