"""Per-client rate limit for the HTTP chat endpoints, keyed by the client's address.

Two limiters with one `check(client)` method, chosen by `create_app`:
- `RateLimiter`: a sliding one-minute window in memory, for the embedded single-process default;
- `SharedRateLimiter`: a fixed one-minute window counted in the database (one atomic upsert per request),
  used when `DATABASE_URL` is set, so several workers behind one URL share one limit per client.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from fastapi import HTTPException, Request

from assistant.platform.blocking import run_blocking
from assistant.platform.db import Database

WINDOW_SECONDS = 60.0
MAX_CLIENTS = 10_000  # forget idle clients beyond this many so memory stays bounded


class RateLimiter:
    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}

    def check(self, client: str) -> float:
        """Count one request; returns 0 when allowed, else the seconds until the client may try again."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        hits = self._hits.setdefault(client, deque())
        while hits and now - hits[0] >= WINDOW_SECONDS:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return WINDOW_SECONDS - (now - hits[0])
        hits.append(now)
        if len(self._hits) > MAX_CLIENTS:
            self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or now - h[-1] >= WINDOW_SECONDS]:
            del self._hits[key]


class SharedRateLimiter:
    """Fixed one-minute windows counted in the shared database (runs in the thread pool: it does I/O)."""

    def __init__(self, db: Database, per_minute: int, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.per_minute = per_minute
        self.clock = clock

    def check(self, client: str) -> float:
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        window = int(now // WINDOW_SECONDS)
        if self.db.count_hit(client, window) > self.per_minute:
            return (window + 1) * WINDOW_SECONDS - now
        return 0.0


def _limiter(request: Request) -> RateLimiter | SharedRateLimiter:
    """The in-memory limiter, or with a shared database (`DATABASE_URL`) one counted there."""
    state = request.app.state
    services = getattr(state, "services", None)
    if services is not None and services.settings.database_url:
        if getattr(state, "shared_rate_limiter", None) is None:
            state.shared_rate_limiter = SharedRateLimiter(
                services.db, services.settings.rate_limit_per_minute
            )
        return state.shared_rate_limiter
    return state.rate_limiter


async def rate_limit(request: Request) -> None:
    """FastAPI dependency: 429 `rate_limited` with Retry-After when the client asks too often."""
    limiter = _limiter(request)
    client = request.client.host if request.client else "unknown"
    if isinstance(limiter, SharedRateLimiter):
        wait = await run_blocking(limiter.check, client)
    else:
        wait = limiter.check(client)
    if wait:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(
            status_code=429,
            detail=f"Too many questions from this client; try again in {seconds} seconds.",
            headers={"Retry-After": str(seconds)},
        )
