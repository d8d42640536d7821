"""Logging set-up for the entry points (CLI, app factory); never run at import time.

`text` is for people at a terminal; `json` (setting `log_format`) writes one JSON object per line with
`time`, `level`, `logger`, `message` and any structured fields passed as `extra=`, for a log collector.
What is logged is the caller's business: at INFO no secrets and no full user messages (request lines carry
method, route, status and duration only).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

NOISY = ("bm25s", "pypdf", "chromadb", "httpx", "sentence_transformers", "transformers", "urllib3")
# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int | str = logging.WARNING, fmt: str = "text") -> None:
    if isinstance(level, str):
        level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    handler = logging.StreamHandler()
    handler.setLevel(level)  # libraries that set DEBUG on their own loggers stay quiet
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler._assistant = True  # type: ignore[attr-defined]  # replaced, not stacked, when called again
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "_assistant", False)] + [handler]
    root.setLevel(level)
    for name in NOISY:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    logging.getLogger("pypdf").setLevel(logging.ERROR)
