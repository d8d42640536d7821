"""Who did what on the staff side: one `staff_actions` row per staff action (a verified answer written, a
question closed or opened again, a source added or changed), naming the person by the identity provider's
subject and their name at the time (local users as `local:<username>`).

The row is written in the same transaction as the change it records (`add(session, …)`), so a change is never
stored without its author. Actor fields are copied, not only linked: the history keeps its names when an
account is removed or renamed at the provider. Persistence only; routes decide what counts as an action.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from assistant.staff.records import StaffActionRow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assistant.platform.db import Database

# The kinds of action, each with what the staff pages say about it (bokmål lives in texts: STAFF_ACTIONS).
KINDS = (
    "answer_written",
    "status_closed",
    "status_open",
    "status_answered",
    "source_added",
    "source_changed",
)


@dataclass(frozen=True)
class Actor:
    """Who acts: the provider's subject (or `local:<username>`), their name, and the provider's issuer."""

    user_id: int | None
    subject: str
    name: str
    issuer: str | None = None


@dataclass(frozen=True)
class Action:
    at: datetime
    kind: str
    actor_name: str
    actor_subject: str
    message_id: str | None
    target: str | None
    detail: str | None


def add(
    session: Session,
    actor: Actor,
    kind: str,
    *,
    message_id: str | None = None,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    """Record an action inside the caller's transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown staff action {kind!r}")
    session.add(
        StaffActionRow(
            user_id=actor.user_id,
            actor_subject=actor.subject[:255],
            actor_name=actor.name[:200],
            actor_issuer=actor.issuer[:255] if actor.issuer else None,
            kind=kind,
            message_id=message_id,
            target=target[:255] if target else None,
            detail=detail,
        )
    )


def record(db: Database, actor: Actor, kind: str, **fields: str | None) -> None:
    """Record an action on its own (for changes that are not rows of this database, e.g. a source file)."""
    with db.session() as s, s.begin():
        add(s, actor, kind, **fields)


def _action(row: StaffActionRow) -> Action:
    at = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return Action(at, row.kind, row.actor_name, row.actor_subject, row.message_id, row.target, row.detail)


def for_message(db: Database, message_id: str) -> list[Action]:
    """Every action on one logged question, oldest first."""
    with db.session() as s:
        rows = s.scalars(
            select(StaffActionRow)
            .where(StaffActionRow.message_id == message_id)
            .order_by(StaffActionRow.created_at, StaffActionRow.id)
        )
        return [_action(r) for r in rows]


def latest_by_message(db: Database, message_ids: Iterable[str]) -> dict[str, Action]:
    """The newest action on each of the given questions."""
    ids = list(message_ids)
    latest: dict[str, Action] = {}
    with db.session() as s:
        for start in range(0, len(ids), 500):  # below every database's limit on bound parameters
            rows = s.scalars(
                select(StaffActionRow)
                .where(StaffActionRow.message_id.in_(ids[start : start + 500]))
                .order_by(StaffActionRow.created_at, StaffActionRow.id)
            )
            for row in rows:
                latest[row.message_id] = _action(row)
    return latest


def recent(db: Database, limit: int = 200) -> list[Action]:
    """The newest actions of anyone, newest first (the admin's activity list)."""
    with db.session() as s:
        rows = s.scalars(
            select(StaffActionRow)
            .order_by(StaffActionRow.created_at.desc(), StaffActionRow.id.desc())
            .limit(limit)
        )
        return [_action(r) for r in rows]
