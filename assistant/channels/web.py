"""HTTP API routes: chat, feedback, escalations, conversations, documents, health, the widget script and the
demo page. Parses, calls the core or the database layer, renders JSON. The SSE variant lives in `stream`.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from assistant.channels.limits import rate_limit
from assistant.channels.turn import answer_and_log
from assistant.core.texts import widget_strings
from assistant.errors import StoreError
from assistant.models import (
    ChatRequest,
    ChatResponse,
    ConversationHistory,
    DocumentInfo,
    EscalationRequest,
    FeedbackRequest,
    StaffAnswer,
    Stored,
    StoredMessage,
)
from assistant.platform.blocking import run_blocking
from assistant.platform.metrics import exposition, observe_feedback
from assistant.staff.verified import replies_for as staff_replies

router = APIRouter()


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    """Every 4xx/5xx body: `{"error": {"code", "message"}}` (see `assistant.app`)."""

    error: ErrorDetail


_ERRORS = {
    400: "The body is not JSON (`invalid_body`), or a value cannot be used: an empty or too long question, "
    "text with NUL (`empty_question`, `question_too_long`, `invalid_text`).",
    404: "No such message or conversation (`not_found`).",
    422: "The request does not match the schema (`invalid_request`).",
    429: "Too many questions from this client (`rate_limited`); see `Retry-After`.",
    503: "The store or the database cannot be reached (`store_unavailable`, `database_unavailable`, "
    "`not_ready`); see `Retry-After`.",
}


def errors(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI `responses` for the error statuses a route can answer, all with the one error body."""
    return {status: {"model": ErrorResponse, "description": _ERRORS[status]} for status in statuses}


def rfc3339(moment: datetime) -> datetime:
    """A stored time with its time zone: SQLite gives back naive datetimes, all of them UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def get_services(request: Request):
    """The app's `Services`. Async although it awaits nothing: FastAPI runs a plain function dependency in
    its thread pool, one thread hop more on every request (issue 18)."""
    return request.app.state.services


Services = Annotated[object, Depends(get_services)]


@router.post(
    "/v1/chat",
    response_model=ChatResponse,
    tags=["chat"],
    dependencies=[Depends(rate_limit)],
    responses=errors(400, 422, 429, 503),
)
async def chat(body: ChatRequest, services: Services) -> ChatResponse:
    """Answer one question with citations; pass `conversation_id` to continue a conversation."""
    result, conversation_id, message_id = await answer_and_log(
        services, body.question, body.conversation_id, channel="api"
    )
    return ChatResponse(**result.model_dump(), conversation_id=conversation_id, message_id=message_id)


async def _known_message(db, message_id: str) -> None:
    if not await run_blocking(db.message_exists, message_id):
        raise HTTPException(404, "No answer with this message_id.")


@router.post(
    "/v1/feedback",
    response_model=Stored,
    status_code=201,
    tags=["feedback"],
    responses=errors(400, 404, 422, 503),
)
async def feedback(body: FeedbackRequest, services: Services) -> Stored:
    """Rate an answer 👍 (`up`) or 👎 (`down`), with an optional comment. Rating the same answer again
    replaces the earlier rating and comment (the latest counts, once); the receipt keeps its id."""
    await _known_message(services.db, body.message_id)
    comment = (body.comment or "").strip() or None
    db = services.db
    row_id, change = await run_blocking(db.set_feedback, body.message_id, body.rating, comment, channel="web")
    if change != "same":
        observe_feedback("web", body.rating)
    return Stored(id=row_id)


@router.post(
    "/v1/escalations",
    response_model=Stored,
    status_code=201,
    tags=["feedback"],
    responses=errors(400, 404, 422, 503),
)
async def escalation(body: EscalationRequest, services: Services) -> Stored:
    """Ask a procurement adviser to follow up an answer; `contact` is how to reach the buyer, if given."""
    await _known_message(services.db, body.message_id)
    row_id = await run_blocking(
        services.db.add_escalation,
        body.message_id,
        region=body.region,
        contact=(body.contact or "").strip() or None,
        note=(body.note or "").strip() or None,
        channel="web",
    )
    return Stored(id=row_id)


@router.get(
    "/v1/conversations/{conversation_id}",
    response_model=ConversationHistory,
    tags=["chat"],
    responses=errors(404, 503),
)
async def conversation(conversation_id: str, services: Services, request: Request) -> ConversationHistory:
    """The stored questions and answers of a conversation, oldest first (the widget shows them on reload)."""
    rows = await run_blocking(services.db.history, conversation_id)
    if not rows:
        raise HTTPException(404, "No conversation with this id.")
    staff = await run_blocking(staff_replies, services.db, [r.id for r in rows], request.app.state.regions)
    return ConversationHistory(
        conversation_id=conversation_id,
        messages=[
            StoredMessage(
                message_id=r.id,
                question=r.question,
                answer=r.answer,
                refused=r.refused,
                confidence=r.confidence,
                citations=r.citations,
                created_at=rfc3339(r.created_at),
                staff_answer=StaffAnswer(**vars(staff[r.id])) if r.id in staff else None,
            )
            for r in rows
        ],
    )


@router.get("/v1/documents", response_model=list[DocumentInfo], tags=["documents"], responses=errors(503))
async def documents(services: Services) -> list[DocumentInfo]:
    """What is ingested, with validity dates."""
    snapshot = services.deps.retriever.store.snapshot()
    return [
        DocumentInfo(
            doc_id=d.doc_id,
            title=d.title,
            source=d.source,
            kind=d.kind,
            language=d.language,
            valid_from=d.valid_from,
            valid_to=d.valid_to,
            chunks=len(d.chunk_ids),
        )
        for d in sorted(snapshot.documents.values(), key=lambda d: d.doc_id)
    ]


@router.get("/healthz", tags=["health"])
async def healthz() -> dict:
    """Liveness: the process serves requests (checks nothing else, so a restart cannot fix a dependency)."""
    return {"status": "ok"}


READY_TIMEOUT = 5.0


@router.get("/readyz", tags=["health"], responses=errors(503))
async def readyz(services: Services) -> dict:
    """Readiness: the store (vectors and published index) and the database answer; else 503 `not_ready`."""
    checks = {"store": services.deps.retriever.store.ping, "database": services.db.ping}
    failed = []
    for name, check in checks.items():
        try:
            await asyncio.wait_for(run_blocking(check), READY_TIMEOUT)
        except (StoreError, TimeoutError):
            failed.append(name)
    if failed:
        raise StoreError(f"Not ready: {' and '.join(failed)} unreachable.", code="not_ready")
    return {"status": "ready", "store": "ok", "database": "ok"}


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    """Prometheus metrics (requests, latency, answers, refusals, feedback)."""
    return exposition()


def _static(name: str) -> str:
    return resources.files("assistant").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    """The icon browsers ask for on the demo page and the staff pages (else a 404 in every log)."""
    icon = resources.files("assistant").joinpath("static", "favicon.ico").read_bytes()
    return Response(icon, media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def demo_page() -> str:
    return _static("demo.html")


@cache
def widget_source() -> str:
    """widget.js with its words from `assistant.core.texts` (the one place for user-facing text)."""
    strings = json.dumps(widget_strings(), ensure_ascii=False).replace("</", "<\\/")
    return _static("widget.js").replace("/*STRINGS*/null", strings, 1)


@router.get("/widget.js", include_in_schema=False)
async def widget_script() -> Response:
    """The embeddable chat widget (see the README, "Web chat widget")."""
    return Response(
        widget_source(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )
