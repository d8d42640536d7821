"""Tables of the staff support service: staff users (local, or from the OpenID provider), login sessions,
started provider sign-ins, verified answers, and who did each staff action.

Same declarative `Base` as `assistant.platform.db`, so one Alembic history owns the whole schema. Persistence
only: password hashing and session rules live in `assistant.staff.auth`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from assistant.platform.db import Base, _now


class StaffUserRow(Base):
    """A local user (username and bcrypt hash) or a provider's user (issuer and subject, no password; role
    and region as the provider's claims mapped them at the last sign-in)."""

    __tablename__ = "staff_users"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_staff_users_issuer_subject"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(128), nullable=True)
    role: Mapped[str] = mapped_column(String(16), default="staff")  # staff | admin
    region: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    issuer: Mapped[str | None] = mapped_column(String(255), nullable=True)
    subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    last_sign_in: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StaffSessionRow(Base):
    """A login: the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "staff_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    id_token: Mapped[str | None] = mapped_column(Text, nullable=True)  # the provider's, for signing out there


class StaffSignInRow(Base):
    """A provider sign-in started and not yet finished: looked up by the SHA-256 of its state, used once."""

    __tablename__ = "staff_sign_ins"
    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(Text)
    next_path: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StaffActionRow(Base):
    """One staff action and who did it (names copied, so the history outlives the account)."""

    __tablename__ = "staff_actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True
    )
    actor_subject: Mapped[str] = mapped_column(String(255))
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_issuer: Mapped[str | None] = mapped_column(String(255), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), nullable=True, index=True
    )
    target: Mapped[str | None] = mapped_column(String(255), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class VerifiedAnswerRow(Base):
    """An answer written by staff; ingested as a `verified_answer` document."""

    __tablename__ = "verified_answers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), nullable=True, index=True
    )
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    links: Mapped[list] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(200))  # the author's name
    author_subject: Mapped[str | None] = mapped_column(String(255), nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    notified: Mapped[str | None] = mapped_column(String(32), nullable=True)  # channel told, if any
