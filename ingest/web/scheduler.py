"""The background refresher of `assistant serve`: every `refresh_check_seconds` (with jitter, so workers do
not all wake together) each worker looks for due sources and, if there are any, tries the database lease;
the one worker that gets it refreshes them in a thread of its own, the others go back to sleep. An admin's
«Oppdater nå» wakes the worker that served the click.

A failing source, an unreachable site or a broken sources file is logged and retried at the next check; it
never reaches the request path, and `/readyz` does not look at sources at all. The corpus folders of a
deployment without a sources file are not refreshed here (as before: at first start and by `ingest`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.platform.db import Database
from ingest.web import registry
from ingest.web.job import Lease, Review, RunReport, ingest_sources

log = logging.getLogger(__name__)

JITTER = 0.2  # ± a fifth of the interval between two workers' checks


class Refresher:
    def __init__(self, settings: Settings, db: Database, review: Review | None = None) -> None:
        self.settings = settings
        self.db = db
        self.review = review
        self._wake = asyncio.Event()
        self.running = False

    def wake(self) -> None:
        """Check now (an admin asked for a refresh)."""
        self._wake.set()

    async def run_forever(self) -> None:
        interval = self.settings.refresh_check_seconds
        while True:
            with contextlib.suppress(TimeoutError):  # woken early by an admin, or the interval passed
                await asyncio.wait_for(self._wake.wait(), interval * random.uniform(1 - JITTER, 1 + JITTER))
            self._wake.clear()
            try:
                await asyncio.to_thread(self.check)
            except Exception:  # never let the loop die: the next check tries again
                log.exception("source refresh failed")

    def check(self) -> RunReport | None:
        """Refresh what is due, if this process gets the lease; None when there was nothing to do."""
        try:
            selection = registry.select_sources(self.settings, self.db, due_only=True)
        except AssistantError as exc:
            log.warning("sources not refreshed: %s", exc.message)
            return None
        due = [s for s in selection.sources if s.origin != "corpus"]
        if not due and not selection.dropped:
            return None
        self.running = True
        try:
            with Lease(self.db) as lease:
                report = ingest_sources(
                    self.settings,
                    due,
                    db=self.db,
                    emptied=selection.dropped,
                    review=self.review,
                    heartbeat=lease.beat,
                )
        except AssistantError as exc:  # the lease is taken, another ingest runs, the store is down
            log.info("sources not refreshed now: %s", exc.message)
            return None
        finally:
            self.running = False
        log.info("sources refreshed: %s", report.summary())
        for url, reason in report.errors:
            log.warning("source error", extra={"url": url, "error": reason})
        return report
