"""Prometheus metrics for `/metrics`: HTTP requests and latency; answers, refusals and answer latency by
channel (counted once per turn by `assistant.channels.turn`, so Slack and Teams count like the web); feedback.

The metric objects are module-level, as prometheus-client expects (registering one twice is an error, and
tests build many apps in one process); defining them does no I/O. With several uvicorn workers,
`assistant serve --workers N` sets `PROMETHEUS_MULTIPROC_DIR` before the workers start, and `/metrics`
then adds up every worker's counters, so a scrape sees the whole server whichever worker answers it.
Labels are bounded: route templates (never raw paths with ids), methods, status codes, channels.
"""

from __future__ import annotations

import logging
import os
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "assistant_http_requests_total", "HTTP requests by route and status.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "assistant_http_request_duration_seconds",
    "Time to the end of the HTTP response, by route.",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ANSWERS = Counter("assistant_answers_total", "Answers given, by channel.", ["channel"])
REFUSALS = Counter(
    "assistant_refusals_total", "Answers that refused (no support in the sources).", ["channel"]
)
ANSWER_LATENCY = Histogram(
    "assistant_answer_duration_seconds",
    "Time the answer core took for one question, by channel (any channel, not only HTTP routes).",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
FEEDBACK = Counter(
    "assistant_feedback_total", "Feedback received, by channel and rating.", ["channel", "rating"]
)


def observe_answer(channel: str, refused: bool, seconds: float) -> None:
    ANSWERS.labels(channel).inc()
    ANSWER_LATENCY.labels(channel).observe(seconds)
    if refused:
        REFUSALS.labels(channel).inc()


def observe_feedback(channel: str, rating: str) -> None:
    FEEDBACK.labels(channel, rating if rating in ("up", "down") else "other").inc()


def exposition() -> Response:
    """The metrics in Prometheus text format, summed over workers in multi-process mode."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts every HTTP request and its duration under its route template; logs one line per request.

    Pure ASGI (not BaseHTTPMiddleware) so streamed answers are timed to their last byte and not buffered.
    The log line carries method, route, status and duration only: never the question or any body.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "GET")
            seconds = time.perf_counter() - started
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(seconds)
            if route not in ("/healthz", "/readyz", "/metrics"):
                log.info(
                    "request",
                    extra={
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 1),
                    },
                )
