"""The editors' inbox: misunderstood messages (already redacted), filtered by language, reason
and week, in groups of near-duplicates, labelled with one click.

The console does not know the bot's tables: the transport that owns them mounts a desk
(`bot.inbox.desk.InboxDesk`, through `mount`), as the Telegram files are mounted. Editors and
supervisors see these pages; an editor sees nothing else of the console (app.py).
"""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hotline_router import auth
from hotline_router.console import figures as figures_pages
from hotline_router.console.i18n import tr
from hotline_router.console.inbox_keys import INBOX, REASONS, InboxDeskLike, desk_of
from hotline_router.console.views import client_ip, context, current, error_page, ops_of, parse_id
from hotline_router.operations import ActionError


async def inbox_page(request: web.Request) -> web.Response:
    desk, q = desk_of(request), request.query
    flt = desk.parse_filter(q.get("lang", ""), q.get("reason", ""), q.get("week", ""), q.get("state", "open"))
    groups = await desk.groups(flt)
    return aiohttp_jinja2.render_template("inbox.html", request, context(
        request, groups=groups, f=flt, reasons=REASONS, topics=desk.topics(), indicators=desk.indicators(),
        done=q.get("done", "")[:6]))


async def label(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    form = await request.post()
    ids = [i for i in (parse_id(str(v)) for v in str(form.get("ids", "")).split(",")) if i is not None]
    kind = str(form.get("kind", ""))
    value = str(form.get("topic" if kind == "topic" else "indicator", ""))
    if not ids:
        return await error_page(request, 400, tr("Nothing was chosen."))
    try:
        n = await desk.label(ids=ids, kind=kind, value=value, note=str(form.get("note", "")),
                             by=current(request).username)
    except ValueError:
        return await error_page(request, 400, tr(
            "This label cannot be used: choose a topic or an indicator from the list; a new topic needs a note."))
    back = str(form.get("back", ""))
    target = back if back.startswith("/console/inbox") and "//" not in back else "/console/inbox"
    raise web.HTTPSeeOther(target + ("&" if "?" in target else "?") + f"done={n}")


def asked_before(transcript: list[dict[str, Any]], index: int) -> dict[str, Any] | None:
    """The person's text message that a bot answer (transcript[index]) answered."""
    if not 0 <= index < len(transcript) or transcript[index].get("direction") == "in":
        return None
    for entry in reversed(transcript[:index]):
        if entry.get("direction") == "in":
            return entry if entry.get("kind") == "text" and str(entry.get("text") or "").strip() else None
    return None


async def correct(request: web.Request) -> web.StreamResponse:
    """An operator marks a bot answer in a case as wrong: the question goes to the inbox
    ("corrected"), redacted like every captured message."""
    form = await request.post()
    case_id, anchor = parse_id(str(form.get("case", ""))), str(form.get("item", ""))
    digits = anchor[1:]
    index = int(digits) if anchor.startswith("t") and digits.isascii() and digits.isdigit() and len(digits) < 6 \
        else None
    if case_id is None or index is None:
        return await error_page(request, 400, tr("Nothing was chosen."))
    ops, op = ops_of(request), current(request)
    try:
        view = await ops.view(op, case_id, ip=client_ip(request), audited=False)
    except ActionError as exc:
        return await error_page(request, exc.status, exc.message)
    asked = asked_before(list(view.case.transcript or []), index)
    if asked is None or view.case.user_id is None:
        return await error_page(request, 409, tr("This answer has no question of the person to send to the inbox."))
    added = await request.app[INBOX].correct(user_id=view.case.user_id, text=str(asked.get("text")),
                                             lang=view.case.lang, topic=view.case.transcript[index].get("topic"))
    if added:
        async with ops.h.sessions.begin() as session:
            auth.audit(session, operator=op, action="inbox_correct", now=ops.h.clock(), ip=client_ip(request),
                       case_id=case_id, item=anchor)
    raise web.HTTPSeeOther(f"/console/cases/{case_id}#{anchor}")


def mount(app: web.Application, desk: InboxDeskLike) -> None:
    """The inbox and figures pages, and their link in the navigation."""
    app[INBOX] = desk
    aiohttp_jinja2.get_env(app).globals["inbox_mounted"] = True
    r = app.router
    r.add_get("/console/inbox", inbox_page)
    r.add_post("/console/inbox/label", label)
    r.add_post("/console/inbox/correct", correct)
    figures_pages.add_routes(app)
