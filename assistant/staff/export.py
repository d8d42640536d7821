"""CSV (and JSON) rows of the question log and the queue, for exports and the staff API.

Cells that a spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading
apostrophe: a buyer's question must never execute in an adviser's spreadsheet.
"""

from __future__ import annotations

import csv
import io

from assistant.staff.log import LogEntry

COLUMNS = (
    "time",
    "channel",
    "region",
    "conversation_id",
    "message_id",
    "user_hash",
    "question",
    "answer",
    "citations",
    "refused",
    "confidence",
    "latency_ms",
    "feedback",
    "escalated",
    "queue_reasons",
    "status",
)


def as_dict(entry: LogEntry) -> dict:
    return {
        "time": entry.created_at.isoformat(),
        "channel": entry.channel,
        "region": entry.region or "",
        "conversation_id": entry.conversation_id,
        "message_id": entry.message_id,
        "user_hash": entry.user_hash or "",
        "question": entry.question,
        "answer": entry.answer,
        "citations": " | ".join(
            " — ".join(p for p in (c.get("title"), c.get("section")) if p) for c in entry.citations
        ),
        "refused": entry.refused,
        "confidence": entry.confidence,
        "latency_ms": entry.latency_ms,
        "feedback": entry.feedback,
        "escalated": bool(entry.escalations),
        "queue_reasons": ",".join(entry.reasons),
        "status": entry.review_status,
    }


def _safe(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(entries: list[LogEntry]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for entry in entries:
        writer.writerow({k: _safe(v) for k, v in as_dict(entry).items()})
    return "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 (æøå) correctly
