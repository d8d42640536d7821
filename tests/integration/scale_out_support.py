"""Real servers on loopback for the scale-out tests: a PostgreSQL cluster, a `chroma run` server and
`assistant serve --workers 2`, each a subprocess that can be killed and started again.

PostgreSQL comes from Debian's `postgresql` package (`/usr/lib/postgresql/15/bin`); initdb refuses to run as
root, so as root the cluster is created and run as the `postgres` user in a directory it owns.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.conftest import CORPUS, unavailable

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ASSISTANT = [sys.executable, "-c", "from assistant.cli import main; raise SystemExit(main())"]  # the CLI


def fake_model_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an `assistant` subprocess in a test: none of the developer's own settings, the
    fake embedder, corpus/ as the corpus, no model hub and no telemetry; `extra` on top."""
    drop = ("ASSISTANT_", "CHROMA_URL", "DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return env | {
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_EMBEDDING_MODEL": "fake",
        "ASSISTANT_CORPUS_DIRS": json.dumps([str(CORPUS)]),
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        **extra,
    }


def chroma_command() -> str | None:
    found = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    return found if Path(found).exists() else None


def require_servers() -> None:
    """PostgreSQL 15 (Debian's package), `chroma run` (chromadb's CLI) and, as root, `runuser`."""
    if not (PG_BIN / "initdb").exists():
        unavailable("the scale-out tests need PostgreSQL 15: apt-get install postgresql")
    if chroma_command() is None:
        unavailable("the scale-out tests need `chroma run`: pip install chromadb")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        unavailable("running PostgreSQL as root needs runuser: apt-get install util-linux")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout} s")


class Postgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1 with trust authentication."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(PG_BIN / tool), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.directory / "log"), "-w", "start"
        )

    def crash(self) -> None:
        """Stop without a clean shutdown, as a killed container would."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


class Process:
    """A server subprocess with its output in a log file; `kill` and `start` again keep the same port."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path, ready_url: str) -> None:
        self.command, self.env, self.log, self.ready_url = command, env, log, ready_url
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until(self._ready, timeout, " ".join(self.command[:3]))

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"{self.command[0]} exited: {self.log.read_text(errors='replace')[-3000:]}")
        return httpx.get(self.ready_url, timeout=2).status_code == 200

    def kill(self) -> None:
        """SIGKILL the whole process group (workers included), as a crash would."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def children(self) -> list[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()]


def chroma_server(directory: Path) -> Process:
    port = free_port()
    command = [
        chroma_command() or "chroma",
        "run",
        "--path",
        str(directory / "chroma"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    process = Process(command, env, directory / "chroma.log", f"http://127.0.0.1:{port}/api/v2/heartbeat")
    process.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    return process
