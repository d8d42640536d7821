"""One ingest run over sources — folders and web sources together, published as one index generation — and
the lease that keeps refreshes one at a time across processes and machines.

`ingest_sources` is what `ingest URL…`, `ingest` (no arguments), `ingest --due` and the app's background
refresher all call. Order inside the pipeline's lock: scan folders and fetch web pages → plan → let staff
review cited pages that changed or went (`review`; withheld answers leave this very generation) → embed →
publish → record fetch state. A run that fails before publishing leaves the index and the fetch state as
they were.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings
from assistant.errors import IngestError
from assistant.platform.db import Database, _now
from assistant.platform.files import make_data_dir
from assistant.search.source_state import SourceRow, acquire, lease_holder, release
from ingest.loaders import Limits
from ingest.pipeline import Plan, Progress, Report, Scan, run, run_scan, scan
from ingest.web import registry
from ingest.web.fetch import Counters, Fetcher, FetchPolicy
from ingest.web.refresh import PageChange, SourceResult, WebRefresh
from ingest.web.sources import Source, web_source
from ingest.web.urls import is_url

log = logging.getLogger(__name__)

Review = Callable[[list[PageChange]], bool]  # True: it withheld documents, so the plan must be made again
LEASE = "source-refresh"
LEASE_SECONDS = 600.0  # renewed while pages come in; a refresher that died frees the lease within ten minutes
LEASE_RENEW_SECONDS = 30.0  # how often a running refresh renews it (a database write per renewal)


@dataclass
class RunReport:
    report: Report
    sources: list[SourceResult] = field(default_factory=list)
    counters: Counters = field(default_factory=Counters)

    @property
    def errors(self) -> list[tuple[str, str]]:
        return self.report.plan.errors

    @property
    def notes(self) -> list[tuple[str, str, str]]:
        return [note for result in self.sources for note in result.notes]

    def summary(self) -> str:
        text = self.report.summary()
        if self.sources:
            c = self.counters
            text += (
                f"; web: {c.requests} requests ({c.not_modified} not modified), "
                f"{c.bytes:,} bytes in {c.seconds:.2f} s"
            )
        return text


class Lease:
    """The database lease of the source refresher: `with Lease(db):` or IngestError naming the holder."""

    def __init__(self, db: Database, holder: str | None = None) -> None:
        self.db = db
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renewed = 0.0

    def __enter__(self) -> Lease:
        if not acquire(self.db, LEASE, self.holder, LEASE_SECONDS):
            holder = lease_holder(self.db, LEASE) or "another process"
            raise IngestError(f"another refresh of the sources is running ({holder})", code="refresh_running")
        self._renewed = time.monotonic()
        return self

    def beat(self) -> None:
        if time.monotonic() - self._renewed >= LEASE_RENEW_SECONDS:
            acquire(self.db, LEASE, self.holder, LEASE_SECONDS)
            self._renewed = time.monotonic()

    def __exit__(self, *_) -> None:
        release(self.db, LEASE, self.holder)


def ingest_sources(
    settings: Settings,
    sources: list[Source],
    *,
    db: Database,
    paths: list[Path] | None = None,
    emptied: list[str] | None = None,
    review: Review | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    heartbeat: Callable[[], None] | None = None,
) -> RunReport:
    """Ingest the sources (and plain paths) in one publication. `emptied`: scopes of sources taken out,
    whose documents are removed."""
    limits = Limits(settings.max_document_bytes, settings.max_unzipped_bytes)
    web = [s for s in sources if s.is_web]
    folders = [*(paths or []), *(s.path for s in sources if s.type == "folder" and s.path is not None)]
    fetcher = Fetcher(FetchPolicy.from_settings(settings))
    refresh = WebRefresh(web, fetcher, db, limits, heartbeat=heartbeat)

    def scanner(store) -> Scan:
        scanned = scan(folders, limits, store.snapshot()) if folders else Scan()
        if web:
            for result in refresh.run(store.snapshot()):
                scanned.scopes[result.source.key] = refresh.documents(result)
                scanned.unreadable |= refresh.kept(result)
                scanned.not_modified |= {p.url for p in result.pages if p.outcome == "not_modified"}
                scanned.errors.extend(result.errors)
        for key in emptied or []:
            scanned.scopes.setdefault(key, [])
        return scanned

    def on_plan(plan: Plan) -> bool:
        changes = refresh.changes(plan.updated, plan.removed) if web else []
        return bool(review and changes and review(changes))

    def on_published(plan: Plan) -> None:
        live = Counter(entry.scope for entry in plan.documents)
        refresh.save(dict(live))
        _mark_folders(db, [s for s in sources if s.type == "folder"], plan, live)
        registry.forget(db, emptied or [])

    try:
        report = run_scan(
            settings, scanner, dry_run=dry_run, progress=progress, review=on_plan, published=on_published
        )
    finally:
        fetcher.close()
    return RunReport(report, refresh.results, fetcher.counters)


def _mark_folders(db: Database, folders: list[Source], plan: Plan, live: Counter) -> None:
    if not folders:
        return
    now = _now()
    label_of = {root: label for label, root in plan.roots.items()}  # the store may know it by another label
    with db.session() as s, s.begin():
        for source in folders:
            row = s.get(SourceRow, source.key)
            if row is None:
                continue
            inside = [why for path, why in plan.errors if source.path and path.startswith(str(source.path))]
            row.refreshed_at, row.refresh_requested = now, False
            row.status = "errors" if inside else "ok"
            row.error = "; ".join(inside[:5]) or None
            label = label_of.get(source.path.resolve().as_posix(), source.key) if source.path else source.key
            row.pages = live.get(label, 0)


def open_database(settings: Settings) -> Database:
    """The database of these settings, migrated (its SQLite file's folder made first)."""
    if not settings.database_url:
        make_data_dir(settings.data_dir)
    db = Database(settings.sqlalchemy_url, user_hash_key=settings.user_hash_key)
    db.create_all()
    return db


def run_targets(
    settings: Settings,
    targets: list[str],
    *,
    due: bool = False,
    source_type: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> RunReport:
    """What `ingest` does with its arguments: paths only → those folders and files, as always; URLs →
    those web sources (remembered for later refreshes) with the paths; nothing → every configured and
    registered source (the corpus folders when there is no sources file and nothing is registered);
    `due` → only the sources due for a refresh."""
    urls = [t for t in targets if is_url(t)]
    paths = [Path(t) for t in targets if not is_url(t)]
    if paths and not urls and not due:
        return RunReport(run(settings, paths, dry_run=dry_run, progress=progress))
    db = open_database(settings)
    try:
        emptied: list[str] = []
        if urls:
            sources = [_given(db, url, source_type, remember=not dry_run) for url in urls]
        else:
            selection = registry.select_sources(settings, db, due_only=due)
            sources, emptied = selection.sources, selection.dropped
        if not any(s.is_web for s in sources) and not emptied:  # folders only: no lease, no review
            folders = [s.path for s in sources if s.path is not None]
            if due and not folders and not paths:
                return RunReport(Report(Plan(), dry_run=dry_run))
            return RunReport(run(settings, [*paths, *folders], dry_run=dry_run, progress=progress))
        from assistant.staff.sources import review_changes  # the staff side's «kilde endret» review

        with Lease(db) as lease:
            return ingest_sources(
                settings,
                sources,
                db=db,
                paths=paths,
                emptied=emptied,
                review=review_changes(db),
                dry_run=dry_run,
                progress=progress,
                heartbeat=lease.beat,
            )
    finally:
        db.engine.dispose()


def _given(db: Database, url: str, source_type: str | None, *, remember: bool) -> Source:
    """A URL from the command line: its registered settings if it is known (and no --type overrides them),
    else a new source, registered so later refreshes include it."""
    source = web_source(url, type=source_type, origin="cli")
    known = {s.key: s for s in registry.registered(db)}
    if source.key in known and source_type is None:
        return known[source.key]
    if remember:
        registry.register(db, source)
    return source
