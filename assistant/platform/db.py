"""The project's database layer (SQLAlchemy 2): conversations, messages, feedback, escalations and
processed channel events. SQLite under data_dir by default, PostgreSQL when `DATABASE_URL` is set.
The schema is owned by the Alembic migrations in `assistant/platform/migrations` (`create_all` upgrades to
head).

`messages` is the question log of every channel: time, channel, region, hashed user id, question, answer,
citations, refused, confidence, latency, and the staff review status (open / answered / closed). For Teams
it also keeps the channel reference (service URL, conversation and activity id, the bot's account) that a
staff answer needs to reach the buyer later; never the user's own id.

Owns persistence only; channels call these functions and never write SQL themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from assistant.errors import StoreError
from assistant.models import Answer, Conversation, Turn
from assistant.platform.files import file_identity
from assistant.platform.group_commit import GroupCommit
from assistant.regions import region_id

log = logging.getLogger(__name__)

FeedbackChange = Literal["new", "changed", "same"]
WEB_RATER = "web"


def _now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


class ConversationRow(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), default="api")
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class MessageRow(Base):
    __tablename__ = "messages"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    refused: Mapped[bool] = mapped_column(default=False)
    confidence: Mapped[float] = mapped_column(default=0.0)
    citations: Mapped[list] = mapped_column(JSON, default=list)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    channel: Mapped[str] = mapped_column(String(32), default="api", server_default="api", index=True)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    user_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    review_status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    verified_answer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # staff's answer
    # How the channel reaches the asker again (Teams: serviceUrl, conversation id, activity id, bot).
    channel_reference: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class FeedbackRow(Base):
    """One rating per answer and rater: a buyer who changes their mind changes the row (latest counts)."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("message_id", "rater", name="uq_feedback_message_rater"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), index=True)
    # Who rated: a keyed hash of the channel's user id (Slack, Teams), or `web` for whoever holds the
    # message id in the widget / API. NULL for rows stored before ratings could be changed.
    rater: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    channel: Mapped[str] = mapped_column(String(32), default="api")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class EscalationRow(Base):
    __tablename__ = "escalations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), index=True)
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    contact: Mapped[str | None] = mapped_column(Text, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    channel: Mapped[str] = mapped_column(String(32), default="api")
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ProcessedEventRow(Base):
    """Channel event ids already handled (Slack retries, Teams redeliveries)."""

    __tablename__ = "processed_events"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class RateWindowRow(Base):
    """Requests per client in one fixed one-minute window, shared by every worker using the database."""

    __tablename__ = "rate_windows"
    client: Mapped[str] = mapped_column(String(128), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)


class Database:
    def __init__(self, url: str, *, user_hash_key: str = "") -> None:
        self.url = url
        self.user_hash_key = user_hash_key
        kwargs = (
            {"connect_args": {"check_same_thread": False, "timeout": 30}} if url.startswith("sqlite") else {}
        )
        self.engine = create_engine(url, pool_pre_ping=True, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        self._file = database if database and database != ":memory:" else None
        self._file_identity = file_identity(self._file) if self._file else None
        self._log_writer: GroupCommit[dict] = GroupCommit(
            self._write_messages, retry_alone=lambda exc: isinstance(exc.__cause__, IntegrityError)
        )

    def create_all(self) -> None:
        """Bring the schema up to date: Alembic upgrade to head (a new database is created from scratch)."""
        from assistant.platform.migrations import upgrade

        try:
            upgrade(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"The database cannot be reached: {exc}") from exc
        self._file_identity = file_identity(self._file) if self._file else None

    def _check_file(self) -> None:
        """SQLite only: pooled connections keep writing to a database file that was deleted (every later row
        lost) and keep reading a replaced one. One `stat`: deleted → StoreError; replaced (restored from a
        backup) → reconnect to the new file without a restart."""
        if self._file is None or self._file_identity is None:
            return
        identity = file_identity(self._file)
        if identity == self._file_identity:
            return
        if identity is None:
            raise StoreError(
                f"The question log {self._file} is missing; restore it, or restart to start a new one.",
                code="database_unavailable",
            )
        log.warning("database file replaced; reconnecting", extra={"path": self._file})
        self.engine.dispose()
        self._file_identity = identity

    def hash_user(self, user: str | None) -> str | None:
        """A keyed hash of a channel's user id: the log can group by user without storing who it was."""
        if not user:
            return None
        return hmac.new(self.user_hash_key.encode(), user.encode(), hashlib.sha256).hexdigest()

    def session(self) -> Session:
        self._check_file()
        return self._sessions()

    def ping(self) -> None:
        """Raise StoreError unless the database answers a trivial query (readiness probe)."""
        from sqlalchemy import text

        self._check_file()
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise StoreError("The database cannot be reached.", code="database_unavailable") from exc

    # ---- conversations ------------------------------------------------------------------------------

    def conversation(self, conversation_id: str | None, *, max_turns: int = 6) -> Conversation:
        """The stored turns of a conversation (oldest first), or an empty new one."""
        if not conversation_id:
            return Conversation()
        with self.session() as s:
            rows = s.scalars(
                select(MessageRow)
                .where(MessageRow.conversation_id == conversation_id)
                .order_by(MessageRow.created_at.desc())
                .limit(max_turns)
            ).all()
        turns: list[Turn] = []
        for row in reversed(rows):
            turns += [Turn(role="user", text=row.question), Turn(role="assistant", text=row.answer)]
        return Conversation(conversation_id=conversation_id, turns=turns)

    def record(
        self,
        conversation_id: str | None,
        question: str,
        result: Answer,
        *,
        channel: str = "api",
        region: str | None = None,
        latency_ms: int = 0,
        user: str | None = None,
        channel_reference: dict | None = None,
    ) -> tuple[str, str]:
        """Log one question and its answer; returns (conversation_id, message_id). `user` (a channel's
        user id) is stored only as a keyed hash; `region` as its region id; `channel_reference` as given."""
        conversation_id = conversation_id or new_id()
        message_id = new_id()
        row = {
            "id": message_id,
            "conversation_id": conversation_id,
            "question": question,
            "answer": result.answer,
            "refused": result.refused,
            "confidence": result.confidence,
            "citations": [c.model_dump(mode="json") for c in result.citations],
            "latency_ms": latency_ms,
            "created_at": _now(),
            "channel": channel,
            "region": region_id(region),
            "user_hash": self.hash_user(user),
            "review_status": "open",
            "channel_reference": channel_reference,
        }
        self._log_writer.write(row)  # returns once the row is committed, with the rows of concurrent answers
        return conversation_id, message_id

    def _write_messages(self, rows: list[dict]) -> None:
        """One transaction for a batch of logged questions (`record`), with the conversations they start:
        two multi-row inserts without the ORM's unit of work (per row it cost more than the rest of the
        write; issue 18)."""
        self._check_file()
        try:
            with self.engine.begin() as connection:
                wanted = {row["conversation_id"]: row for row in rows}
                known = set(
                    connection.scalars(select(ConversationRow.id).where(ConversationRow.id.in_(wanted)))
                )
                new = [
                    {
                        "id": key,
                        "channel": row["channel"],
                        "region": row["region"],
                        "created_at": row["created_at"],
                    }
                    for key, row in wanted.items()
                    if key not in known
                ]
                if new:
                    connection.execute(insert(ConversationRow), new)
                connection.execute(insert(MessageRow), rows)
        except SQLAlchemyError as exc:
            # Not the driver's text: it quotes the SQL parameters, i.e. the user's question.
            raise StoreError(
                "The database cannot be written; try again shortly.", code="database_unavailable"
            ) from exc

    def message_exists(self, message_id: str) -> bool:
        with self.session() as s:
            return s.get(MessageRow, message_id) is not None

    def message(self, message_id: str) -> MessageRow | None:
        """One stored question and answer (detached; safe to read after the session closed)."""
        with self.session() as s:
            return s.get(MessageRow, message_id)

    def history(self, conversation_id: str) -> list[MessageRow]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(MessageRow)
                    .where(MessageRow.conversation_id == conversation_id)
                    .order_by(MessageRow.created_at)
                )
            )

    # ---- feedback, escalations, dedup ---------------------------------------------------------------

    def set_feedback(
        self,
        message_id: str,
        rating: str,
        comment: str | None,
        *,
        channel: str = "api",
        rater: str | None = None,
    ) -> tuple[int, FeedbackChange]:
        """Store a rater's rating of an answer, replacing their earlier one: (row id, "new" | "changed" |
        "same"). `rater` is the channel's user id (stored as a keyed hash); None means the web / API
        holder of the message id. The same rating again without a new comment changes nothing ("same");
        anything else replaces rating, comment and time, so each rater's latest rating counts once."""
        key = WEB_RATER if rater is None else self.hash_user(f"{channel}:{rater}")
        for attempt in range(2):  # a concurrent first rating by the same rater wins the unique key once
            try:
                with self.session() as s, s.begin():
                    mine = (FeedbackRow.message_id == message_id) & (FeedbackRow.rater == key)
                    row = s.scalars(select(FeedbackRow).where(mine)).first()
                    if row is None:
                        row = FeedbackRow(
                            message_id=message_id, rater=key, rating=rating, comment=comment, channel=channel
                        )
                        s.add(row)
                        s.flush()
                        return row.id, "new"
                    if row.rating == rating and (comment is None or comment == row.comment):
                        return row.id, "same"
                    row.rating, row.comment, row.created_at = rating, comment, _now()
                    return row.id, "changed"
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def add_escalation(
        self,
        message_id: str,
        *,
        region: str | None,
        contact: str | None,
        note: str | None,
        channel: str = "api",
    ) -> int:
        region = region_id(region)
        with self.session() as s, s.begin():
            row = EscalationRow(
                message_id=message_id, region=region, contact=contact, note=note, channel=channel
            )
            s.add(row)
            message = s.get(MessageRow, message_id)
            if message is not None:  # the buyer's choice of region routes the question to its staff
                message.region = region or message.region
                message.review_status = "open"
            s.flush()
            return row.id

    def purge(self, before: datetime) -> int:
        """Delete logged questions older than `before` with their feedback and escalations, and the
        conversations left empty; returns how many questions were deleted. Verified answers stay (their
        `message_id` is set to NULL by the foreign key)."""
        old = select(MessageRow.id).where(MessageRow.created_at < before)
        with self.session() as s, s.begin():
            s.execute(delete(FeedbackRow).where(FeedbackRow.message_id.in_(old)))
            s.execute(delete(EscalationRow).where(EscalationRow.message_id.in_(old)))
            count = s.execute(delete(MessageRow).where(MessageRow.created_at < before)).rowcount
            used = select(MessageRow.conversation_id)
            s.execute(delete(ConversationRow).where(ConversationRow.id.not_in(used)))
        return count or 0

    def count_hit(self, client: str, window: int) -> int:
        """Add one request to the client's window and return the window's count (one atomic upsert)."""
        insert = postgres_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = (
            insert(RateWindowRow)
            .values(client=client, window=window, hits=1)
            .on_conflict_do_update(index_elements=["client", "window"], set_={"hits": RateWindowRow.hits + 1})
            .returning(RateWindowRow.hits)
        )
        try:
            with self.session() as s, s.begin():
                hits = int(s.execute(statement).scalar_one())
                if hits == 1:  # first request of a window: forget windows that are over
                    s.execute(delete(RateWindowRow).where(RateWindowRow.window < window - 1))
                return hits
        except SQLAlchemyError as exc:  # the driver's text quotes the parameters (the client's address)
            raise StoreError(
                "The database cannot be written; try again shortly.", code="database_unavailable"
            ) from exc

    def first_time(self, key: str) -> bool:
        """Remember an event key; False if it was seen before (so the event must not be handled again)."""
        try:
            with self.session() as s, s.begin():
                s.add(ProcessedEventRow(key=key))
            return True
        except IntegrityError:
            return False


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # With WAL this stays consistent; only a power loss or OS crash can drop the last few commits.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
