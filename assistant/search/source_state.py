"""What the index knows about its sources beyond the store, kept in the database: the registered sources, the
fetch state of every web page, per-document overrides, page changes awaiting an adviser, and the lease that
lets one refresher run at a time across workers and machines.

Why the database and not files beside the store: the staff page «Kilder» and every app worker read it; in
the compose deployment the `ingest` job, the app's refresher and the workers share PostgreSQL but not a data
directory (the store is a Chroma server); and the refresh lease needs an atomic update that every one of
them sees. Fetch state is written only after the index generation it describes is published, so a crash can
never leave an ETag recorded for a page whose text is not in the index.

    sources            one row per source (key: normalised URL or folder label): settings and last refresh
    source_pages       one row per web page (key: its normalised URL, also its document id): ETag,
                       Last-Modified, last fetch, status, error, and its main text (for «kilde endret» diffs)
    document_overrides valid_to set by staff (mark outdated) and documents withheld from answers
    source_changes     a changed or removed page cited by a verified answer, until an adviser has seen it
    leases             named locks with an expiry (the refresher)

Persistence only: the refresh itself is `ingest.web.refresh`, the staff side `assistant.staff.sources`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from assistant.errors import StoreError
from assistant.platform.db import Base, Database, _now

log = logging.getLogger(__name__)

URL_CHARS = 2000  # ingest.web.urls.MAX_URL_CHARS: the longest URL a page id can be
VERIFIED_KEY = "verified_answer:{id}"  # the override key of a verified answer's document
_VERIFIED_FILE = re.compile(r"(?:^|/)verified-(\d+)\.md$")  # assistant.staff.verified names its files so


class SourceRow(Base):
    __tablename__ = "sources"
    key: Mapped[str] = mapped_column(String(URL_CHARS), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))  # page | sitemap | site | folder
    name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(40), default="document")
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    include: Mapped[list] = mapped_column(JSON, default=list)
    exclude: Mapped[list] = mapped_column(JSON, default=list)
    refresh_seconds: Mapped[int] = mapped_column(Integer, default=86_400)
    max_pages: Mapped[int] = mapped_column(Integer, default=200)
    max_depth: Mapped[int] = mapped_column(Integer, default=3)
    origin: Mapped[str] = mapped_column(String(16), default="file")  # file | staff | cli
    added_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[str | None] = mapped_column(String(16), nullable=True)  # ok | errors | failed
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    refresh_requested: Mapped[bool] = mapped_column(Boolean, default=False)


class PageRow(Base):
    __tablename__ = "source_pages"
    url: Mapped[str] = mapped_column(String(URL_CHARS), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(URL_CHARS), index=True)
    final_url: Mapped[str] = mapped_column(String(URL_CHARS), default="")
    canonical: Mapped[str | None] = mapped_column(String(URL_CHARS), nullable=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    etag: Mapped[str | None] = mapped_column(String(500), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(100), nullable=True)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    status: Mapped[int] = mapped_column(Integer, default=0)  # HTTP status of the last fetch (0: none)
    outcome: Mapped[str] = mapped_column(
        String(16), default=""
    )  # ok | not_modified | gone | blocked | error | unlisted
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    media: Mapped[str | None] = mapped_column(String(8), nullable=True)
    bytes: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # main text of the indexed version
    links: Mapped[list] = mapped_column(JSON, default=list)  # followed links (site crawls, for 304s)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    gone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DocumentOverrideRow(Base):
    __tablename__ = "document_overrides"
    key: Mapped[str] = mapped_column(String(URL_CHARS), primary_key=True)  # doc id or verified_answer:<id>
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    withheld: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    set_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class SourceChangeRow(Base):
    __tablename__ = "source_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(URL_CHARS), index=True)
    change: Mapped[str] = mapped_column(String(16))  # changed | removed
    diff: Mapped[str] = mapped_column(Text, default="")
    verified_answer_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)  # answered | confirmed | closed


class LeaseRow(Base):
    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# ---- overrides ------------------------------------------------------------------------------------------


@dataclass
class Overrides:
    """Per-document corrections every ingest applies before it publishes."""

    valid_to: dict[str, date] = field(default_factory=dict)
    withheld: set[str] = field(default_factory=set)

    def key_of(self, doc_id: str, kind: str) -> list[str]:
        """The override keys that may name a document: its id, and for a verified answer its answer id."""
        keys = [doc_id]
        found = _VERIFIED_FILE.search(doc_id) if kind == "verified_answer" else None
        if found:
            keys.append(VERIFIED_KEY.format(id=int(found.group(1))))
        return keys

    def is_withheld(self, doc_id: str, kind: str) -> bool:
        return any(key in self.withheld for key in self.key_of(doc_id, kind))

    def valid_to_of(self, doc_id: str, kind: str) -> date | None:
        return next((self.valid_to[k] for k in self.key_of(doc_id, kind) if k in self.valid_to), None)

    def __bool__(self) -> bool:
        return bool(self.valid_to or self.withheld)


def load_overrides(url: str) -> Overrides:
    """The overrides in the database at `url`; none when the database or its table does not exist yet (a
    store that has never met the app). StoreError when it exists but cannot be read: publishing without the
    overrides would quietly bring back what staff withheld."""
    parsed = make_url(url)
    on_disk = parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")
    if on_disk and not Path(parsed.database).exists():
        return Overrides()
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            if not inspect(connection).has_table(DocumentOverrideRow.__tablename__):
                return Overrides()
        with db.session() as s:
            rows = list(s.scalars(select(DocumentOverrideRow)))
    except SQLAlchemyError as exc:
        raise StoreError(
            "the database cannot be read, so the documents staff marked outdated or withheld are unknown; "
            "ingest publishes nothing until it can be read",
            code="database_unavailable",
        ) from exc
    finally:
        db.engine.dispose()
    return Overrides(
        valid_to={r.key: r.valid_to for r in rows if r.valid_to},
        withheld={r.key for r in rows if r.withheld},
    )


def set_override(
    db: Database,
    key: str,
    *,
    by: str | None,
    valid_to: date | None = None,
    withheld: bool | None = None,
    note: str | None = None,
) -> None:
    """Create or change one document's override (only the fields given change)."""
    with db.session() as s, s.begin():
        row = s.get(DocumentOverrideRow, key) or DocumentOverrideRow(key=key)
        if valid_to is not None:
            row.valid_to = valid_to
        if withheld is not None:
            row.withheld = withheld
        row.note = note if note is not None else row.note
        row.set_by, row.set_at = by, _now()
        s.add(row)


