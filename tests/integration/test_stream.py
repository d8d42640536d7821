"""`POST /v1/chat/stream` at the HTTP level: event order, what the events carry, error events when the
database or the store fails, and a client that hangs up mid-stream. Real app, core, Chroma and SQLite.
"""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from conftest import PUBLIC_EVAL
from fastapi.testclient import TestClient
from widget_support import ingest_documents, parse_sse, serve

from assistant.app import create_app
from assistant.core.answer import build_deps

QUESTIONS = {
    row["id"]: row
    for row in (json.loads(line) for line in PUBLIC_EVAL.read_text(encoding="utf-8").splitlines() if line)
}
WEIGHTING = QUESTIONS["p05"]  # "Hvor mye skal klima og miljø vektes …" – a multi-sentence answer
OFF_TOPIC = QUESTIONS["p13"]  # the weather in Bergen – must be refused


def stream(client, **body) -> list[tuple[str, dict]]:
    response = client.post("/v1/chat/stream", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    return parse_sse(response.text)


def names(events) -> list[str]:
    return [name for name, _ in events]


def test_stream_events_come_in_order_and_carry_the_same_answer_as_chat(client):
    events = stream(client, question=WEIGHTING["question"])
    order = names(events)
    assert order[0] == "status" and events[0][1]["message"] == "Søker i kildene…"
    assert order[-2:] == ["citations", "done"]
    deltas = [data["text"] for name, data in events if name == "delta"]
    assert order[1:-2] == ["delta"] * len(deltas)
    assert len(deltas) >= 2, "an extractive answer streams sentence by sentence"

    expected = client.post("/v1/chat", json={"question": WEIGHTING["question"]}).json()
    assert "".join(deltas) == expected["answer"]
    assert any("30" in fact for fact in WEIGHTING["key_facts"][0]) and "30" in expected["answer"]
    citations = events[-2][1]["citations"]
    assert citations == expected["citations"] and citations
    assert set(citations[0]) == {"chunk_id", "title", "section", "source", "snippet", "kind", "published"}

    done = events[-1][1]
    assert done["refused"] is False and 0 < done["confidence"] <= 1 and done["language"] == "nb"
    stored = client.get(f"/v1/conversations/{done['conversation_id']}").json()
    assert [m["message_id"] for m in stored["messages"]] == [done["message_id"]]
    assert stored["messages"][0]["answer"] == expected["answer"]
    assert stored["messages"][0]["citations"] == citations


def test_stream_continues_a_stored_conversation(client):
    first = stream(client, question=WEIGHTING["question"])[-1][1]
    second = stream(client, question="Gjelder det alltid?", conversation_id=first["conversation_id"])
    done = second[-1]
    assert done[0] == "done" and done[1]["conversation_id"] == first["conversation_id"]
    history = client.get(f"/v1/conversations/{first['conversation_id']}").json()["messages"]
    assert [m["question"] for m in history] == [WEIGHTING["question"], "Gjelder det alltid?"]


def test_stream_refusal_has_no_citations_and_says_so_in_done(client):
    events = stream(client, question=OFF_TOPIC["question"], lang="en")
    assert events[0][1]["message"] == "Searching the sources…"
    assert names(events)[-2:] == ["citations", "done"]
    assert events[-2][1]["citations"] == []
    assert events[-1][1]["refused"] is True
    assert "".join(d["text"] for n, d in events if n == "delta").strip()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"question": "   "}, 400, "empty_question"),
        ({"question": "x" * 2001}, 400, "question_too_long"),
        ({"question": 42}, 422, "invalid_request"),
        ({"question": "Hei", "conversation_id": "c" * 65}, 422, "invalid_request"),
        ({"question": "Hei", "lang": "de"}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
    ],
)
def test_bad_input_is_a_json_error_before_any_stream(client, body, status, code):
    response = client.post("/v1/chat/stream", json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == code


def test_database_failure_becomes_an_error_event(client):
    client.app.state.services.db.engine.dispose()
    with client.app.state.services.db.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE messages RENAME TO messages_gone")
    events = stream(client, question=WEIGHTING["question"])
    assert names(events) == ["status", "error"]
    assert events[1][1]["code"] == "database_unavailable"
    assert "traceback" not in json.dumps(events).lower() and "INSERT" not in json.dumps(events)


def test_store_failure_becomes_an_error_event(tmp_path):
    settings = ingest_documents(
        tmp_path,
        {"kaffe.md": "---\ntitle: Kaffe\nlanguage: nb\n---\n# Kaffe\n\nKantina kjøper økologisk kaffe.\n"},
    )
    settings = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'db.sqlite'}"})
    with TestClient(create_app(settings, deps=build_deps(settings))) as client:
        assert names(stream(client, question="Hvilken kaffe kjøper kantina?"))[-1] == "done"
        # Damage the published index: the pointer now names a generation that does not exist.
        (settings.index_path / "CURRENT").write_text("gen-missing", encoding="utf-8")
        events = stream(client, question="Hvilken kaffe kjøper kantina?")
        assert names(events) == ["status", "error"]
        assert events[1][1]["code"] == "store_unavailable"
        assert client.post("/v1/chat", json={"question": "Kaffe?"}).status_code == 503


def test_client_hanging_up_mid_stream_does_not_break_the_server(app_settings, deps, caplog):
    caplog.set_level(logging.WARNING)
    with serve(create_app(app_settings, deps=deps)) as base:
        body = {"question": WEIGHTING["question"]}
        for _ in range(5):
            with (
                httpx.Client(base_url=base, timeout=30) as http,
                http.stream("POST", "/v1/chat/stream", json=body) as response,
            ):
                assert response.status_code == 200
                assert next(response.iter_lines()) == "event: status"
            # leaving the block hangs up after the first event, while the core may still be answering
        with httpx.Client(base_url=base, timeout=30) as http:
            assert http.get("/healthz").json() == {"status": "ok"}
            response = http.post("/v1/chat/stream", json={"question": WEIGHTING["question"]})
            assert names(parse_sse(response.text))[-1] == "done"
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_llm_mode_streams_the_grounded_answer(app_settings, deps):
    from assistant.core.answer import Deps
    from assistant.core.llm import QuotingChatModel

    with_model = Deps(deps.settings, deps.retriever, QuotingChatModel())
    with TestClient(create_app(app_settings, deps=with_model)) as client:
        events = stream(client, question=WEIGHTING["question"])
        expected = client.post("/v1/chat", json={"question": WEIGHTING["question"]}).json()
    assert names(events)[0] == "status" and names(events)[-2:] == ["citations", "done"]
    assert "".join(d["text"] for n, d in events if n == "delta") == expected["answer"]
    assert expected["answer"].endswith("[1]") and events[-2][1]["citations"] == expected["citations"]
