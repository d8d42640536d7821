"""A real PostgreSQL for tests: a session fixture runs Debian's initdb / pg_ctl (as the postgres user) on a
temp dir, listening on 127.0.0.1 at a free port, and always stops it. `fresh_database` gives each test its
own empty database. Skips when PostgreSQL is not installed (fails on CI, where .ci/run installs it)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from conftest import unavailable as _unavailable

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(*args: str | Path) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *map(str, args)], check=True, capture_output=True)


@pytest.fixture(scope="session")
def postgres_server():
    """Base URL (without database name) of a throwaway PostgreSQL server."""
    if not (PG_BIN / "initdb").exists():
        _unavailable("PostgreSQL is not installed: apt-get install postgresql")
    if os.geteuid() != 0:
        _unavailable("starting PostgreSQL as the postgres user needs root")
    root = Path(tempfile.mkdtemp(prefix="pgtest-"))
    shutil.chown(root, "postgres", "postgres")
    data, log = root / "data", root / "server.log"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _as_postgres(PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
    options = f"-p {port} -h 127.0.0.1 -k {root} -F -c max_connections=200"
    _as_postgres(PG_BIN / "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "fast",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fresh_database(postgres_server) -> str:
    """SQLAlchemy URL of a new, empty database on the test server."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = postgres_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"