def clear_valid_to(db: Database, key: str) -> None:
    with db.session() as s, s.begin():
        row = s.get(DocumentOverrideRow, key)
        if row is not None:
            row.valid_to = None


# ---- the refresh lease ------------------------------------------------------------------------------------


def acquire(db: Database, name: str, holder: str, seconds: float) -> bool:
    """Take (or extend) the named lease for `seconds`; False while another holder's lease runs."""
    now = _now()
    until = now + timedelta(seconds=seconds)
    with db.session() as s, s.begin():
        taken = s.execute(
            update(LeaseRow)
            .where(LeaseRow.name == name, or_(LeaseRow.expires_at < now, LeaseRow.holder == holder))
            .values(holder=holder, expires_at=until)
        ).rowcount
        if taken:
            return True
        if s.get(LeaseRow, name) is not None:
            return False
    try:
        with db.session() as s, s.begin():
            s.add(LeaseRow(name=name, holder=holder, expires_at=until))
        return True
    except IntegrityError:  # another process created it first
        return False


def release(db: Database, name: str, holder: str) -> None:
    with db.session() as s, s.begin():
        row = s.get(LeaseRow, name)
        if row is not None and row.holder == holder:
            s.delete(row)


def lease_holder(db: Database, name: str) -> str | None:
    """Who holds the named lease now, or None."""
    with db.session() as s:
        row = s.get(LeaseRow, name)
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=_now().tzinfo)
    return row.holder if expires > _now() else None
