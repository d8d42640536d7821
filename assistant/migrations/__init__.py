"""Alembic migrations of the database, packaged with the assistant so an installed copy can migrate.

`upgrade(engine)` brings any database to the newest schema: a new one is built by the migrations from
scratch; a database created before migrations existed (tables but no `alembic_version`) is first stamped
at the initial revision, which is exactly the schema it has.
"""

from __future__ import annotations

from sqlalchemy import Engine, inspect

INITIAL = "0001"


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "assistant:migrations")
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        tables = set(inspect(connection).get_table_names())
        if "conversations" in tables and "alembic_version" not in tables:
            command.stamp(config, INITIAL)
        command.upgrade(config, revision)
