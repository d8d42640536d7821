"""Faults with a clear message and no traceback: an unusable data directory, a wrong embedding model path,
a database locked by another writer for a moment. (Chroma or PostgreSQL down and back: test_scale_out.py;
a slow or failing chat model falling back to extractive: test_llm_mode.py.)"""

from __future__ import annotations

import sqlite3
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from assistant.app import create_app
from assistant.cli import main as assistant_main
from assistant.platform.db import Database, MessageRow
from ingest.cli import main as ingest_main
from tests.conftest import CORPUS


@pytest.fixture
def isolated_env(monkeypatch, tmp_path):
    """CLI runs read settings from the environment: start from a clean one in an empty working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CHROMA_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return monkeypatch


@pytest.mark.parametrize("command", ["ingest", "ask"])
def test_unusable_data_directory_is_a_clear_error(isolated_env, tmp_path, capsys, command):
    (tmp_path / "a-file").write_text("not a folder")
    data_dir = str(tmp_path / "a-file" / "data")
    isolated_env.setenv("ASSISTANT_EMBEDDING_MODEL", "fake")
    isolated_env.setenv("ASSISTANT_CORPUS_DIRS", f'["{CORPUS}"]')
    if command == "ingest":
        code = ingest_main([str(CORPUS), "--data-dir", data_dir])
    else:
        isolated_env.setenv("ASSISTANT_DATA_DIR", data_dir)
        code = assistant_main(["ask", "Hvor mye skal klima vektes?"])
    captured = capsys.readouterr()
    err = " ".join(captured.err.split())  # rich wraps long lines
    assert code == 2
    assert "cannot write to the data directory" in err and "Not a directory" in err
    assert "Traceback" not in captured.err + captured.out


@pytest.mark.parametrize("command", ["ingest", "ask"])
def test_wrong_embedding_model_path_is_a_clear_error(isolated_env, tmp_path, capsys, command):
    isolated_env.setenv("ASSISTANT_EMBEDDING_MODEL", str(tmp_path / "no-such-model"))
    isolated_env.setenv("HF_HUB_OFFLINE", "1")
    isolated_env.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    isolated_env.setenv("ASSISTANT_CORPUS_DIRS", f'["{CORPUS}"]')
    code = (
        ingest_main([str(CORPUS)])
        if command == "ingest"
        else assistant_main(["ask", "Hva er terskelverdien?"])
    )
    captured = capsys.readouterr()
    err = " ".join(captured.err.split())
    assert code != 0
    assert "Cannot load embedding model" in err and "no-such-model" in err
    assert "Traceback" not in captured.err + captured.out


@pytest.mark.slow
def test_database_locked_by_another_writer_is_a_503_then_recovers(app_settings, deps, tmp_path):
    path = tmp_path / "locked.db"
    settings = app_settings.model_copy(update={"database_url": f"sqlite:///{path}"})
    holder = sqlite3.connect(path, timeout=1, isolation_level=None)
    try:
        with TestClient(create_app(settings, deps=deps)) as client:
            assert client.post("/v1/chat", json={"question": "Hva er terskelverdien?"}).status_code == 200
            holder.execute("BEGIN EXCLUSIVE")  # e.g. a backup or `assistant purge` holding the write lock
            started = time.perf_counter()
            locked = client.post("/v1/chat", json={"question": "Hvor mye skal klima og miljø vektes?"})
            waited = time.perf_counter() - started
            assert locked.status_code == 503, locked.text
            error = locked.json()["error"]
            assert error["code"] == "database_unavailable" and "try again" in error["message"]
            assert "Hvor mye" not in locked.text and "INSERT" not in locked.text  # no SQL, no user text
            assert waited < 35  # SQLite's busy timeout (30 s), then a clear answer
            holder.execute("COMMIT")
            again = client.post("/v1/chat", json={"question": "Hvor mye skal klima og miljø vektes?"})
            assert again.status_code == 200  # recovered without a restart
    finally:
        holder.close()
    database = Database(settings.sqlalchemy_url)
    try:
        with database.session() as session:  # the refused request left nothing half-written
            assert session.scalar(select(func.count()).select_from(MessageRow)) == 2
    finally:
        database.engine.dispose()


def _rows(path) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM messages").fetchone()[0]


@pytest.mark.slow
def test_question_log_deleted_then_restored_is_a_503_then_recovers(app_settings, deps, tmp_path):
    path = tmp_path / "log.db"
    backup = tmp_path / "backup.db"
    settings = app_settings.model_copy(update={"database_url": f"sqlite:///{path}"})
    with TestClient(create_app(settings, deps=deps)) as client:
        assert client.post("/v1/chat", json={"question": "Hva er terskelverdien?"}).status_code == 200
        with sqlite3.connect(path) as source, sqlite3.connect(backup) as copy:
            source.backup(copy)  # what an operator's backup job does
        for suffix in ("", "-wal", "-shm"):
            (tmp_path / f"log.db{suffix}").unlink(missing_ok=True)
        lost = client.post("/v1/chat", json={"question": "Hvor mye skal klima og miljø vektes?"})
        assert lost.status_code == 503, lost.text  # not answered into a deleted file
        assert lost.json()["error"]["code"] == "database_unavailable"
        assert "missing" in lost.json()["error"]["message"]
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200

        backup.rename(path)  # restored
        assert client.get("/readyz").status_code == 200
        again = client.post("/v1/chat", json={"question": "Hvor mye skal klima og miljø vektes?"})
        assert again.status_code == 200  # no restart
    assert _rows(path) == 2  # the row from before the backup and the one after the restore
