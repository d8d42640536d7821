"""Logging set-up for the command-line entry points (never run at import time)."""

from __future__ import annotations

import logging

NOISY = ("bm25s", "pypdf", "chromadb", "httpx", "sentence_transformers", "transformers", "urllib3")


def configure_logging(level: int = logging.WARNING) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # libraries that set DEBUG on their own loggers stay quiet
        handler.setLevel(level)
    for name in NOISY:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    logging.getLogger("pypdf").setLevel(logging.ERROR)
