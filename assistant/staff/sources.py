"""The staff side of sources: what «Kilder» shows, what admins may do there, and the «kilde endret» review.

- `overview`: every document of the published index with its source, date, validity, and (for web pages)
  the last fetch, its status and error; every registered source with its last refresh.
- Admin actions: add a source (`add_source`), ask for a refresh (`ingest.web.registry.request_refresh`),
  mark a document outdated (`mark_outdated`: a `valid_to` override every ingest applies, published at once).
- `review_changes` is the refresh's review hook: a verified answer that cites a page that changed or went
  is withheld from buyers (an override, applied in the same index generation that changes the page) and
  its questions go back to the queue with the diff. `confirm` («Svaret gjelder fortsatt») puts the answer
  back; a new verified answer resolves the change (`resolve`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from assistant.config import Settings
from assistant.core.texts import STAFF_OVERRIDE_NOTES
from assistant.errors import IngestError, InputError
from assistant.platform.db import Database, MessageRow, _now
from assistant.search.source_state import (
    VERIFIED_KEY,
    DocumentOverrideRow,
    PageRow,
    SourceChangeRow,
    SourceRow,
    clear_valid_to,
    set_override,
)
from assistant.search.store import Snapshot
from assistant.staff.records import VerifiedAnswerRow

log = logging.getLogger(__name__)

PUBLISH_ATTEMPTS = 60  # × 0.5 s: how long «merk utdatert» waits for a running ingest to finish


@dataclass
class DocumentLine:
    doc_id: str
    title: str
    source: str
    kind: str
    published: str | None
    valid_to: str | None
    chunks: int
    scope: str
    fetched_at: datetime | None = None
    status: int | None = None
    outcome: str | None = None
    error: str | None = None
    overridden: bool = False


@dataclass
class GoneLine:
    """A web page that left the index (410, no longer listed, disallowed), shown so staff see why."""

    url: str
    title: str
    outcome: str
    error: str | None
    gone_at: datetime | None


@dataclass
class Overview:
    documents: list[DocumentLine]
    sources: list[SourceRow]
    gone: list[GoneLine]
    pending: list[SourceChangeRow]


def overview(db: Database, snapshot: Snapshot) -> Overview:
    with db.session() as s:
        pages = {row.url: row for row in s.scalars(select(PageRow))}
        overrides = {row.key for row in s.scalars(select(DocumentOverrideRow)) if row.valid_to}
        sources = list(s.scalars(select(SourceRow).order_by(SourceRow.key)))
        pending = list(
            s.scalars(
                select(SourceChangeRow)
                .where(SourceChangeRow.resolved_at.is_(None))
                .order_by(SourceChangeRow.created_at.desc())
            )
        )
    lines = []
    for entry in sorted(snapshot.documents.values(), key=lambda e: (e.scope, e.title)):
        page = pages.get(entry.doc_id)
        lines.append(
            DocumentLine(
                doc_id=entry.doc_id,
                title=entry.title,
                source=entry.source,
                kind=entry.kind,
                published=entry.published,
                valid_to=entry.valid_to,
                chunks=len(entry.chunk_ids),
                scope=entry.scope,
                fetched_at=_aware(page.fetched_at) if page else None,
                status=page.status if page else None,
                outcome=page.outcome if page else None,
                error=page.error if page else None,
                overridden=entry.doc_id in overrides,
            )
        )
    gone = [
        GoneLine(row.url, row.title, row.outcome, row.error, _aware(row.gone_at))
        for row in pages.values()
        if row.url not in snapshot.documents and row.outcome in ("gone", "blocked", "unlisted")
    ]
    return Overview(lines, sources, sorted(gone, key=lambda g: g.url), pending)


def every(seconds: int) -> str:
    """A refresh interval in bokmål: "hver dag", "hver 12. time", "hvert 30. minutt", "hver 2. uke"."""
    for size, one, many in (
        (604_800, "hver uke", "hver {n}. uke"),
        (86_400, "hver dag", "hver {n}. dag"),
        (3600, "hver time", "hver {n}. time"),
        (60, "hvert minutt", "hvert {n}. minutt"),
    ):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return one if n == 1 else many.format(n=n)
    return f"hvert {seconds}. sekund"


# ---- admin actions -------------------------------------------------------------------------------------


def add_source(
    db: Database, url: str, *, type: str | None, kind: str, language: str | None, refresh: str, by: str
) -> str:
    """Register a source from the «Kilder» form and ask for its first refresh; returns its key."""
    from ingest.web.registry import register, request_refresh
    from ingest.web.sources import parse_duration, web_source

    try:
        seconds = parse_duration(refresh or "1d")
    except ValueError as exc:
        raise InputError(str(exc), code="bad_refresh") from exc
    if language not in (None, "nb", "nn", "en"):
        raise InputError("unknown language", code="bad_language")
    try:
        source = web_source(
            url.strip(), type=type or None, origin="staff", kind=(kind.strip() or "document")[:40],
            language=language, refresh_seconds=seconds,
        )  # fmt: skip
    except InputError as exc:
        raise InputError(exc.message, code="bad_source_url") from exc
    register(db, source, by=by)
    request_refresh(db, source.key)
    return source.key


def mark_outdated(settings: Settings, db: Database, doc_id: str, valid_to: date | None, *, by: str) -> bool:
    """Set (or with None clear) a document's `valid_to` and publish it; False when the publication had to
    wait for a running ingest too long (the override is saved and the next ingest applies it)."""
    if valid_to is None:
        clear_valid_to(db, doc_id)
    else:
        set_override(db, doc_id, by=by, valid_to=valid_to, note=STAFF_OVERRIDE_NOTES["marked_outdated"])
    return republish(settings)


def republish(settings: Settings, attempts: int = PUBLISH_ATTEMPTS) -> bool:
    """Publish the index again with the current overrides (no fetching, no embedding)."""
    from ingest.pipeline import Scan, run_scan

    for _ in range(attempts):
        try:
            run_scan(settings, lambda _store: Scan())
            return True
        except IngestError as exc:
            if "another ingest" not in exc.message:
                raise
            time.sleep(0.5)
    return False


# ---- «kilde endret» --------------------------------------------------------------------------------------


def review_changes(db: Database) -> Callable[[list], bool]:
    """The refresh's review hook over this database (see the module docstring); True if it withheld any."""
    from ingest.web.pages import same_page

    def review(changes) -> bool:
        withheld = False
        with db.session() as s, s.begin():
            answers = list(s.scalars(select(VerifiedAnswerRow)))
            for change in changes:
                cited = {same_page(change.url), same_page(change.source)}
                for answer in answers:
                    if any(same_page(link) in cited for link in answer.links or []):
                        _requeue(s, answer, change)
                        withheld = True
        return withheld

    return review


