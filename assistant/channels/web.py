"""HTTP API routes: chat, documents, health and the demo page. Parses, calls the core, renders JSON."""

from __future__ import annotations

import time
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from assistant.answer import answer
from assistant.blocking import run_blocking
from assistant.models import ChatRequest, ChatResponse, DocumentInfo

router = APIRouter()


def get_services(request: Request):
    return request.app.state.services


Services = Annotated[object, Depends(get_services)]


@router.post("/v1/chat", response_model=ChatResponse, tags=["chat"])
async def chat(body: ChatRequest, services: Services) -> ChatResponse:
    """Answer one question with citations; pass `conversation_id` to continue a conversation."""
    db = services.db
    conversation = await run_blocking(db.conversation, body.conversation_id)
    started = time.perf_counter()
    result = await answer(body.question, conversation, deps=services.deps)
    latency_ms = int((time.perf_counter() - started) * 1000)
    conversation_id, message_id = await run_blocking(
        db.record, body.conversation_id, body.question.strip(), result, channel="api", latency_ms=latency_ms
    )
    return ChatResponse(**result.model_dump(), conversation_id=conversation_id, message_id=message_id)


@router.get("/v1/documents", response_model=list[DocumentInfo], tags=["documents"])
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
    return {"status": "ok"}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def demo_page() -> str:
    return resources.files("assistant").joinpath("static/demo.html").read_text(encoding="utf-8")
