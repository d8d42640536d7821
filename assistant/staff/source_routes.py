"""Routes of «Kilder» (`/staff/sources`) and of the «kilde endret» review (mounted by `staff.routes`).

Every staff user sees the page; adding a source, asking for a refresh, taking a source out and marking a
document outdated are for admins. A refresh is never run in the request: the click marks the source and
wakes this worker's background refresher (which takes the database lease), and the page shows the result
when it is reloaded.
"""

from __future__ import annotations

import logging
from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse

from assistant.core.texts import STAFF_ERRORS
from assistant.errors import AssistantError
from assistant.platform.blocking import run_blocking
from assistant.staff import actions, log, sources
from assistant.staff.web import Admin, LoggedIn, form_with_csrf, render, services, staff_error

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/staff", include_in_schema=False)


def _wake(request: Request) -> None:
    refresher = getattr(request.app.state, "refresher", None)
    if refresher is not None:
        refresher.wake()


async def _page(request: Request, status_code: int = 200, error: str | None = None):
    svc = services(request)
    snapshot = await run_blocking(svc.deps.retriever.store.snapshot)
    found = await run_blocking(sources.overview, svc.db, snapshot)
    refresher = getattr(request.app.state, "refresher", None)
    return render(
        request,
        "staff/sources.html",
        status_code,
        overview=found,
        error=error,
        running=bool(refresher and refresher.running),
        every=sources.every,
    )


@router.get("/sources")
async def sources_page(request: Request, login: LoggedIn):
    return await _page(request)


@router.post("/sources")
async def add_source(request: Request, login: Admin):
    form = await form_with_csrf(request, login)
    db = services(request).db
    try:
        key = await run_blocking(
            sources.add_source,
            db,
            str(form.get("url") or ""),
            type=str(form.get("type") or "") or None,
            kind=str(form.get("kind") or ""),
            language=str(form.get("language") or "") or None,
            refresh=str(form.get("refresh") or ""),
            by=login.user.name[:64],
        )
    except AssistantError as exc:
        return await _page(request, 422, staff_error(exc))
    await run_blocking(actions.record, db, login.user.actor, "source_added", target=key)
    _wake(request)
    return RedirectResponse("/staff/sources?added=1", status_code=303)


@router.post("/sources/refresh")
async def refresh(request: Request, login: Admin):
    from ingest.web.registry import request_refresh

    form = await form_with_csrf(request, login)
    key = str(form.get("key") or "") or None
    db = services(request).db
    await run_blocking(request_refresh, db, key)
    await run_blocking(
        actions.record, db, login.user.actor, "source_changed", target=key or "*", detail="refresh"
    )
    _wake(request)
    return RedirectResponse("/staff/sources?refreshing=1", status_code=303)


@router.post("/sources/remove")
async def remove_source(request: Request, login: Admin):
    from ingest.web.registry import remove, request_refresh

    form = await form_with_csrf(request, login)
    db = services(request).db
    if not await run_blocking(remove, db, str(form.get("key") or "")):
        raise HTTPException(404, STAFF_ERRORS["unknown_source"])
    await run_blocking(request_refresh, db, None)
    await run_blocking(
        actions.record, db, login.user.actor, "source_changed", target=str(form["key"]), detail="removed"
    )
    _wake(request)
    return RedirectResponse("/staff/sources?removed=1", status_code=303)


@router.post("/documents/outdated")
async def mark_outdated(request: Request, login: Admin):
    form = await form_with_csrf(request, login)
    svc = services(request)
    doc_id = str(form.get("doc_id") or "")
    snapshot = await run_blocking(svc.deps.retriever.store.snapshot)
    if doc_id not in snapshot.documents:
        raise HTTPException(404, STAFF_ERRORS["unknown_document"])
    try:
        valid_to = date.fromisoformat(str(form["valid_to"])) if form.get("valid_to") else None
    except ValueError as exc:
        raise HTTPException(422, STAFF_ERRORS["bad_date"]) from exc
    published = await run_blocking(
        sources.mark_outdated, svc.settings, svc.db, doc_id, valid_to, by=login.user.name[:64]
    )
    detail = f"valid_to={valid_to.isoformat() if valid_to else ''}"
    await run_blocking(
        actions.record, svc.db, login.user.actor, "source_changed", target=doc_id, detail=detail
    )
    return RedirectResponse(f"/staff/sources?outdated={'1' if published else 'later'}", status_code=303)


@router.post("/questions/{message_id}/source-ok")
async def source_still_valid(request: Request, login: LoggedIn, message_id: str):
    """«Svaret gjelder fortsatt»: the adviser checked the diff; the verified answer is used again."""
    await form_with_csrf(request, login)
    svc = services(request)
    entries = await run_blocking(log.entries, svc.db, log.LogFilter(), limit=1, message_id=message_id)
    if not entries:
        raise HTTPException(404, STAFF_ERRORS["not_found"])
    if not login.user.may_see(entries[0].region):
        raise HTTPException(403, STAFF_ERRORS["other_region"])
    await run_blocking(sources.confirm, svc.settings, svc.db, message_id)
    await run_blocking(
        actions.record,
        svc.db,
        login.user.actor,
        "status_answered",
        message_id=message_id,
        detail="source changed: the verified answer still holds",
    )
    return RedirectResponse("/staff/queue?confirmed=1", status_code=303)
