"""The answer cache of `assistant.channels.turn`: a conversation's first question asked again is answered
from the cache with the very answer the core gives, and still logged as its own row; a follow-up, another
day or other dependencies are answered by the core."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from fastapi.testclient import TestClient

import assistant.channels.turn as turn
from assistant.app import create_app
from assistant.core.answer import answer

pytestmark = pytest.mark.slow
QUESTION = "Hva er den nasjonale terskelverdien?"


@pytest.fixture
def core_calls(monkeypatch):
    calls: list[str] = []

    async def counted(question, conversation=None, *, deps):
        calls.append(question)
        return await answer(question, conversation, deps=deps)

    monkeypatch.setattr(turn, "answer", counted)
    return calls


def test_a_repeated_first_question_gets_the_cores_answer_from_the_cache_and_a_row_of_its_own(
    app_settings, deps, core_calls
):
    with TestClient(create_app(app_settings, deps=deps)) as client:
        first = client.post("/v1/chat", json={"question": QUESTION}).json()
        again = client.post("/v1/chat", json={"question": f"  {QUESTION} "}).json()
        direct = client.app.state.services
    assert core_calls == [QUESTION]
    assert not first["refused"] and first["citations"]
    different = {"conversation_id", "message_id"}
    assert {k: v for k, v in again.items() if k not in different} == {
        k: v for k, v in first.items() if k not in different
    }
    assert again["message_id"] != first["message_id"] and again["conversation_id"] != first["conversation_id"]
    assert direct.db.message_exists(first["message_id"]) and direct.db.message_exists(again["message_id"])


def test_follow_ups_other_days_and_other_dependencies_go_to_the_core(app_settings, deps, core_calls):
    with TestClient(create_app(app_settings, deps=deps)) as client:
        first = client.post("/v1/chat", json={"question": QUESTION}).json()
        client.post("/v1/chat", json={"question": QUESTION, "conversation_id": first["conversation_id"]})
        services = client.app.state.services
        services.deps = dataclasses.replace(deps, today=lambda: date(2031, 1, 1))
        client.post("/v1/chat", json={"question": QUESTION})  # another day, other dependencies
        services.deps = dataclasses.replace(deps)
        client.post("/v1/chat", json={"question": QUESTION})  # equal, but not the same object
    assert core_calls == [QUESTION] * 4
