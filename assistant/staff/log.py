"""Reading the question log for staff: filtered entries, the queue of questions that need a person, and
daily figures for the overview.

Queue rule (`queue_reasons`): a question needs staff when the assistant refused it, a buyer rated the
answer 👎, a buyer asked for an adviser, or a page its verified answer cites changed or went («kilde endret»,
`assistant.staff.sources`). Its status is the message's `review_status`: `open` until a
verified answer is written (`answered`) or staff close it (`closed`). The queue lists oldest first.
Region scoping (a staff user sees only their region) is applied by the caller through `LogFilter.region`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select

from assistant.platform.db import Database, EscalationRow, FeedbackRow, MessageRow
from assistant.search.source_state import SourceChangeRow
from assistant.staff import actions
from assistant.staff.actions import Actor

STATUSES = ("open", "answered", "closed")


def queue_reasons(
    *, refused: bool, ratings: list[str], escalated: bool, source_changed: bool = False
) -> list[str]:
    """Why a logged question needs staff (empty: it does not)."""
    reasons = []
    if refused:
        reasons.append("refused")
    if "down" in ratings:
        reasons.append("down")
    if escalated:
        reasons.append("escalated")
    if source_changed:
        reasons.append("source_changed")
    return reasons


@dataclass
class LogFilter:
    region: str | None = None  # None: every region (admins only)
    regions: list[str] | None = None  # restrict to these (a staff user's own region)
    channel: str | None = None
    status: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass
class LogEntry:
    message_id: str
    conversation_id: str
    created_at: datetime
    channel: str
    region: str | None
    question: str
    answer: str
    refused: bool
    confidence: float
    latency_ms: int
    citations: list[dict]
    user_hash: str | None
    review_status: str
    ratings: list[str] = field(default_factory=list)
    escalations: list[EscalationRow] = field(default_factory=list)
    channel_reference: dict | None = None  # how to reach the asker (Teams); not exported
    handled_by: str | None = None  # the name of the staff member who acted on it last
    source_changes: list[SourceChangeRow] = field(default_factory=list)  # open «kilde endret», with diffs

    @property
    def reasons(self) -> list[str]:
        return queue_reasons(
            refused=self.refused,
            ratings=self.ratings,
            escalated=bool(self.escalations),
            source_changed=bool(self.source_changes),
        )

    @property
    def feedback(self) -> str:
        return ",".join(self.ratings)

    @property
    def contact(self) -> str | None:
        return next((e.contact for e in self.escalations if e.contact), None)


def _conditions(f: LogFilter) -> list:
    conditions = []
    if f.region:
        conditions.append(MessageRow.region == f.region)
    if f.regions is not None:
        conditions.append(MessageRow.region.in_(f.regions))
    if f.channel:
        conditions.append(MessageRow.channel == f.channel)
    if f.status:
        conditions.append(MessageRow.review_status == f.status)
    if f.since:
        conditions.append(MessageRow.created_at >= datetime.combine(f.since, datetime.min.time(), UTC))
    if f.until:
        end = datetime.combine(f.until + timedelta(days=1), datetime.min.time(), UTC)
        conditions.append(MessageRow.created_at < end)
    return conditions


def entries(
    db: Database, f: LogFilter, *, queue: bool = False, limit: int = 5000, message_id: str | None = None
) -> list[LogEntry]:
    """Logged questions matching the filter: newest first, or for the queue only those needing staff,
    oldest first."""
    statement = select(MessageRow).where(*_conditions(f))
    if message_id is not None:
        statement = statement.where(MessageRow.id == message_id)
    if queue:
        down = select(FeedbackRow.message_id).where(FeedbackRow.rating == "down")
        escalated = select(EscalationRow.message_id)
        changed = select(SourceChangeRow.message_id).where(SourceChangeRow.resolved_at.is_(None))
        statement = statement.where(
            or_(
                MessageRow.refused.is_(True),
                MessageRow.id.in_(down),
                MessageRow.id.in_(escalated),
                MessageRow.id.in_(changed),
            )
        ).order_by(MessageRow.created_at.asc())
    else:
        statement = statement.order_by(MessageRow.created_at.desc())
    with db.session() as s:
        rows = list(s.scalars(statement.limit(limit)))
        ids = [r.id for r in rows]
        ratings: dict[str, list[str]] = defaultdict(list)
        escalations: dict[str, list[EscalationRow]] = defaultdict(list)
        changes: dict[str, list[SourceChangeRow]] = defaultdict(list)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            for fb in s.scalars(select(FeedbackRow).where(FeedbackRow.message_id.in_(part))):
                ratings[fb.message_id].append(fb.rating)
            for esc in s.scalars(select(EscalationRow).where(EscalationRow.message_id.in_(part))):
                escalations[esc.message_id].append(esc)
            open_changes = (SourceChangeRow.message_id.in_(part)) & SourceChangeRow.resolved_at.is_(None)
            for change in s.scalars(select(SourceChangeRow).where(open_changes)):
                changes[change.message_id or ""].append(change)
    latest = actions.latest_by_message(db, ids)
    return [
        LogEntry(
            message_id=r.id,
            conversation_id=r.conversation_id,
            created_at=_aware(r.created_at),
            channel=r.channel,
            region=r.region,
            question=r.question,
            answer=r.answer,
            refused=r.refused,
            confidence=r.confidence,
            latency_ms=r.latency_ms,
            citations=r.citations or [],
            user_hash=r.user_hash,
            review_status=r.review_status,
            ratings=ratings.get(r.id, []),
            escalations=escalations.get(r.id, []),
            channel_reference=r.channel_reference,
            handled_by=latest[r.id].actor_name if r.id in latest else None,
            source_changes=changes.get(r.id, []),
        )
        for r in rows
    ]


def set_status(db: Database, message_id: str, status: str, *, actor: Actor) -> None:
    """Set a question's review status, recording who did it in the same transaction."""
    if status not in STATUSES:
        raise ValueError(status)
    with db.session() as s, s.begin():
        row = s.get(MessageRow, message_id)
        if row is not None:
            row.review_status = status
            actions.add(s, actor, f"status_{status}", message_id=message_id)
            for esc in s.scalars(select(EscalationRow).where(EscalationRow.message_id == message_id)):
                esc.status = status


@dataclass
class Overview:
    days: list[date]
    questions: list[int]
    refusal_rate: list[float]
    down_rate: list[float]
    by_region: Counter
    by_channel: Counter
    users_by_channel: Counter  # distinct hashed users; the widget and the API send no user id


def overview(log: list[LogEntry], *, days: int, today: date) -> Overview:
    """Questions per day, refusal and 👎 rates per day, totals by region and channel, and distinct users
    by channel (counted by their hashed ids)."""
    span = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    asked, refused, down = Counter(), Counter(), Counter()
    for entry in log:
        day = entry.created_at.date()
        asked[day] += 1
        refused[day] += entry.refused
        down[day] += "down" in entry.ratings
    in_span = [e for e in log if e.created_at.date() >= span[0]]
    return Overview(
        days=span,
        questions=[asked[d] for d in span],
        refusal_rate=[refused[d] / asked[d] if asked[d] else 0.0 for d in span],
        down_rate=[down[d] / asked[d] if asked[d] else 0.0 for d in span],
        by_region=Counter(e.region or "—" for e in in_span),
        by_channel=Counter(e.channel for e in in_span),
        users_by_channel=Counter(
            channel for channel, _ in {(e.channel, e.user_hash) for e in in_span if e.user_hash}
        ),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
