"""One question-and-answer turn, the same for every channel: load the conversation's earlier turns, ask the
answer core, log the question with its answer and latency, and count it in the Prometheus metrics (answers,
refusals and answer latency by channel). Channels render the result their own way and count nothing
themselves, so every channel is counted once and the same way.

The first question of a conversation is answered from the services' answer cache when the same question
was answered before on the same published index generation, the same day, by the same extractive core:
the core's answer is a function of exactly these (a follow-up also depends on its conversation, a chat
model's answer on the model, so those are never cached). Every turn is still logged and counted.
"""

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
    history, key = await run_blocking(_history_and_key, services, conversation_id, question)
    started = time.perf_counter()
    deps = services.deps
    cached = services.answers.get(key) if key is not None else None
    if cached is not None and cached[0] is deps:
        result = cached[1]
    else:
        result = await answer(question, history, deps=deps)
        if key is not None:
            services.answers.put(key, (deps, result))
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


def _history_and_key(services: Services, conversation_id: str | None, question: str):
    """The conversation's earlier turns, and the answer cache's key for this question (None: not to be
    cached). Blocking (the database; the store may load a newly published generation)."""
    history = services.db.conversation(conversation_id)
    deps = services.deps
    if history.turns or deps.chat_model is not None:
        return history, None
    store = deps.retriever.store
    store.vectors()  # a deleted vector store directory is a 503 for a cached answer too, not a stale 200
    # The entry holds `deps` itself and is used only for that object: swapped dependencies (tests, changed
    # settings) never see answers of the old ones, and the id cannot be reused while the entry exists.
    return history, (id(deps), store.snapshot().generation, deps.today(), question.strip())
