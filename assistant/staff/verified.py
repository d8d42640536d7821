"""Verified answers: staff write them, they become documents of kind `verified_answer` that retrieval uses,
and the buyers who asked are told in their channel where possible.

A verified answer is stored in `verified_answers` and written as a Markdown document with front matter into
`data_dir/verified/`; that folder is ingested as its own scope (other scopes stay as they are) and the
running app's store picks up the new index generation by itself. Its citation reads
"Verifisert svar fra veileder, <region>, <date>" (the title) — <the question> (the section).

Telling the buyer in their channel is the channels' part (`assistant.channels.notify`, handed to the staff
routes by the app as `app.state.tell_buyer`); the widget shows the answer when the buyer comes back
(`GET /v1/conversations/{id}`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from sqlalchemy import select

from assistant.config import Settings
from assistant.errors import IngestError
from assistant.platform.db import Database, EscalationRow, MessageRow
from assistant.regions import Regions
from assistant.staff import actions
from assistant.staff.actions import Actor
from assistant.staff.records import VerifiedAnswerRow

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

KIND = "verified_answer"
LABEL = "Verifisert svar fra veileder, {region}, {date}"


@dataclass
class StaffReply:
    answer: str
    region: str
    date: date
    links: list[str]


def label(region_name: str, day: date) -> str:
    return LABEL.format(region=region_name, date=day.isoformat())


def save(
    db: Database,
    *,
    question: str,
    answer: str,
    links: list[str],
    region: str,
    author: Actor,
    valid_to: date | None,
    message_ids: list[str],
) -> VerifiedAnswerRow:
    """Store the answer and mark the questions it answers as answered (escalations too), each with its
    author in the staff actions."""
    with db.session() as s, s.begin():
        row = VerifiedAnswerRow(
            message_id=message_ids[0] if message_ids else None,
            question=question,
            answer=answer,
            links=links,
            region=region,
            author=author.name[:200],
            author_subject=author.subject[:255],
            valid_to=valid_to,
        )
        s.add(row)
        s.flush()
        for message in s.scalars(select(MessageRow).where(MessageRow.id.in_(message_ids))):
            message.review_status = "answered"
            message.verified_answer_id = row.id
            actions.add(
                s, author, "answer_written", message_id=message.id, target=f"verified_answer:{row.id}"
            )
        for esc in s.scalars(select(EscalationRow).where(EscalationRow.message_id.in_(message_ids))):
            esc.status = "answered"
    return row


def document(row: VerifiedAnswerRow, region_name: str) -> str:
    """The Markdown document ingested for a verified answer."""
    day = _day(row.created_at)
    meta = {
        "title": label(region_name, day),
        "source": row.links[0] if row.links else "",
        "kind": KIND,
        "language": "nb",
        "valid_from": day.isoformat(),
        "valid_to": row.valid_to.isoformat() if row.valid_to else None,
        "region": row.region,
        "author_region": region_name,
        "verified_answer_id": row.id,
    }
    question = " ".join(row.question.split())
    body = f"## {question}\n\n{row.answer.strip()}\n"
    if row.links:
        body += "\n### Lenker\n\n" + "\n".join(f"- {link}" for link in row.links) + "\n"
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n\n" + body


def write_and_ingest(settings: Settings, row: VerifiedAnswerRow, region_name: str) -> None:
    """Write the document and ingest the verified folder. Blocking: run it through `run_blocking`."""
    folder = settings.verified_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"verified-{row.id:06d}.md"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(document(row, region_name), encoding="utf-8")
    tmp.replace(path)
    ingest_folder(settings, folder)


def ingest_folder(settings: Settings, folder: Path, attempts: int = 60) -> None:
    from ingest.pipeline import run

    for attempt in range(attempts):  # another ingest may hold the lock for a moment
        try:
            report = run(settings, [folder])
            if report.plan.errors:
                log.warning("verified answers not all ingested: %s", report.plan.errors)
            return
        except IngestError as exc:
            if "another ingest" not in exc.message or attempt == attempts - 1:
                raise
            time.sleep(0.5)


def replies_for(db: Database, message_ids: list[str], regions: Regions) -> dict[str, StaffReply]:
    """Staff answers to the given questions, by message id (what the widget shows on return)."""
    if not message_ids:
        return {}
    with db.session() as s:
        rows = s.execute(
            select(MessageRow.id, VerifiedAnswerRow)
            .join(VerifiedAnswerRow, VerifiedAnswerRow.id == MessageRow.verified_answer_id)
            .where(MessageRow.id.in_(message_ids))
        ).all()
    return {
        message_id: StaffReply(v.answer, regions.name(v.region), _day(v.created_at), list(v.links or []))
        for message_id, v in rows
    }


def mark_notified(db: Database, verified_id: int, channels: list[str]) -> None:
    with db.session() as s, s.begin():
        row = s.get(VerifiedAnswerRow, verified_id)
        if row is not None:
            row.notified = ",".join(channels) or None


def _day(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).date()
