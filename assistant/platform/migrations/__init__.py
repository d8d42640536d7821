"""Alembic migrations of the database, packaged with the assistant so an installed copy can migrate.

`upgrade(engine)` brings any database to the newest schema: a new one is built by the migrations from
scratch; a database created before migrations existed (tables but no `alembic_version`) is first stamped
at the initial revision, which is exactly the schema it has.

On PostgreSQL the whole upgrade runs in one transaction under an advisory lock, so several containers
starting at once against one (empty) database migrate it one after the other: the first builds the
schema, the others wait, then find it at head and do nothing. SQLite needs no lock (one writer at a time).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, inspect, text

INITIAL = "0001"
# Any fixed 64-bit number, the same in every process of every version of the app: it names the lock.
MIGRATION_LOCK_KEY = 0x1A5B_0F7E_6D1C_0004


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "assistant.platform:migrations")
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        _lock_migrations(connection)
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "conversations" in tables and "alembic_version" not in tables:
            command.stamp(config, INITIAL)
        command.upgrade(config, revision)


def _lock_migrations(connection: Connection) -> None:
    """Wait for other processes' migrations to finish (PostgreSQL only). The lock is the transaction-level
    form of `pg_advisory_lock`, so it is released by the commit or rollback that ends the upgrade, even if
    the upgrade fails half-way. It must be taken before the schema is inspected: a process that looked
    first would see an empty database and try to build it a second time."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
