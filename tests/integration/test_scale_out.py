"""Scale-out without Docker: a real `chroma run` server, a real PostgreSQL and `assistant serve --workers 2`
on loopback, with the corpus ingested into the server by the `ingest` command (real packaged model).

What it protects: with `CHROMA_URL` and `DATABASE_URL` set the workers keep no state of their own (a newly
published index reaches every worker without a restart, conversations continue across workers, nothing is
written to the app's data dir); killing Chroma or PostgreSQL gives clear 503 JSON errors while `/healthz`
stays up, and the API recovers by itself when the component is back, with no conversation or feedback lost.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from tests.conftest import CORPUS
from tests.integration.scale_out_support import (
    ASSISTANT,
    Postgres,
    Process,
    chroma_server,
    free_port,
    require_servers,
    wait_until,
)

pytestmark = pytest.mark.postgres

QUESTION = "Hvor mye skal klima og miljø vektes?"
FOLLOW_UP = "Og hva med unntakene?"
NEW_DOCUMENT = """---
title: Pilotordning for utslippsfrie arbeidsbåter
source: https://example.no/pilot
kind: support
---
# Pilotordning for utslippsfrie arbeidsbåter

## Søknadsfrist

Søknadsfristen for pilotordningen for utslippsfrie arbeidsbåter er 15. mars, og ordningen gir tilskudd til
kommuner som kjøper utslippsfrie arbeidsbåter.
"""


def run_ingest(servers, *paths: Path) -> None:
    command = [sys.executable, "-m", "ingest", *map(str, paths)]
    env = {**servers.env, "ASSISTANT_DATA_DIR": str(servers.directory / "ingest-data")}
    # The ingest embeds the chunks and their answer units (about 2.2× the chunks' tokens) with the real model.
    subprocess.run(command, env=env, cwd=servers.directory, check=True, capture_output=True, timeout=900)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    require_servers()  # skipped on a machine without them, failed under CI
    directory = tmp_path_factory.mktemp("scale-out")
    postgres = Postgres()
    chroma = chroma_server(directory)
    api: Process | None = None
    try:
        postgres.start()
        chroma.start()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")},
            "HF_HUB_OFFLINE": "1",
            "ANONYMIZED_TELEMETRY": "False",
            "CHROMA_URL": chroma.url,  # type: ignore[attr-defined]
            "DATABASE_URL": postgres.url,
            "ASSISTANT_CORPUS_DIRS": json.dumps([str(CORPUS)]),
            "ASSISTANT_INDEX_REFRESH_SECONDS": "0.5",
            "ASSISTANT_RATE_LIMIT_PER_MINUTE": "1000",
            "ASSISTANT_LOG_FORMAT": "json",
            "ASSISTANT_LOG_LEVEL": "INFO",
        }
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        servers = SimpleNamespace(directory=directory, env=env, postgres=postgres, chroma=chroma)
        run_ingest(servers, CORPUS)
        port = free_port()
        app_data = directory / "app-data"
        command = [*ASSISTANT, "serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)]
        api_env = {**env, "ASSISTANT_DATA_DIR": str(app_data)}
        api = Process(command, api_env, directory / "api.log", f"http://127.0.0.1:{port}/readyz")
        api.start(timeout=120)
        servers.api, servers.url, servers.app_data = api, f"http://127.0.0.1:{port}", app_data
        yield servers
    finally:
        if api is not None:
            api.stop()
        chroma.stop()
        postgres.stop()


def post(servers, path: str, body: dict) -> httpx.Response:
    # A new connection per request, so the kernel may hand each one to either worker.
    return httpx.post(servers.url + path, json=body, timeout=60)


def get(servers, path: str) -> httpx.Response:
    return httpx.get(servers.url + path, timeout=30)


def wait_ready(servers, timeout: float = 60) -> None:
    """Ready on several fresh connections in a row, so both workers have recovered."""

    def ready() -> bool:
        return all(get(servers, "/readyz").status_code == 200 for _ in range(6))

    wait_until(ready, timeout, "the API")


def ask(servers, question: str, conversation_id: str | None = None) -> dict:
    response = post(servers, "/v1/chat", {"question": question, "conversation_id": conversation_id})
    assert response.status_code == 200, response.text
    return response.json()


def test_two_workers_serve_one_shared_state(servers):
    assert len(servers.api.children()) >= 2  # uvicorn's supervisor and its two workers
    first = ask(servers, QUESTION)
    assert not first["refused"] and first["citations"]
    conversation_id = first["conversation_id"]
    for _ in range(4):
        assert ask(servers, FOLLOW_UP, conversation_id)["conversation_id"] == conversation_id
    history = get(servers, f"/v1/conversations/{conversation_id}").json()["messages"]
    assert [m["question"] for m in history] == [QUESTION] + [FOLLOW_UP] * 4

    more = servers.directory / "more"
    more.mkdir()
    (more / "pilot.md").write_text(NEW_DOCUMENT, encoding="utf-8")
    run_ingest(servers, more)  # a new generation published while the workers run
    time.sleep(1.0)  # index_refresh_seconds is 0.5
    for _ in range(6):
        answer = ask(servers, "Når er søknadsfristen for pilotordningen for utslippsfrie arbeidsbåter?")
        assert not answer["refused"], answer
        assert answer["citations"][0]["title"] == "Pilotordning for utslippsfrie arbeidsbåter"
        titles = {d["title"] for d in get(servers, "/v1/documents").json()}
        assert "Pilotordning for utslippsfrie arbeidsbåter" in titles and len(titles) > 10
    # The workers keep nothing on their own disk: no index, no embedded Chroma, no SQLite.
    leftovers = list(servers.app_data.rglob("*")) if servers.app_data.exists() else []
    assert leftovers == []


def test_metrics_add_up_workers_and_logs_are_json_without_questions(servers):
    refused = ask(servers, "Hva er hovedstaden i Mongolia?")
    assert refused["refused"]
    before = _metric(
        get(servers, "/metrics").text,
        'assistant_http_requests_total{method="POST",route="/v1/chat",status="200"}',
    )
    for _ in range(4):
        ask(servers, QUESTION)
    text = get(servers, "/metrics").text
    after = _metric(text, 'assistant_http_requests_total{method="POST",route="/v1/chat",status="200"}')
    assert after == before + 4  # counted across both workers, whichever one answered the scrape
    assert _metric(text, 'assistant_refusals_total{channel="api"}') >= 1
    assert 'assistant_http_request_duration_seconds_bucket{le="0.5",method="POST",route="/v1/chat"}' in text

    lines = servers.api.log.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    requests = [r for r in records if r.get("message") == "request" and r.get("route") == "/v1/chat"]
    assert len(requests) >= 5 and all(r["status"] == 200 and r["duration_ms"] > 0 for r in requests)
    log_text = "\n".join(lines)
    assert "Mongolia" not in log_text and "klima og miljø vektes" not in log_text


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_chroma_restart_gives_503s_then_recovers_without_loss(servers):
    first = ask(servers, QUESTION)
    conversation_id = first["conversation_id"]
    assert (
        post(servers, "/v1/feedback", {"message_id": first["message_id"], "rating": "up"}).status_code == 201
    )

    servers.chroma.kill()
    try:
        response = post(servers, "/v1/chat", {"question": FOLLOW_UP, "conversation_id": conversation_id})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "store_unavailable"
        ready = get(servers, "/readyz")
        assert ready.status_code == 503 and ready.json()["error"]["code"] == "not_ready"
        assert "store" in ready.json()["error"]["message"]
        assert get(servers, "/healthz").status_code == 200
        # The database side still works while the store is down.
        assert get(servers, f"/v1/conversations/{conversation_id}").status_code == 200
    finally:
        servers.chroma.start()
    wait_ready(servers)

    second = ask(servers, FOLLOW_UP, conversation_id)
    assert second["conversation_id"] == conversation_id and second["citations"]
    history = get(servers, f"/v1/conversations/{conversation_id}").json()["messages"]
    assert [m["question"] for m in history] == [QUESTION, FOLLOW_UP]  # the failed request stored nothing


def test_postgres_restart_gives_503s_then_recovers_without_loss(servers):
    import psycopg

    first = ask(servers, QUESTION)
    conversation_id, message_id = first["conversation_id"], first["message_id"]
    body = {"message_id": message_id, "rating": "down", "comment": "mangler unntakene"}
    assert post(servers, "/v1/feedback", body).status_code == 201

    servers.postgres.crash()
    try:
        response = post(servers, "/v1/chat", {"question": FOLLOW_UP, "conversation_id": conversation_id})
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "database_unavailable"
        assert response.headers["Retry-After"]
        assert post(servers, "/v1/feedback", body).status_code == 503
        ready = get(servers, "/readyz")
        assert ready.status_code == 503 and "database" in ready.json()["error"]["message"]
        assert get(servers, "/healthz").status_code == 200
    finally:
        servers.postgres.start()
    wait_ready(servers)

    second = ask(servers, FOLLOW_UP, conversation_id)
    assert second["conversation_id"] == conversation_id
    history = get(servers, f"/v1/conversations/{conversation_id}").json()["messages"]
    assert [m["question"] for m in history] == [QUESTION, FOLLOW_UP]
    with psycopg.connect(servers.postgres.dsn) as connection:
        rows = connection.execute(
            "SELECT rating, comment FROM feedback WHERE message_id = %s", (message_id,)
        ).fetchall()
    assert rows == [("down", "mangler unntakene")]


def test_shared_index_holds_the_same_chunks_and_bm25_as_the_embedded_one(servers, tmp_path, monkeypatch):
    from assistant.search.store import Store
    from assistant.search.stores import open_store
    from ingest.pipeline import run
    from tests.conftest import make_settings

    monkeypatch.chdir(tmp_path)  # document ids as the ingest subprocess saw them (absolute paths)
    embedded = make_settings(tmp_path / "embedded", embedding_model="fake")
    run(embedded, [CORPUS])
    local = Store(embedded).snapshot()
    shared = open_store(make_settings(tmp_path / "unused", chroma_url=servers.chroma.url)).snapshot()
    assert type(open_store(embedded)) is Store
    assert local.roots == {CORPUS.as_posix(): CORPUS.as_posix()}  # the folder scopes' roots, in the server
    assert local.roots.items() <= shared.roots.items()
    corpus_chunks = [c for c in shared.chunks if not c.doc_id.endswith("pilot.md")]
    assert sorted(c.model_dump_json() for c in corpus_chunks) == sorted(
        c.model_dump_json() for c in local.chunks
    )
    query = shared.lexical.terms("terskelverdi nasjonal")
    assert query and all(t.alternatives for t in query)
    best = shared.chunks[shared.lexical.search([s for t in query for s in t.alternatives], 1)[0][0]]
    assert "terskel" in best.text.lower()


def test_answers_through_both_workers_are_right_and_cite_stored_chunks_verbatim(servers, tmp_path):
    """End to end with the real default embedding model: the `ingest` command embedded the corpus into the
    Chroma server, `serve --workers 2` answers over HTTP with PostgreSQL behind it. Every answer is scored
    as the evaluation does, and every citation is checked against what the server stores."""
    from assistant.config import Settings
    from assistant.evaluation.run import GATES, has_fact, load_questions
    from assistant.search.stores import open_store
    from tests.conftest import PUBLIC_EVAL, ROOT, make_settings

    reader = open_store(make_settings(tmp_path / "unused", chroma_url=servers.chroma.url))
    snapshot = reader.snapshot()
    default_model = Settings.model_fields["embedding_model"].default
    assert snapshot.embedding_model == default_model and default_model != "fake"

    items = load_questions(PUBLIC_EVAL) + load_questions(ROOT / "tests" / "eval" / "followups.jsonl")
    answerable = refusable = right_answers = right_refusals = cited = 0
    wrong = []
    for item in items:
        turns = item.get("turns") or [item["question"]]
        reply = ask(servers, turns[0])
        for text in turns[1:]:  # a follow-up, on whichever worker the new connection reaches
            reply = ask(servers, text, reply["conversation_id"])
        if item.get("expect", "answer") == "refuse":
            refusable += 1
            right_refusals += reply["refused"]
            assert not reply["refused"] or not reply["citations"], item["id"]
            continue
        answerable += 1
        correct = not reply["refused"] and all(has_fact(reply["answer"], g) for g in item["key_facts"])
        right_answers += correct
        if not correct:
            wrong.append((item["id"], reply["answer"][:160]))
        if reply["refused"]:
            continue
        assert reply["citations"], item["id"]
        for n, citation in enumerate(reply["citations"], 1):
            chunk = snapshot.get(citation["chunk_id"])
            assert chunk is not None, (item["id"], citation["chunk_id"])  # a live chunk of the index
            assert citation["snippet"] and citation["snippet"] in chunk.text, item["id"]  # verbatim
            assert (citation["title"], citation["source"]) == (chunk.title, chunk.source)
            assert f"[{n}]" in reply["answer"], item["id"]
            cited += 1
        ids = [c["chunk_id"] for c in reply["citations"]]
        assert set(reader.collection.get(ids=ids, include=[])["ids"]) == set(ids)  # each has its vector

    assert answerable > 15 and refusable > 0 and cited > answerable
    assert right_answers / answerable >= GATES["accuracy"][1], wrong
    assert right_refusals / refusable >= GATES["refusal"][1]


class CrashOnSecondUpsert:
    """The meta collection of a SharedStore, failing its second upsert of a publish (a crash mid-publish)."""

    def __init__(self, meta) -> None:
        self.meta, self.upserts = meta, 0

    def __getattr__(self, name: str):
        return getattr(self.meta, name)

    def upsert(self, **kwargs):
        self.upserts += 1
        if self.upserts == 2:
            raise ConnectionError("the Chroma server went away mid-publish")
        return self.meta.upsert(**kwargs)


def test_a_crash_mid_publish_in_the_server_leaves_the_previous_generation_readable(
    servers, tmp_path, monkeypatch
):
    """The generation record is written before `CURRENT` names it: whichever upsert a crash interrupts,
    readers see a complete generation (own collection, fake model: the served index is not touched)."""
    from assistant.search.shared_store import SharedStore
    from ingest.pipeline import run
    from tests.conftest import make_settings

    settings = make_settings(
        tmp_path / "data", chroma_url=servers.chroma.url, embedding_model="fake", collection="publish-order"
    )
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(
        "# Vekting\n\nKlima og miljø skal vektes minst 30 prosent.\n", encoding="utf-8"
    )
    run(settings, [docs])

    def live_texts() -> set[str]:
        return {c.text for c in SharedStore(settings).snapshot().chunks}

    before = live_texts()
    assert any("30 prosent" in text for text in before)
    (docs / "a.md").write_text(
        "# Vekting\n\nKlima og miljø skal vektes minst 40 prosent.\n", encoding="utf-8"
    )
    publish = SharedStore.publish

    def crashing_publish(self, *args, **kwargs):
        self.meta = CrashOnSecondUpsert(self.meta)
        return publish(self, *args, **kwargs)

    monkeypatch.setattr(SharedStore, "publish", crashing_publish)
    with pytest.raises(ConnectionError):
        run(settings, [docs])
    assert live_texts() == before  # the old generation, complete; not a pointer to a missing one
    monkeypatch.undo()
    run(settings, [docs])
    assert any("40 prosent" in text for text in live_texts())
