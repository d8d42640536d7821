"""One question-and-answer turn, the same for every channel: load the conversation's earlier turns, ask the
answer core, log the question with its answer and latency, and count it in the Prometheus metrics (answers,
refusals and answer latency by channel). Channels render the result their own way and count nothing
themselves, so every channel is counted once and the same way."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from assistant.core.answer import answer
from assistant.models import Answer
from assistant.platform.blocking import run_blocking
from assistant.platform.metrics import observe_answer

if TYPE_CHECKING:
    from assistant.services import Services


async def answer_and_log(
    services: Services,
    question: str,
    conversation_id: str | None,
    *,
    channel: str,
    region: str | None = None,
    user: str | None = None,
    channel_reference: dict | None = None,
) -> tuple[Answer, str, str]:
    """The core's answer, and the (conversation_id, message_id) it was logged under. `user` is the
    channel's own user id (Slack user, Teams AAD object id); the log stores only its keyed hash.
    `channel_reference` is what the channel needs to reach the asker later (stored with the question)."""
    history = await run_blocking(services.db.conversation, conversation_id)
    started = time.perf_counter()
    result = await answer(question, history, deps=services.deps)
    seconds = time.perf_counter() - started
    conversation_id, message_id = await run_blocking(
        services.db.record,
        conversation_id,
        question.strip(),
        result,
        channel=channel,
        region=region,
        latency_ms=int(seconds * 1000),
        user=user,
        channel_reference=channel_reference,
    )
    observe_answer(channel, result.refused, seconds)
    return result, conversation_id, message_id
