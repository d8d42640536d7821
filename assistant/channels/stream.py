"""`POST /v1/chat/stream`: the chat API as Server-Sent Events, for the web widget.

Events, in order: `status` (searching), then either `error` (code, message) and the end, or `delta`s
(answer text pieces that concatenate to the whole answer), `citations` (the same list as `/v1/chat`) and
`done` (conversation_id, message_id, refused, confidence, language).

The core returns a finished, grounded answer, so the pieces are its sentences: a chat model's raw tokens
are never sent, because they are only shown once `assistant.core.grounding` has checked them against the
sources. The answer is stored before the first delta, so `done` always names a message that exists.
Parses, calls the core, renders SSE; no answer logic here.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse

from assistant.channels.limits import rate_limit
from assistant.channels.turn import answer_and_log
from assistant.channels.web import errors, get_services
from assistant.core.answer import validate
from assistant.core.texts import say
from assistant.errors import AssistantError
from assistant.models import WidgetChatRequest

log = logging.getLogger(__name__)
router = APIRouter()

Services = Annotated[Any, Depends(get_services)]

# A piece ends after sentence punctuation or a citation marker, unless a citation marker or a lower-case
# letter follows (so "1. januar" and "ekskl. mva" stay whole).
_PIECE_END = re.compile(r"(?<=[.!?…\]])\s+(?![\[a-zà-öø-ÿ])")

STREAM_DOC = """Answer one question as Server-Sent Events: `status`, then `delta`* + `citations` + `done`,
or `error`. Each event's data is JSON. Input errors and rate limits are ordinary JSON errors (400/422/429)
returned before the stream starts."""


def pieces(text: str) -> list[str]:
    """The answer split into sentence-sized pieces (with their trailing space) that join back to `text`."""
    parts, start = [], 0
    for match in _PIECE_END.finditer(text):
        parts.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        parts.append(text[start:])
    return parts


def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post(
    "/v1/chat/stream",
    tags=["chat"],
    dependencies=[Depends(rate_limit)],
    description=STREAM_DOC,
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The event stream."},
        **errors(400, 422, 429, 503),
    },
)
async def chat_stream(body: WidgetChatRequest, services: Services) -> StreamingResponse:
    question = validate(body.question, services.settings)  # a bad question is a 400, not a stream
    return StreamingResponse(
        _events(services, body, question),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(services, body: WidgetChatRequest, question: str) -> AsyncIterator[str]:
    yield sse("status", {"code": "searching", "message": say("searching", body.lang)})
    try:
        result, conversation_id, message_id = await answer_and_log(
            services, question, body.conversation_id, channel="web", region=body.region
        )
    except AssistantError as exc:
        log.warning("stream failed: %s (%s)", exc.code, exc.message)
        yield sse("error", {"code": exc.code, "message": exc.message})
        return
    except Exception:
        log.exception("stream failed unexpectedly")
        yield sse("error", {"code": "internal_error", "message": say("internal", body.lang)})
        return
    for piece in pieces(result.answer):
        yield sse("delta", {"text": piece})
    yield sse("citations", {"citations": [c.model_dump(mode="json") for c in result.citations]})
    yield sse(
        "done",
        {
            "conversation_id": conversation_id,
            "message_id": message_id,
            "refused": result.refused,
            "confidence": result.confidence,
            "language": result.language,
        },
    )
