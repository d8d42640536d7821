"""API fuzzing with schemathesis against the running app's own OpenAPI document.

Every public operation in `/openapi.json` gets generated requests, valid ones (positive) and schema-breaking
ones (negative: wrong types, missing fields, odd media types). What must hold for every response:
no 5xx, and every 4xx body is exactly the documented error shape `{"error": {"code": str, "message": str}}`.

    python benchmarks/fuzz_api.py --examples 250     # ≈ 8 operations × 2 modes × 250 = 4 000 requests
    python benchmarks/fuzz_api.py --examples 100 --all-checks   # and schemathesis's runner, every check on

The script ingests corpus/ into a temporary store (fake embedder, so it needs no model), serves the real app
on loopback with uvicorn and prints the figures as JSON. `tests/integration/test_api_fuzz.py` runs the same
`fuzz()` with a small budget against the real model's store.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import hypothesis
import hypothesis.errors
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class FuzzReport:
    requests: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_operation: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    transport_errors: int = 0
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.by_status.items() if status >= 500)

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "server_errors": self.server_errors,
            "bad_error_shape": sum("error shape" in f for f in self.failures),
            "transport_errors": self.transport_errors,
            "by_status": dict(sorted(self.by_status.items())),
            "by_operation": dict(self.by_operation),
            "failures": self.failures[:20],
            "skipped": self.skipped,
            "seconds": round(self.seconds, 1),
        }


def error_shape_problem(response) -> str | None:
    """None when a 4xx/5xx body is `{"error": {"code": str, "message": str}}` and nothing else."""
    try:
        body = response.json()
    except ValueError:
        return "body is not JSON"
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return f"not the error shape: {str(body)[:120]}"
    error = body["error"]
    if set(error) != {"code", "message"} or not all(isinstance(error[k], str) and error[k] for k in error):
        return f"not the error shape: {str(body)[:120]}"
    return None


def fuzz(base_url: str, *, max_examples: int, seed: int = 0) -> FuzzReport:
    """Run `max_examples` positive and as many negative generated requests against each operation."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    report = FuzzReport()
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:
            _fuzz_operation(base_url, operation, mode, max_examples, seed, report)
    report.seconds = time.perf_counter() - started
    return report


def _fuzz_operation(
    base_url: str, operation, mode: GenerationMode, max_examples: int, seed: int, report: FuzzReport
) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(operation.as_strategy(generation_mode=mode))
    def one(case) -> None:
        try:
            response = case.call(base_url=base_url, timeout=60)
        except Exception as exc:  # a request the client library cannot even send
            report.transport_errors += 1
            if report.transport_errors <= 5:
                report.failures.append(f"{label} ({mode.value}): transport {type(exc).__name__}")
            return
        report.requests += 1
        report.by_status[response.status_code] += 1
        report.by_operation[label] += 1
        if response.status_code >= 500:
            report.failures.append(f"{label} ({mode.value}): {response.status_code} {case.body!r:.200}")
        elif response.status_code >= 400 and (problem := error_shape_problem(response)):
            report.failures.append(f"{label} ({mode.value}): {response.status_code} error shape: {problem}")

    try:
        one()
    except hypothesis.errors.Unsatisfiable:  # e.g. no negative requests exist for an operation without input
        report.skipped.append(f"{label} ({mode.value})")


def all_checks(base_url: str, *, max_examples: int, seed: int = 0) -> tuple[int, str]:
    """schemathesis's own runner with every check on: status codes, content types and response bodies as
    documented (RFC 3339 date-times included), schema-valid requests accepted, schema-invalid ones refused,
    no 5xx. Returns (unique failures, the runner's report); -1 failures if the report cannot be read."""
    command = [
        sys.executable,
        "-c",
        "from schemathesis.cli import schemathesis; schemathesis()",
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--no-color",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    report = done.stdout + done.stderr
    if "No issues found" in report and done.returncode == 0:
        return 0, report
    found = re.search(r"(\d+) (?:unique )?failures?\b", report)
    return (int(found.group(1)) if found else -1), report


@contextmanager
def serve(app) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a background thread; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=250, help="generated requests per operation and mode")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--url", help="fuzz an already running server instead of a temporary one")
    parser.add_argument(
        "--all-checks", action="store_true", help="also run schemathesis's own runner with every check on"
    )
    args = parser.parse_args()
    if args.url:
        report = fuzz(args.url, max_examples=args.examples, seed=args.seed)
        checked = (
            all_checks(args.url, max_examples=args.examples, seed=args.seed) if args.all_checks else None
        )
    else:
        sys.path.insert(0, str(ROOT))
        from assistant.app import create_app
        from assistant.config import Settings
        from ingest.pipeline import run

        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                _env_file=None,
                data_dir=Path(tmp),
                corpus_dirs=[ROOT / "corpus"],
                embedding_model="fake",
                rate_limit_per_minute=0,
            )
            run(settings, [ROOT / "corpus"])
            with serve(create_app(settings)) as base:
                report = fuzz(base, max_examples=args.examples, seed=args.seed)
                checked = (
                    all_checks(base, max_examples=args.examples, seed=args.seed) if args.all_checks else None
                )
    figures = report.as_dict()
    if checked is not None:
        figures["schemathesis_all_checks_failures"] = checked[0]
        if checked[0]:
            print(checked[1], file=sys.stderr)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 1 if report.failures or (checked and checked[0]) else 0


if __name__ == "__main__":
    sys.exit(main())
