"""A short, bounded load run in the test suite: 50 concurrent clients for a few seconds on loopback against
the real app (real model, real store), chat and stream mixed. No 5xx, and every answer a client received is a
row in the question log. The 200-client, minutes-long version is `python benchmarks/load_chat.py`."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from widget_support import serve

from assistant.app import create_app
from assistant.platform.db import Database, MessageRow
from benchmarks.load_chat import run_clients

pytestmark = pytest.mark.slow


def test_concurrent_clients_get_no_5xx_and_lose_no_question_log_rows(app_settings, deps):
    settings = app_settings.model_copy(update={"rate_limit_per_minute": 0})
    with serve(create_app(settings, deps=deps)) as base:
        stats = asyncio.run(run_clients(base, clients=50, seconds=4))
    assert sum(stats["status"].values()) >= 50 and not stats["transport"] and not stats["stream_errors"]
    assert set(stats["status"]) == {200}, stats["status"]
    database = Database(settings.sqlalchemy_url)
    try:
        with database.session() as session:
            stored = set(session.scalars(select(MessageRow.id)))
    finally:
        database.engine.dispose()
    assert stats["answered"] == stored  # nothing lost, nothing extra
