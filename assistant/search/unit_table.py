"""Answer-unit vectors kept with an index generation, keyed by a hash of each unit's embedding text.

Ingest embeds the units of the chunks it publishes (what a unit is, and what text of it is embedded, is the
answer core's business: `assistant.core.units`); the answer core then looks the vectors up instead of
embedding them per question. This module only keeps vectors by key and must not know what a unit is. Keys
are content hashes of the embedded text, so a vector is right for any chunk that yields that text, and a
change to how units are split only means more misses (which the reader embeds), never a wrong vector.

On local disk a generation holds two files beside `chunks.jsonl`: `units.keys.npy` (the keys, sorted) and
`units.vectors.npy` (one float32 row per key), written in the staging directory and published with it by
the same pointer swap. Readers memory-map the vectors and load them on first use.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np

KEYS_FILE = "units.keys.npy"
VECTORS_FILE = "units.vectors.npy"


def unit_key(text: str) -> str:
    """The key of a unit's vector: a hash of exactly the text that is embedded."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class UnitTable:
    """The unit vectors of one published generation (none when `directory` is None or has no table)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._rows: dict[str, int] | None = None
        self._vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    def lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The stored vector of each key that has one."""
        rows, vectors = self._load()
        if not rows:
            return {}
        return {key: np.asarray(vectors[row]) for key in keys if (row := rows.get(key)) is not None}

    def __len__(self) -> int:
        return len(self._load()[0])

    def _load(self) -> tuple[dict[str, int], np.ndarray]:
        if self._rows is None:
            with self._lock:
                if self._rows is None:
                    rows: dict[str, int] = {}
                    vectors = np.zeros((0, 0), dtype=np.float32)
                    try:
                        if self.directory is not None and (self.directory / KEYS_FILE).exists():
                            keys = np.load(self.directory / KEYS_FILE)
                            vectors = np.load(self.directory / VECTORS_FILE, mmap_mode="r")
                            rows = {key.decode("ascii"): row for row, key in enumerate(keys.tolist())}
                    except (OSError, ValueError):  # pruned under a slow reader: it embeds what it needs
                        rows = {}
                    self._vectors, self._rows = vectors, rows
        return self._rows, self._vectors  # type: ignore[return-value]

    @staticmethod
    def write(directory: Path, vectors: dict[str, np.ndarray]) -> None:
        """Write a table holding these vectors into a (staging) generation directory."""
        keys = sorted(vectors)
        rows = [np.asarray(vectors[key], dtype=np.float32) for key in keys]
        matrix = np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32)
        np.save(directory / KEYS_FILE, np.array([key.encode("ascii") for key in keys], dtype="S32"))
        np.save(directory / VECTORS_FILE, matrix)
