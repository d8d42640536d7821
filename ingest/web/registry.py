"""The sources ingest knows, as rows of the `sources` table: which to refresh now, and when each was last.

`ingest` (no arguments) refreshes the sources file's entries (else the corpus folders) and every source
registered in the database (added on «Kilder» or by `ingest URL`); `ingest --due` and the app's refresher
only those whose refresh interval has passed or for which an admin asked. File entries are written to the
table at each run (the file is the truth for them); an entry taken out of the file loses its row and its
documents at the next run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from assistant.config import Settings
from assistant.platform.db import Database, _now
from assistant.search.source_state import SourceRow
from ingest.web.sources import Source, folder_source, load_sources

ORIGINS_KEPT = ("staff", "cli")  # sources registered in the database rather than listed in the file
REMOVED = "removed"  # a source taken out: its documents are removed at the next run, then its row


@dataclass
class Selection:
    """What one run refreshes, and the scopes of sources taken out (emptied by this run)."""

    sources: list[Source] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def configured(settings: Settings) -> tuple[list[Source], Path | None]:
    """The sources file's entries, or the corpus folders when there is no sources file."""
    path = settings.sources_file
    if path is not None and path.exists():
        return load_sources(path), path
    return [folder_source(folder) for folder in settings.corpus_dirs], None


def to_source(row: SourceRow) -> Source:
    if row.type == "folder":
        source = folder_source(Path(row.key), origin=row.origin, refresh_seconds=row.refresh_seconds)
        return Source(**{**source.__dict__, "key": row.key})
    return Source(
        key=row.key,
        type=row.type,  # type: ignore[arg-type]
        name=row.name,
        kind=row.kind,
        language=row.language,
        include=tuple(row.include or ()),
        exclude=tuple(row.exclude or ()),
        refresh_seconds=row.refresh_seconds,
        max_pages=row.max_pages,
        max_depth=row.max_depth,
        origin=row.origin,
    )


def _fill(row: SourceRow, source: Source) -> None:
    row.type, row.name, row.kind, row.language = source.type, source.name, source.kind, source.language
    row.include, row.exclude = list(source.include), list(source.exclude)
    row.refresh_seconds, row.max_pages, row.max_depth = (
        source.refresh_seconds,
        source.max_pages,
        source.max_depth,
    )


def sync_file(db: Database, sources: list[Source], from_file: bool) -> None:
    """Write the configured entries to the table (the file is the truth for its own rows). With a file, a
    file row no longer listed is marked `removed` (its documents go at this run); without one (the corpus
    folders), file rows are left alone: a missing file must not empty the index."""
    keys = {s.key for s in sources}
    with db.session() as s, s.begin():
        rows = {row.key: row for row in s.scalars(select(SourceRow))}
        for source in sources:
            row = rows.get(source.key)
            if row is None:
                row = SourceRow(key=source.key)
                s.add(row)
            elif row.origin in ORIGINS_KEPT and not from_file:
                continue  # a corpus folder also registered by hand keeps its own settings
            row.origin = source.origin
            _fill(row, source)
        for key, row in rows.items():
            if key in keys:
                continue
            if from_file and row.origin == "file":
                row.origin = REMOVED
            elif row.origin == "corpus":  # the corpus folders changed: the old row goes, its documents stay
                s.delete(row)


def removed_keys(db: Database) -> list[str]:
    with db.session() as s:
        return list(s.scalars(select(SourceRow.key).where(SourceRow.origin == REMOVED)))


def forget(db: Database, keys: list[str]) -> None:
    """Delete the rows of removed sources once their documents are gone from the published index."""
    if not keys:
        return
    with db.session() as s, s.begin():
        for row in s.scalars(select(SourceRow).where(SourceRow.key.in_(keys), SourceRow.origin == REMOVED)):
            s.delete(row)


def register(db: Database, source: Source, *, by: str | None = None) -> bool:
    """Add a source given on the command line or on «Kilder»; False if it was known already (unchanged)."""
    with db.session() as s, s.begin():
        if s.get(SourceRow, source.key) is not None:
            return False
        row = SourceRow(key=source.key, origin=source.origin, added_by=by)
        _fill(row, source)
        s.add(row)
    return True


def registered(db: Database) -> list[Source]:
    with db.session() as s:
        return [
            to_source(row) for row in s.scalars(select(SourceRow).where(SourceRow.origin.in_(ORIGINS_KEPT)))
        ]


def all_rows(db: Database) -> list[SourceRow]:
    with db.session() as s:
        return list(s.scalars(select(SourceRow).order_by(SourceRow.origin, SourceRow.key)))


def select_sources(
    settings: Settings, db: Database, *, due_only: bool, now: datetime | None = None
) -> Selection:
    """The sources of a run without arguments (`due_only`: just those that are due)."""
    listed, file = configured(settings)
    sync_file(db, listed, from_file=file is not None)
    by_key = {s.key: s for s in listed}
    for source in registered(db):
        by_key.setdefault(source.key, source)
    chosen = list(by_key.values())
    if due_only:
        rows = {row.key: row for row in all_rows(db)}
        chosen = [s for s in chosen if is_due(rows.get(s.key), now or _now())]
    return Selection(chosen, removed_keys(db))


def is_due(row: SourceRow | None, now: datetime) -> bool:
    if row is None or row.refreshed_at is None or row.refresh_requested:
        return True
    last = row.refreshed_at if row.refreshed_at.tzinfo else row.refreshed_at.replace(tzinfo=UTC)
    return last + timedelta(seconds=row.refresh_seconds) <= now


def request_refresh(db: Database, key: str | None = None) -> int:
    """Ask the refresher to refresh one source (or all) at its next check; returns how many were marked."""
    with db.session() as s, s.begin():
        rows = list(
            s.scalars(select(SourceRow) if key is None else select(SourceRow).where(SourceRow.key == key))
        )
        for row in rows:
            row.refresh_requested = True
    return len(rows)


def remove(db: Database, key: str) -> bool:
    """Take out a registered source: its documents go at the next run, then its row."""
    with db.session() as s, s.begin():
        row = s.get(SourceRow, key)
        if row is None or row.origin not in ORIGINS_KEPT:
            return False
        row.origin = REMOVED
    return True
