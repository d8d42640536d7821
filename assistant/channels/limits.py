"""Per-client rate limit for the HTTP chat endpoints: a sliding one-minute window kept in memory.

One limiter per app (created by `create_app`), keyed by the client's address. It protects one process;
several workers each count on their own, which is fine for abuse protection and needs no shared store.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from fastapi import HTTPException, Request

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


async def rate_limit(request: Request) -> None:
    """FastAPI dependency: 429 `rate_limited` with Retry-After when the client asks too often."""
    limiter: RateLimiter = request.app.state.rate_limiter
    client = request.client.host if request.client else "unknown"
    wait = limiter.check(client)
    if wait:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(
            status_code=429,
            detail=f"Too many questions from this client; try again in {seconds} seconds.",
            headers={"Retry-After": str(seconds)},
        )
