"""Helpers for the widget's HTTP and browser tests: a real uvicorn server on a free loopback port, a small
store of made-up documents, and an SSE parser that follows the wire format (not our own client code).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from conftest import make_settings

from assistant.config import Settings


@contextmanager
def serve(app) -> Iterator[str]:
    """Run the app with uvicorn in a background thread; yields its base URL. Its logs reach `caplog`."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


def ingest_documents(root: Path, documents: dict[str, str]) -> Settings:
    """A separate real store (real model, real Chroma) holding only the given markdown documents."""
    from ingest.pipeline import run

    corpus = root / "docs"
    corpus.mkdir(parents=True)
    for name, text in documents.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = make_settings(root / "data", corpus_dirs=[corpus])
    report = run(settings, [corpus])
    assert not report.plan.errors, report.plan.errors
    return settings


def parse_sse(text: str) -> list[tuple[str, dict]]:
    """(event, data) pairs from a complete text/event-stream body."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        name, data = "message", []
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            if field == "event":
                name = value.strip()
            elif field == "data":
                data.append(value.removeprefix(" "))
        events.append((name, json.loads("\n".join(data)) if data else {}))
    return events


def eval_questions(path: Path, expect: str = "answer", lang: str = "nb") -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["expect"] == expect and r["lang"] == lang]
