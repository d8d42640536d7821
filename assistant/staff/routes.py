"""The staff web app under `/staff`: overview, common questions, queue, answer form, log, exports
and (for admins) users and regions. Server-rendered with Jinja2; no JavaScript is needed.

Routes parse, check login / CSRF / region, call `assistant.staff.*` and render; signing in and out is
`assistant.staff.sign_in`. `mount(app, settings)` adds both routers and the login redirect to an app built by
`create_app`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote

import numpy as np
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from assistant.core.texts import STAFF_CHARTS, STAFF_ERRORS, STAFF_REASONS
from assistant.errors import AssistantError
from assistant.platform.blocking import run_blocking
from assistant.regions import load_regions, region_id
from assistant.staff import (
    actions,
    auth,
    charts,
    clusters,
    export,
    log,
    sign_in,
    source_routes,
    sources,
    verified,
)
from assistant.staff.web import (
    Admin,
    LoggedIn,
    LoginRequired,
    form_with_csrf,
    log_filter,
    render,
    scope,
    services,
    staff_error,
)

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.config import Settings

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/staff", include_in_schema=False)
CLUSTER_WINDOW_DAYS = 90


def mount(app: FastAPI, settings: Settings) -> None:
    app.state.regions = load_regions(settings.regions_file)
    sign_in.mount(app, settings, app.state.regions)
    app.include_router(router)
    app.include_router(source_routes.router)  # «Kilder» and the «kilde endret» review

    @app.exception_handler(LoginRequired)
    async def to_login(_: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/staff/login?next={quote(str(exc))}", status_code=303)


# ---- overview, log, clusters ---------------------------------------------------------------------------


@router.get("")
async def overview(request: Request, login: LoggedIn, region: str | None = None, days: int = 30):
    days = max(7, min(days, 365))
    f = scope(login, region)
    f.since = date.today() - timedelta(days=days - 1)
    entries = await run_blocking(log.entries, services(request).db, f, limit=100_000)
    figures = log.overview(entries, days=days, today=date.today())
    labels = [d.strftime("%d.%m") for d in figures.days]
    return render(
        request,
        "staff/overview.html",
        figures=figures,
        region=region_id(region),
        days=days,
        questions_chart=charts.bar_chart(STAFF_CHARTS["questions"], labels, figures.questions),
        rates_chart=charts.line_chart(
            STAFF_CHARTS["rates"],
            labels,
            {STAFF_REASONS["refused"]: figures.refusal_rate, STAFF_REASONS["down"]: figures.down_rate},
        ),
    )


@router.get("/log")
async def question_log(
    request: Request,
    login: LoggedIn,
    region: str | None = None,
    channel: str | None = None,
    status: str | None = None,
    since: str | None = None,
    until: str | None = None,
):
    f = log_filter(login, region, channel, status, since, until)
    entries = await run_blocking(log.entries, services(request).db, f, limit=500)
    return render(request, "staff/log.html", entries=entries, query=dict(request.query_params))


@router.get("/clusters")
async def common_questions(request: Request, login: LoggedIn, region: str | None = None):
    f = scope(login, region)
    f.since = date.today() - timedelta(days=CLUSTER_WINDOW_DAYS)
    svc = services(request)
    entries = await run_blocking(log.entries, svc.db, f, limit=2000)
    found: list[clusters.Cluster] = []
    if len(entries) >= 2:
        embedder = svc.deps.retriever.embedder
        vectors = await run_blocking(embedder.embed_queries, [e.question for e in entries])
        found = clusters.common_questions(
            entries, np.asarray(vectors), distance=svc.settings.cluster_distance, today=date.today()
        )
    return render(request, "staff/clusters.html", clusters=found, region=region_id(region))


# ---- queue and answers ---------------------------------------------------------------------------------


@router.get("/queue")
async def queue(request: Request, login: LoggedIn, region: str | None = None, status: str = "open"):
    f = log_filter(login, region, None, status or None)
    entries = await run_blocking(log.entries, services(request).db, f, queue=True, limit=1000)
    return render(
        request,
        "staff/queue.html",
        entries=entries,
        region=region_id(region),
        status=status,
        statuses=log.STATUSES,
    )


async def _entry(request: Request, login, message_id: str) -> log.LogEntry:
    entries = await run_blocking(
        log.entries, services(request).db, log.LogFilter(), limit=1, message_id=message_id
    )
    if not entries:
        raise HTTPException(404, STAFF_ERRORS["not_found"])
    if not login.user.may_see(entries[0].region):
        raise HTTPException(403, STAFF_ERRORS["other_region"])
    return entries[0]


@router.get("/questions/{message_id}")
async def question(request: Request, login: LoggedIn, message_id: str):
    entry = await _entry(request, login, message_id)
    history = await run_blocking(actions.for_message, services(request).db, message_id)
    return render(
        request, "staff/question.html", entry=entry, message_ids=[entry.message_id], history=history
    )


@router.post("/questions/{message_id}/status")
async def change_status(request: Request, login: LoggedIn, message_id: str):
    form = await form_with_csrf(request, login)
    await _entry(request, login, message_id)
    status = str(form.get("status") or "")
    if status not in log.STATUSES:
        raise HTTPException(422, STAFF_ERRORS["unknown_status"])
    await run_blocking(log.set_status, services(request).db, message_id, status, actor=login.user.actor)
    return RedirectResponse("/staff/queue", status_code=303)


@router.post("/answers")
async def save_answer(request: Request, login: LoggedIn):
    """Save a verified answer to one question or a whole cluster, ingest it and tell the buyers."""
    form = await form_with_csrf(request, login)
    svc = services(request)
    message_ids = [str(m) for m in form.get("message_id[]") or []]
    entries = [await _entry(request, login, m) for m in message_ids]
    question_text = " ".join(str(form.get("question") or "").split())
    answer_text = str(form.get("answer") or "").strip()
    if not question_text or not answer_text:
        raise HTTPException(422, STAFF_ERRORS["answer_incomplete"])
    links = [line.strip() for line in str(form.get("links") or "").splitlines() if line.strip()]
    if any(not link.startswith(("https://", "http://")) for link in links):
        raise HTTPException(422, STAFF_ERRORS["bad_link"])
    try:
        valid_to = date.fromisoformat(str(form["valid_to"])) if form.get("valid_to") else None
    except ValueError as exc:
        raise HTTPException(422, STAFF_ERRORS["bad_date"]) from exc
    region = login.user.region if not login.user.is_admin else region_id(str(form.get("region") or ""))
    region = region or (entries[0].region if entries else None) or "nasjonal"
    row = await run_blocking(
        verified.save,
        svc.db,
        question=question_text,
        answer=answer_text,
        links=links,
        region=region,
        author=login.user.actor,
        valid_to=valid_to,
        message_ids=message_ids,
    )
    await run_blocking(sources.resolve, svc.db, message_ids, "answered")  # a «kilde endret» is answered
    regions = request.app.state.regions
    try:
        await run_blocking(verified.write_and_ingest, svc.settings, row, regions.name(region))
    except AssistantError as exc:
        logger.error("verified answer %s saved but not ingested: %s", row.id, exc.message)
        raise
    reply = verified.StaffReply(answer_text, regions.name(region), datetime.now(UTC).date(), links)
    tell_buyer = request.app.state.tell_buyer  # the channels' notifier, set by the app
    told = await asyncio.gather(*(tell_buyer(svc.settings, e, reply) for e in entries))
    await run_blocking(verified.mark_notified, svc.db, row.id, sorted({t for t in told if t}))
    return RedirectResponse(f"/staff/queue?saved={row.id}", status_code=303)


# ---- exports and API -----------------------------------------------------------------------------------


@router.get("/export/{kind}.csv")
async def export_csv(
    request: Request,
    login: LoggedIn,
    kind: str,
    region: str | None = None,
    channel: str | None = None,
    status: str | None = None,
    since: str | None = None,
    until: str | None = None,
):
    if kind not in ("log", "queue"):
        raise HTTPException(404, "Exports: log.csv, queue.csv.")
    f = log_filter(login, region, channel, status, since, until)
    entries = await run_blocking(log.entries, services(request).db, f, queue=kind == "queue", limit=1_000_000)
    return Response(
        export.to_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind}-{date.today().isoformat()}.csv"'},
    )


@router.get("/api/queue")
async def queue_api(request: Request, login: LoggedIn, region: str | None = None, status: str = "open"):
    f = log_filter(login, region, None, status or None)
    entries = await run_blocking(log.entries, services(request).db, f, queue=True, limit=1000)
    return [export.as_dict(e) for e in entries]


# ---- admin ---------------------------------------------------------------------------------------------


@router.get("/users")
async def users(request: Request, login: Admin, error: str | None = None):
    found = await run_blocking(auth.list_users, services(request).db)
    return render(request, "staff/users.html", users=found, error=error)


@router.post("/users")
async def add_user(request: Request, login: Admin):
    form = await form_with_csrf(request, login)
    try:
        await run_blocking(
            auth.add_user,
            services(request).db,
            str(form.get("username") or ""),
            str(form.get("password") or ""),
            role=str(form.get("role") or "staff"),
            region=str(form.get("region") or "") or None,
        )
    except AssistantError as exc:
        found = await run_blocking(auth.list_users, services(request).db)
        return render(request, "staff/users.html", 422, users=found, error=staff_error(exc))
    return RedirectResponse("/staff/users", status_code=303)


@router.get("/regions")
async def regions_page(request: Request, login: Admin):
    return render(request, "staff/regions.html")
