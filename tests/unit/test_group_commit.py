"""Question-log rows of concurrent answers are committed together, every caller's row is stored before its
call returns, and one bad row fails only its own caller. A real SQLite database on a temp dir."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, select

from assistant.errors import StoreError
from assistant.models import Answer
from assistant.platform.db import Database, MessageRow
from assistant.platform.group_commit import GroupCommit


def test_concurrent_records_share_commits_and_every_row_is_stored_when_its_call_returns(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'log.db'}")
    database.create_all()
    commits = []
    event.listen(database.engine, "commit", lambda _connection: commits.append(1))
    answer = Answer(answer="Minst 30 prosent.", refused=False, confidence=0.9)

    def record(n: int) -> str:
        _, message_id = database.record(None if n % 2 else "samtale-1", f"spørsmål {n}", answer)
        assert database.message_exists(message_id)  # committed before record() returned
        return message_id

    with ThreadPoolExecutor(max_workers=40) as pool:
        ids = list(pool.map(record, range(200)))
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(MessageRow)) == 200
    assert len(set(ids)) == 200
    assert len(database.history("samtale-1")) == 100
    database.engine.dispose()


def test_a_failing_item_fails_only_its_caller_when_the_error_allows_a_retry_alone():
    written: list[str] = []
    gate = threading.Event()

    def write_batch(items: list[str]) -> None:
        gate.wait(5)
        if "bad" in items:
            raise ValueError("bad row")
        written.extend(items)

    writer = GroupCommit(write_batch, retry_alone=lambda exc: isinstance(exc, ValueError))
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(writer.write, item) for item in ["a", "b", "bad", "c", "d", "e"]]
        gate.set()
        with pytest.raises(ValueError):
            futures[2].result()
        for future in futures[:2] + futures[3:]:
            future.result()
    assert sorted(written) == ["a", "b", "c", "d", "e"]


def test_an_unavailable_database_reaches_every_caller_of_the_batch(tmp_path):
    writer = GroupCommit(lambda items: (_ for _ in ()).throw(StoreError("down", code="database_unavailable")))
    with pytest.raises(StoreError):
        writer.write("row")
