"""Load: N concurrent clients for a bounded time against /v1/chat and /v1/chat/stream on loopback.

    python benchmarks/load_chat.py --clients 200 --seconds 60 [--workers 2] [--fake-model]
        [--trace-memory DIR [--no-tracemalloc]]

Starts `assistant serve` in a subprocess on a temporary data directory (the real packaged model unless
`--fake-model`; rate limiting off, since every client is 127.0.0.1), ingests corpus/, then runs the clients:
each one keeps its own conversation and alternates the JSON and the SSE endpoint with questions from the
public evaluation set. Reported as JSON: requests, status counts, 5xx, transport errors, p50/p95 latency,
the server's RSS at start, each minute and at the end, and the question-log check — every answer a client received (a 200 with
a `message_id`, or a stream ending in `done`) must be a row in the database, and no other rows may exist.
`--trace-memory DIR` runs the server under `benchmarks/memory_trace.py` (tracemalloc, one worker) and has it
dump its memory after warm-up and each minute (`--no-tracemalloc`: process and malloc figures only, at full
speed); `python benchmarks/memory_trace.py diff DIR` compares them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    json.loads(line)["question"]
    for path in (
        ROOT / "tests" / "eval" / "public.jsonl",
        ROOT / "tests" / "eval" / "heldout.jsonl",
    )
    if path.exists()
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
] or ["Hvor mye skal klima og miljø vektes?"]


def rss_kib(pid: int) -> int:
    """Resident memory of the server and its worker processes, in KiB (Linux /proc)."""
    total = 0
    pids = [pid] + [
        int(p)
        for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    ]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


async def client(number: int, base: str, deadline: float, stats: dict) -> None:
    conversation_id = None
    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        turn, first = 0, True
        while first or time.monotonic() < deadline:  # every client asks once, however late it starts
            first = False
            question = QUESTIONS[(number * 7 + turn) % len(QUESTIONS)]
            body = {"question": question, "conversation_id": conversation_id}
            stream = turn % 2 == 1
            started = time.perf_counter()
            try:
                response = await http.post("/v1/chat/stream" if stream else "/v1/chat", json=body)
            except httpx.HTTPError as exc:
                stats["transport"][type(exc).__name__] += 1
                continue
            stats["latency"].append(time.perf_counter() - started)
            stats["status"][response.status_code] += 1
            turn += 1
            if response.status_code != 200:
                continue
            if stream:
                done = [line for line in response.text.split("\n\n") if line.startswith("event: done")]
                if done:
                    data = json.loads(done[0].split("data: ", 1)[1])
                    stats["answered"].add(data["message_id"])
                    conversation_id = data["conversation_id"]
                else:
                    stats["stream_errors"] += 1
            else:
                data = response.json()
                stats["answered"].add(data["message_id"])
                conversation_id = data["conversation_id"]


async def run_clients(base: str, clients: int, seconds: float) -> dict:
    stats = {
        "status": Counter(),
        "transport": Counter(),
        "latency": [],
        "answered": set(),
        "stream_errors": 0,
    }
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(n, base, deadline, stats) for n in range(clients)))
    return stats


def slope_mib(samples: list[int]) -> float | None:
    """Least-squares RSS slope in MiB per minute over the samples after the first (warm-up) minute."""
    points = samples[1:]
    if len(points) < 2:
        return None
    mean_x, mean_y = (len(points) - 1) / 2, statistics.fmean(points)
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(points))
    variance = sum((x - mean_x) ** 2 for x in range(len(points)))
    return round(covariance / variance / 1024, 2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--fake-model", action="store_true", help="hashing embedder instead of MiniLM")
    parser.add_argument("--trace-memory", type=Path, help="directory for the server's memory dumps")
    parser.add_argument(
        "--no-tracemalloc", action="store_true", help="with --trace-memory: process and malloc figures only"
    )
    args = parser.parse_args()
    if args.trace_memory and args.workers != 1:
        parser.error("--trace-memory needs --workers 1")
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from assistant.platform.db import Database, MessageRow

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {
            **os.environ,
            "ASSISTANT_DATA_DIR": tmp,
            "ASSISTANT_CORPUS_DIRS": json.dumps([str(ROOT / "corpus")]),
            "ASSISTANT_RATE_LIMIT_PER_MINUTE": "0",
            "ASSISTANT_LOG_LEVEL": "WARNING",
            "HF_HUB_OFFLINE": "1",
        }
        env.pop("DATABASE_URL", None)
        env.pop("CHROMA_URL", None)
        if args.fake_model:
            env["ASSISTANT_EMBEDDING_MODEL"] = "fake"
        command = [sys.executable, "-c", "from assistant.cli import main; raise SystemExit(main())"]
        if args.trace_memory:
            command = [sys.executable, str(ROOT / "benchmarks" / "memory_trace.py"), "serve"]
            command += [str(args.trace_memory.resolve())]
            command += ["--no-tracemalloc", "--"] if args.no_tracemalloc else ["--"]
        command += ["serve", "--port", str(port), "--workers", str(args.workers)]
        server = subprocess.Popen(
            command, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            else:
                raise SystemExit("the server did not become ready")
            httpx.post(base + "/v1/chat", json={"question": QUESTIONS[0]}, timeout=60)  # warm-up, one row
            rss_start = rss_kib(server.pid)
            samples: list[int] = []  # RSS once a minute: flat after warm-up, or a leak?
            sampling = threading.Event()

            def sample() -> None:
                if args.trace_memory:
                    server.send_signal(signal.SIGUSR1)  # dump 1: before the load
                while not sampling.wait(60):
                    samples.append(rss_kib(server.pid))
                    if args.trace_memory:
                        server.send_signal(signal.SIGUSR1)

            threading.Thread(target=sample, daemon=True).start()
            started = time.perf_counter()
            stats = asyncio.run(run_clients(base, args.clients, args.seconds))
            elapsed = time.perf_counter() - started
            sampling.set()
            rss_end = rss_kib(server.pid)
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        database = Database(f"sqlite:///{Path(tmp) / 'assistant.db'}")
        with database.session() as session:
            rows = session.scalar(select(func.count()).select_from(MessageRow))
            stored = set(session.scalars(select(MessageRow.id)))
        database.engine.dispose()
    latency = sorted(stats["latency"])
    report = {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "workers": args.workers,
        "model": "fake" if args.fake_model else "MiniLM",
        "requests": len(latency),
        "requests_per_second": round(len(latency) / elapsed, 1),
        "status": dict(sorted(stats["status"].items())),
        "server_errors": sum(n for s, n in stats["status"].items() if s >= 500),
        "transport_errors": dict(stats["transport"]),
        "stream_errors": stats["stream_errors"],
        "p50_seconds": round(statistics.median(latency), 3) if latency else None,
        "p95_seconds": round(latency[int(len(latency) * 0.95) - 1], 3) if latency else None,
        "answers_received": len(stats["answered"]),
        "question_log_rows": rows,
        "answers_missing_from_log": len(stats["answered"] - stored),
        "rows_without_answer": rows - 1 - len(stats["answered"] & stored),  # minus the warm-up row
        "rss_kib_start": rss_start,
        "rss_kib_end": rss_end,
        "rss_kib_each_minute": samples,
        "rss_mib_slope_per_minute_after_first": slope_mib(samples),
    }
    print(json.dumps(report, indent=2))
    return 1 if report["server_errors"] or report["answers_missing_from_log"] else 0


if __name__ == "__main__":
    sys.exit(main())
