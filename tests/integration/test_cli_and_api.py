"""The CLI and the HTTP API over the real core: contracts, batch, eval, and clear errors for bad input."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main as assistant_main
from ingest.cli import main as ingest_main
from tests.conftest import CORPUS, PUBLIC_EVAL

pytestmark = pytest.mark.slow
CITATION_KEYS = {"chunk_id", "title", "section", "source", "snippet", "published"}


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = assistant_main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ask_json_follows_the_contract(ingested, capsys):
    code, out, _ = run_cli(
        capsys,
        "--data-dir",
        str(ingested.data_dir),
        "ask",
        "--json",
        "Hvor mye skal klima og miljø vektes når det brukes som tildelingskriterium?",
    )
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"answer", "refused", "confidence", "citations", "retrieved"}
    assert "30" in data["answer"] and data["refused"] is False and 0 <= data["confidence"] <= 1
    assert data["citations"] and all(set(c) == CITATION_KEYS for c in data["citations"])
    assert len(data["retrieved"]) >= 5
    assert all(set(r) == {"chunk_id", "score", "title", "text"} for r in data["retrieved"])
    retrieved = {r["chunk_id"]: r["text"] for r in data["retrieved"]}
    assert all(c["snippet"] in retrieved[c["chunk_id"]] for c in data["citations"])


def test_ask_prints_a_readable_answer_with_sources(ingested, capsys):
    code, out, _ = run_cli(
        capsys, "--data-dir", str(ingested.data_dir), "ask", "Hva er den nasjonale terskelverdien?"
    )
    assert code == 0 and "1,3 millioner" in out and "[1]" in out and "http" in out


def test_ask_batch_writes_one_json_line_per_question(ingested, capsys, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text(
        '{"id": "a", "question": "Hva er den nasjonale terskelverdien?"}\n'
        '{"id": "b", "question": "Kan du skrive et dikt om katter?"}\n'
        '{"id": "c", "question": ""}\n',
        encoding="utf-8",
    )
    code, out, _ = run_cli(capsys, "--data-dir", str(ingested.data_dir), "ask", "--batch", str(batch))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [line["id"] for line in lines] == ["a", "b", "c"]
    assert lines[0]["refused"] is False and lines[1]["refused"] is True
    assert lines[2]["error"]["code"] == "empty_question"


def test_eval_prints_metrics_as_json(ingested, capsys):
    code, out, _ = run_cli(capsys, "--data-dir", str(ingested.data_dir), "eval", "--json", str(PUBLIC_EVAL))
    metrics = json.loads(out)["metrics"]
    assert code == 0
    assert set(metrics) >= {"recall@5", "accuracy", "refusal", "false_refusal", "citation_validity"}
    assert metrics["citation_validity"] == 1.0


def test_cli_errors_are_messages_not_tracebacks(ingested, capsys, tmp_path):
    code, _, err = run_cli(capsys, "--data-dir", str(ingested.data_dir), "ask", "   ")
    assert code == 2 and "empty" in err.lower() and "Traceback" not in err
    code, _, err = run_cli(
        capsys, "--data-dir", str(ingested.data_dir), "eval", str(tmp_path / "missing.jsonl")
    )
    assert code == 2 and "missing.jsonl" in err
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "--data-dir", str(ingested.data_dir), "eval", str(bad))
    assert code == 2 and "bad.jsonl:1" in err


def test_first_run_ingests_an_empty_store(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "fake")
    monkeypatch.setenv("ASSISTANT_CORPUS_DIRS", json.dumps([str(CORPUS)]))
    code, out, err = run_cli(capsys, "--data-dir", str(tmp_path / "fresh"), "ask", "--json", "Hva er KS?")
    assert code == 0 and "First start" in err and json.loads(out)["retrieved"]


def test_ingest_dry_run_reports_the_plan(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "fake")
    code = ingest_main([str(CORPUS), "--dry-run", "--data-dir", str(tmp_path / "d")])
    err = capsys.readouterr().err
    assert code == 0 and "dry run:" in err and "add" in err and "chunks to embed" in err
    assert not (tmp_path / "d" / "index" / "CURRENT").exists()


# ---- HTTP API ---------------------------------------------------------------------------------------


def test_chat_returns_the_answer_contract_with_ids(client):
    response = client.post("/v1/chat", json={"question": "Må vi godta andre miljømerker enn Svanemerket?"})
    body = response.json()
    assert response.status_code == 200
    assert {
        "answer",
        "refused",
        "confidence",
        "citations",
        "retrieved",
        "conversation_id",
        "message_id",
    } <= set(body)
    assert not body["refused"] and "tilsvarende" in body["answer"].lower()


def test_chat_continues_a_conversation(client):
    first = client.post(
        "/v1/chat", json={"question": "Hva er EØS-terskelverdien for statlige vare- og tjenestekjøp?"}
    )
    conversation_id = first.json()["conversation_id"]
    second = client.post(
        "/v1/chat",
        json={"question": "Og for bygge- og anleggskontrakter?", "conversation_id": conversation_id},
    )
    body = second.json()
    assert body["conversation_id"] == conversation_id
    assert "57,8" in body["answer"] or "57 800 000" in body["answer"]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"question": ""}, 400, "empty_question"),
        ({"question": "   "}, 400, "empty_question"),
        ({"question": "x" * 2001}, 400, "question_too_long"),
        ({"question": 42}, 422, "invalid_request"),
        ({"question": ["a"]}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
        ({"question": "Hei", "conversation_id": "x" * 100}, 422, "invalid_request"),
    ],
)
def test_bad_chat_input_gets_a_json_error(client, payload, status, code):
    response = client.post("/v1/chat", json=payload)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]


def test_malformed_json_body_gets_a_json_error(client):
    response = client.post("/v1/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


def test_unknown_route_gets_a_json_error(client):
    response = client.get("/v1/nope")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_documents_lists_what_is_ingested_with_validity(client):
    documents = client.get("/v1/documents").json()
    assert len(documents) >= 13
    by_kind = {d["kind"] for d in documents}
    assert {"letter", "law", "faq"} <= by_kind
    plan = next(d for d in documents if "2007_2010" in d["doc_id"])
    assert plan["valid_to"] == "2010-12-31" and plan["chunks"] > 0


def test_health_and_openapi(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    spec = client.get("/openapi.json").json()
    assert "/v1/chat" in spec["paths"] and "ChatResponse" in json.dumps(spec)
    assert client.get("/docs").status_code == 200
