"""The question log on SQLite and on a real PostgreSQL: migrations build exactly the models' schema and
upgrade an older database in place; several processes starting at once migrate one empty PostgreSQL
database without tripping over each other; 200 concurrent questions through the HTTP API are all logged."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from postgres_support import fresh_database, postgres_server  # noqa: F401  (fixtures)
from sqlalchemy import func, select, text
from widget_support import serve

import assistant.staff.records  # noqa: F401  (staff tables on the metadata)
from assistant.app import create_app
from assistant.platform.db import Base, Database, MessageRow
from assistant.platform.migrations import alembic_config, upgrade

QUESTIONS = [
    "Hvor mye skal klima og miljø vektes?",
    "Hva er den nasjonale terskelverdien?",
    "Hvem kan hjelpe meg med miljøkrav?",
    "Hva er kvantefysikk?",
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    return request.getfixturevalue("fresh_database")


def test_migrations_build_the_models_schema(database_url):
    db = Database(database_url)
    db.create_all()
    db.create_all()  # idempotent
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    db.engine.dispose()


def test_an_older_database_is_upgraded_in_place_keeping_its_questions(database_url):
    db = Database(database_url)
    upgrade(db.engine, "0001")
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))  # as created before migrations existed
        connection.execute(
            text(
                "INSERT INTO conversations (id, channel, region, created_at) VALUES ('c1', 'slack', 'vest', :t)"
            ),
            {"t": "2024-05-01 10:00:00+00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO messages (id, conversation_id, question, answer, refused, confidence, citations, "
                "latency_ms, created_at) VALUES ('m1', 'c1', 'q', 'a', false, 0.5, '[]', 3, :t)"
            ),
            {"t": "2024-05-01 10:00:00+00:00"},
        )
    db.create_all()
    with db.session() as s:
        row = s.get(MessageRow, "m1")
    assert (row.question, row.channel, row.region, row.review_status) == ("q", "slack", "vest", "open")
    db.engine.dispose()


# One "container" starting: wait for the common start time, then migrate (as the app's lifespan does).
# Imports and the first connection happen before the start, so the migrations themselves overlap.
START_AND_MIGRATE = """
import sys, time
from alembic import command, script
import assistant.staff.records
from assistant.platform.db import Database
url, start_at = sys.argv[1], float(sys.argv[2])
db = Database(url)
db.engine.connect().close()
time.sleep(max(0.0, start_at - time.time()))
db.create_all()
db.engine.dispose()
"""


@pytest.mark.postgres
def test_processes_starting_together_on_an_empty_postgres_all_migrate_it_to_head(request):
    url = request.getfixturevalue("fresh_database")
    start_at = f"{time.time() + 6.0:.3f}"  # after every interpreter has started and imported the app
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", START_AND_MIGRATE, url, start_at],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in processes]
    for process in processes:
        process.stdout.close()
        process.stderr.close()
    assert [code for code, _ in outcomes] == [0] * 6, "\n".join(err[-800:] for _, err in outcomes if err)

    db = Database(url)
    with db.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    db.engine.dispose()
    assert versions == [ScriptDirectory.from_config(alembic_config()).get_current_head()]


def test_two_hundred_concurrent_questions_are_all_logged(database_url, app_settings, deps):
    settings = app_settings.model_copy(update={"database_url": database_url, "rate_limit_per_minute": 10_000})

    async def ask_all(base: str) -> list[dict]:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
            responses = await asyncio.gather(
                *(client.post("/v1/chat", json={"question": f"{QUESTIONS[n % 4]} ({n})"}) for n in range(200))
            )
        assert [r.status_code for r in responses] == [200] * 200
        return [r.json() for r in responses]

    with serve(create_app(settings, deps=deps)) as base:
        answers = asyncio.run(ask_all(base))
    ids = {a["message_id"] for a in answers}
    assert len(ids) == 200
    db = Database(database_url)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(MessageRow)) == 200
        logged = dict(s.execute(select(MessageRow.id, MessageRow.question)).all())
        channels = set(s.scalars(select(MessageRow.channel)))
    db.engine.dispose()
    assert set(logged) == ids and channels == {"api"}
    assert sorted(logged.values()) == sorted(f"{QUESTIONS[n % 4]} ({n})" for n in range(200))
