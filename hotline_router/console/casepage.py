"""The case page: the conversation (newest at the bottom, in view), the reply box with ready
replies, the evidence in plain words, where the person is, and the case's actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from hotline_router import audit, auth, location
from hotline_router.console import conversation, replies
from hotline_router.console.attachments import pair
from hotline_router.console.i18n import operation_message, tr, ui
from hotline_router.console.keys import ATTACHMENTS
from hotline_router.console.views import (
    action_error,
    client_ip,
    context,
    current,
    ops_of,
    url_id,
)
from hotline_router.models import Case, Operator
from hotline_router.operations import ActionError, CaseView, actor
from hotline_router.service import Hotline


def content_dir(h: Hotline) -> Path:
    return h.settings.routing_file.resolve().parent.parent


def replies_dir(h: Hotline) -> Path:
    return h.settings.replies_dir or h.settings.routing_file.resolve().parent / "replies"


def ready_replies(h: Hotline, op: Operator, case: Case) -> list[tuple[str, str, str]]:
    """(shortcut, title, text) in the person's language, placeholders filled."""
    team = h.routing.team(case.team)
    values = {"operator": op.display_name or op.username,
              "hotline_numbers": "\n".join(p.text(case.lang) for p in team.phones),
              "emergency_numbers": ", ".join(h.routing.emergency_numbers(case.country))}
    return [(r.shortcut, r.title, r.fill(values)) for r in replies.load(replies_dir(h), case.lang)]


async def _conversation(request: web.Request, view: CaseView) -> dict[str, Any]:
    """What the page and its live conversation part need, files included."""
    ops = ops_of(request)
    source = request.app.get(ATTACHMENTS)
    files, files_url = {}, None
    if source is not None:
        async with ops.h.sessions() as session:
            files = pair(view.messages, await source.attachments(session, view.case.id))
        files_url = source.index_url(view.case.id)
    items = conversation.build(view.case, view.messages, view.names, files,
                               content_dir=content_dir(ops.h), locale=ui().locale)
    evidence = conversation.evidence(view.case, items)  # marks the messages it quotes
    return context(request, v=view, c=view.case, items=items, evidence=evidence,
                   files_url=files_url)


async def _render(request: web.Request, view: CaseView, *, status: int = 200, draft: str = "",
                  reply_error: str = "") -> web.Response:
    h, op = ops_of(request).h, current(request)
    page = await _conversation(request, view)
    page.update(teams=h.routing.teams, outcomes=h.routing.outcomes, tags=h.routing.tags,
                max_reply=h.settings.max_reply_chars, draft=draft, reply_error=reply_error,
                ready=ready_replies(h, op, view.case) if view.can_act else [],
                confirmed=location.confirmed(view.case), ask_where=location.should_ask(view.case),
                countries=location.choices(h.routing),
                can_locate=view.can_act or op.is_supervisor,
                team_name=h.routing.team(view.case.team).name,
                topic_titles=[conversation.topic_title(content_dir(h), t, ui().locale)
                              for t in view.case.topics or []])
    return aiohttp_jinja2.render_template("case.html", request, page, status=status)


async def case_page(request: web.Request) -> web.Response:
    ops, op, case_id = ops_of(request), current(request), url_id(request, "case_id")
    async with ops.h.sessions() as session:  # one "view" row per operator and case a while
        seen = await audit.viewed_recently(session, operator_id=op.id, case_id=case_id,
                                           now=ops.h.clock())
    try:
        view = await ops.view(op, case_id, ip=client_ip(request), audited=not seen)
    except ActionError as exc:
        return await action_error(request, exc)
    return await _render(request, view)


async def case_conversation(request: web.Request) -> web.Response:
    try:
        view = await ops_of(request).view(current(request), url_id(request, "case_id"),
                                          ip=client_ip(request), audited=False)
    except ActionError as exc:
        raise web.HTTPForbidden(text=exc.message) from exc
    return aiohttp_jinja2.render_template("_conversation.html", request,
                                          await _conversation(request, view))


async def reply_refused(request: web.Request, case_id: int, text: str, exc: ActionError) -> web.Response:
    """A refused reply (too long, not claimed...) never loses what the operator typed: the case
    page comes back with the text in the box and the reason above it."""
    if exc.status in (403, 404):  # not a case this operator may see: nothing to show it on
        return await action_error(request, exc)
    try:
        view = await ops_of(request).view(current(request), case_id, ip=client_ip(request), audited=False)
    except ActionError:
        return await action_error(request, exc)
    return await _render(request, view, status=exc.status, draft=text,
                         reply_error=operation_message(exc.message))


async def set_country(request: web.Request, case_id: int, code: str) -> None:
    """An operator says where the person is; audited with what it was before."""
    op, h = current(request), ops_of(request).h
    if code not in location.choices(h.routing):
        raise ActionError(400, tr("Choose a country from the list."))
    async with h.sessions.begin() as session:
        case = await session.get(Case, case_id)
        if case is None:
            raise ActionError(404, "No such case.")
        holder = case.status == "assigned" and case.assigned_to == op.id
        if not (op.is_supervisor or holder):
            raise ActionError(409, "Claim the case first: only the operator who holds it can do this.")
        change = await location.set_country(session, case, code, source="operator", actor=actor(op),
                                            routing=h.routing, now=h.clock(),
                                            window_s=h.settings.online_window_s)
        auth.audit(session, operator=op, action="set_country", now=h.clock(), ip=client_ip(request),
                   case_id=case_id, before=change.before, after=change.after,
                   **({"to_team": change.team_after} if change.rerouted else {}))


async def case_action(request: web.Request) -> web.StreamResponse:
    ops, op, ip = ops_of(request), current(request), client_ip(request)
    case_id, action = url_id(request, "case_id"), request.match_info["action"]
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
            kind, _, name = field("target").partition(":")
            await ops.transfer(op, case_id, ip=ip, team=name if kind == "team" else None,
                               operator=name if kind == "operator" else None)
        elif action == "close":
            tags = [str(t) for t in form.getall("tags", [])]
            await ops.close(op, case_id, outcome=field("outcome"), tags=tags, ip=ip)
        elif action == "reopen":
            await ops.reopen(op, case_id, ip=ip)
        elif action == "country":
            await set_country(request, case_id, field("country"))
        else:
            raise web.HTTPNotFound()
    except ActionError as exc:
        return await action_error(request, exc)
    if action == "transfer" and not op.is_supervisor:
        raise web.HTTPSeeOther("/console/")  # the case is no longer theirs to look at
    raise web.HTTPSeeOther(f"/console/cases/{case_id}")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(r"/console/cases/{case_id:\d+}", case_page)
    r.add_get(r"/console/cases/{case_id:\d+}/conversation", case_conversation)
    r.add_post(r"/console/cases/{case_id:\d+}/{action:[a-z]+}", case_action)
