"""HTTP benchmark: 50 concurrent clients on loopback against `POST /v1/chat`, the assistant side by side
with a naive LangChain baseline (benchmarks/baseline_langchain.py) on the same chunks and model.

Each server runs alone in its own process (the other is stopped), warmed up, then loaded for a bounded time
by a minimal asyncio HTTP/1.1 client (`Connection`): every one of the 50 clients posts a question, waits for the answer, posts the
next. Questions cycle through the public and held-out evaluation sets (distinct texts, repeated as real users
repeat common questions). Only 127.0.0.1 traffic; every loop is bounded by time.

Run: python benchmarks/bench_http.py [--seconds 30] [--clients 50] [--baseline-python PYTHON]
(the baseline needs the `bench` extra in that Python). Writes benchmarks/results/http.json.
Goal: assistant requests/s ≥ 3 × the baseline's, with 0 errors.

In the same run, with both servers stopped, it measures the configured model's own query-encoding rate: new
texts of the kind `--unique` sends, batched, in this process, in each way the server can call the model (one
stream of batches of 32, the QueryBatcher's largest; and as many streams side by side as the embedder allows
concurrent calls, each with the batch the load's clients fill: clients ÷ streams). The best of them is the
model's raw rate, the floor every server shares; the assistant's requests/s as a share of it is the
throughput measure for all-new questions (`--unique`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.evaluation.run import percentile  # noqa: E402
from assistant.search.embeddings import get_embedder  # noqa: E402

QUESTION_FILES = [
    ROOT / "tests" / "eval" / "public.jsonl",
    ROOT / "tests" / "eval" / "heldout.jsonl",
]


def questions() -> list[str]:
    found = []
    for path in QUESTION_FILES:
        if path.exists():
            found += [
                json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line
            ]
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("server did not become healthy")


class Connection:
    """One keep-alive HTTP/1.1 connection on loopback: POST a JSON body, read the response by its
    Content-Length (both servers are uvicorn apps answering JSON). The load generator must cost much less
    than the servers it loads: httpx's AsyncClient took ~9 ms of CPU per request, as much as a repeated
    question's whole answer, in the same process as all 50 clients (issue 18); this takes well under 1 ms."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, payload: dict, timeout: float = 120) -> tuple[int, bytes]:
        try:
            async with asyncio.timeout(timeout):
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                body = json.dumps(payload).encode()
                self.writer.write(
                    b"POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s"
                    % (path.encode(), self.host.encode(), self.port, len(body), body)
                )
                head = (await self.reader.readuntil(b"\r\n\r\n")).lower()
                status = int(head.split(b" ", 2)[1])
                length = int(head.split(b"\r\ncontent-length:", 1)[1].split(b"\r\n", 1)[0])
                data = await self.reader.readexactly(length)
                if b"\r\nconnection: close" in head:
                    self.close()
                return status, data
        except BaseException:
            self.close()  # a half-read response would corrupt the next one
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def load(url: str, texts: list[str], clients: int, seconds: float, unique: bool, warmup: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    refused = 0
    counter = iter(range(10**9))
    deadline = 0.0
    host, port = url.removeprefix("http://").split(":")

    async def client(connection: Connection) -> None:
        nonlocal refused
        while time.monotonic() < deadline:
            n = next(counter)
            question = texts[n % len(texts)]
            if unique:  # a text never seen before: no query-embedding cache hit
                question = unique_text(question, n)
            started = time.perf_counter()
            try:
                status, data = await connection.post_json("/v1/chat", {"question": question})
                if status != 200:
                    errors.append(str(status))
                    continue
                refused += bool(json.loads(data).get("refused"))
            except (OSError, TimeoutError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
                errors.append(type(exc).__name__)
                continue
            latencies.append(time.perf_counter() - started)

    connections = [Connection(host, int(port)) for _ in range(clients)]
    for text in texts[: warmup or len(texts)]:  # warm-up, sequential
        await connections[0].post_json("/v1/chat", {"question": text})
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    await asyncio.gather(*(client(connection) for connection in connections))
    elapsed = time.perf_counter() - started
    for connection in connections:
        connection.close()
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "refused": refused,  # the baseline never refuses; the assistant's share shows what kind of work it did
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
    }


def unique_text(question: str, n: int) -> str:
    return f"{question} ({n})"


def query_encoding_rate(texts: list[str], seconds: float, clients: int) -> dict:
    """Questions/s the configured model encodes alone, new texts, in each way the server may call it (one
    stream of batches of 32; `concurrent_calls` streams side by side, batches of clients ÷ streams), each
    for a share of `seconds`; the best is the model's raw rate."""
    settings = Settings(_env_file=None)
    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    streams = max(1, getattr(embedder, "concurrent_calls", 1))
    ways = [(1, 32)] + ([(streams, max(1, -(-clients // streams)))] if streams > 1 else [])
    embedder.embed_queries(texts[:32])  # warm-up
    counter = iter(range(10**9))  # the texts `--unique` sends (the embedder has no cache: each is encoded)
    lock = threading.Lock()
    measured = []
    for streams_here, batch in ways:
        done = [0] * streams_here
        stop = time.perf_counter() + seconds / len(ways)

        def stream(slot: int, batch: int = batch, stop: float = stop, done: list = done) -> None:
            while time.perf_counter() < stop:
                with lock:
                    numbers = [next(counter) for _ in range(batch)]
                embedder.embed_queries([unique_text(texts[n % len(texts)], n) for n in numbers])
                done[slot] += batch

        started = time.perf_counter()
        threads = [threading.Thread(target=stream, args=(slot,)) for slot in range(streams_here)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        measured.append(
            {"streams": streams_here, "batch": batch, "questions_per_s": round(sum(done) / elapsed, 1)}
        )
    best = max(measured, key=lambda way: way["questions_per_s"])
    return {"model": settings.embedding_model, "ways": measured, "questions_per_s": best["questions_per_s"]}


INFO_LINE = re.compile(
    r"^\S+ \S+ INFO "
)  # "2026-12-01 19:20:29,624 INFO assistant.platform.metrics: request"


def run_server(command: list[str], env: dict, url: str, texts: list[str], args) -> dict:
    log = tempfile.TemporaryFile()  # noqa: SIM115  (server output: an unread pipe would block the server)
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, process)
        return asyncio.run(load(url, texts, args.clients, args.seconds, args.unique, args.warmup))
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
        problems = [line for line in output.splitlines() if not INFO_LINE.match(line)]
        if problems:  # warnings, errors and tracebacks, wherever they were in the run
            print("--- server output (besides request lines) ---", *problems[-60:], sep="\n", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--baseline-python", default=sys.executable)
    parser.add_argument("--out", default="http")
    parser.add_argument(
        "--warmup",
        type=int,
        default=20,
        help="sequential questions before the timed load; 0: every question once (the answer core's unit "
        "vectors then hold every chunk those questions reach, as in a server that has run for a while)",
    )
    parser.add_argument("--encode-seconds", type=float, default=20, help="time for the model's own rate")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="ingest into (and serve from) this directory instead of a new temporary one: a second run on "
        "it re-ingests nothing",
    )
    parser.add_argument(
        "--unique", action="store_true", help="make every question a new text (no query-embedding cache hits)"
    )
    args = parser.parse_args()
    texts = questions()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
        "ASSISTANT_RATE_LIMIT_PER_MINUTE": "100000000",  # one client address sends everything here
    }
    with tempfile.TemporaryDirectory(prefix="bench-http-") as scratch:
        tmp = str(args.data_dir or scratch)
        # The assistant ingests corpus/ on first start; the baseline reads the same published chunks.
        subprocess.run(
            [sys.executable, "-m", "ingest", str(ROOT / "corpus")],
            env={**env, "ASSISTANT_DATA_DIR": tmp},
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        generation = Path(tmp, "index", Path(tmp, "index", "CURRENT").read_text().strip())
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        baseline = run_server(
            [
                args.baseline_python,
                str(ROOT / "benchmarks" / "baseline_langchain.py"),
                str(generation),
                str(port),
            ],
            env,
            url,
            texts,
            args,
        )
        print("baseline ", json.dumps(baseline), flush=True)
        assistant = run_server(
            [
                sys.executable,
                "-c",
                "import sys; from assistant.cli import main; sys.exit(main())",
                "--data-dir",
                tmp,
                "serve",
                "--port",
                str(port),
            ],
            {**env, "ASSISTANT_DATA_DIR": tmp},
            url,
            texts,
            args,
        )
        print("assistant", json.dumps(assistant), flush=True)
    encoding = query_encoding_rate(texts, args.encode_seconds, args.clients)
    print("model alone", json.dumps(encoding), flush=True)
    results = {
        "clients": args.clients,
        "seconds": args.seconds,
        "questions": len(texts),
        "unique_texts": args.unique,
        "warmup_questions": args.warmup or len(texts),
        "assistant": assistant,
        "baseline_langchain": baseline,
        "throughput_ratio": round(assistant["requests_per_s"] / max(baseline["requests_per_s"], 1e-9), 2),
        "model_query_encoding": encoding,
        "share_of_query_encoding_rate": round(assistant["requests_per_s"] / encoding["questions_per_s"], 3),
    }
    print(
        f"throughput ratio {results['throughput_ratio']}× (goal ≥ 3), errors {assistant['errors']} (goal 0), "
        f"{results['share_of_query_encoding_rate']:.0%} of the model's own query-encoding rate"
    )
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.out}.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