def _requeue(s, answer: VerifiedAnswerRow, change) -> None:
    """Withhold the verified answer and put its questions back in the queue with the change (once per
    answer and page until an adviser has seen it)."""
    key = VERIFIED_KEY.format(id=answer.id)
    hold = s.get(DocumentOverrideRow, key) or DocumentOverrideRow(key=key)
    hold.withheld, hold.note, hold.set_by, hold.set_at = True, f"kilde endret: {change.url}", None, _now()
    s.add(hold)
    waiting = select(SourceChangeRow).where(
        SourceChangeRow.verified_answer_id == answer.id,
        SourceChangeRow.url == change.url,
        SourceChangeRow.resolved_at.is_(None),
    )
    if s.scalars(waiting).first() is not None:
        return
    questions = list(s.scalars(select(MessageRow).where(MessageRow.verified_answer_id == answer.id)))
    for message in questions or [None]:
        s.add(
            SourceChangeRow(
                url=change.url,
                change=change.change,
                diff=change.diff,
                verified_answer_id=answer.id,
                message_id=message.id if message else None,
            )
        )
        if message is not None:
            message.review_status = "open"
    log.info("verified answer withheld: its source changed", extra={"verified_answer_id": answer.id})


def resolve(db: Database, message_ids: list[str], resolution: str) -> list[int]:
    """Close the open source changes of these questions; returns the verified answers they held back."""
    held: set[int] = set()
    with db.session() as s, s.begin():
        for row in s.scalars(
            select(SourceChangeRow).where(
                SourceChangeRow.message_id.in_(message_ids), SourceChangeRow.resolved_at.is_(None)
            )
        ):
            row.resolved_at, row.resolution = _now(), resolution
            if row.verified_answer_id is not None:
                held.add(row.verified_answer_id)
    return sorted(held)


def confirm(settings: Settings, db: Database, message_id: str) -> None:
    """«Svaret gjelder fortsatt»: the adviser read the diff and the verified answer stands; it is answered
    again and back in the index (once no other question still waits on a change to it)."""
    held = resolve(db, [message_id], "confirmed")
    with db.session() as s, s.begin():
        message = s.get(MessageRow, message_id)
        if message is not None and message.verified_answer_id is not None:
            message.review_status = "answered"
        for answer_id in held:
            still = s.scalars(
                select(SourceChangeRow).where(
                    SourceChangeRow.verified_answer_id == answer_id, SourceChangeRow.resolved_at.is_(None)
                )
            ).first()
            row = s.get(DocumentOverrideRow, VERIFIED_KEY.format(id=answer_id))
            if row is not None and still is None:
                row.withheld = False
    if held:
        from assistant.staff.verified import ingest_folder

        ingest_folder(settings, Path(settings.verified_dir))


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
