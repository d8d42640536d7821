"""Exact nearest-chunk search over a published generation's vectors held in memory, for the embedded store.

With the embedded Chroma store, every new question's dense search was one `collection.query`: ~1 ms of CPU
and ~4.5 ms on the clock through Chroma's Rust bindings, its own threads and its SQLite metadata, for a
corpus of a few hundred chunks (issue 18, docs/performance.md). A generation's vectors never change (a chunk
id is the hash of its text, the generation records the model), so they are read from Chroma once per
generation and searched with one matrix product: exact cosine similarity, the ranking HNSW approximates.
Above `EXACT_SEARCH_CHUNKS` live chunks (or with a Chroma server) the store keeps asking Chroma, whose
index is built for that size; this module never writes anything.
"""

from __future__ import annotations

import numpy as np

EXACT_SEARCH_CHUNKS = 20_000  # 384-dimension float32 vectors: ≈ 30 MB held in memory at most
FETCH_BATCH = 5000  # ids per Chroma `get` (SQLite's variable limit)


class LiveVectors:
    """The unit-length vectors of a generation's live chunks, and exact search over them."""

    def __init__(self, chunk_ids: list[str], matrix: np.ndarray) -> None:
        self.chunk_ids = chunk_ids
        norms = np.linalg.norm(matrix, axis=1, keepdims=True) if len(matrix) else 1.0
        self.matrix = (matrix / np.where(norms == 0, 1.0, norms)).astype(np.float32)

    @classmethod
    def load(cls, collection, chunk_ids: list[str]) -> LiveVectors:
        """The vectors Chroma holds for these chunk ids (a chunk without one is left out)."""
        found_ids: list[str] = []
        rows: list[np.ndarray] = []
        for start in range(0, len(chunk_ids), FETCH_BATCH):
            got = collection.get(ids=chunk_ids[start : start + FETCH_BATCH], include=["embeddings"])
            embeddings = got["embeddings"]
            if embeddings is None or len(got["ids"]) == 0:
                continue
            found_ids += list(got["ids"])
            rows.append(np.asarray(embeddings, dtype=np.float32))
        dimension = rows[0].shape[1] if rows else 0
        return cls(found_ids, np.vstack(rows) if rows else np.zeros((0, dimension), dtype=np.float32))

    def nearest(self, vector: np.ndarray, n: int) -> tuple[tuple[str, float], ...]:
        """Up to `n` (chunk id, cosine similarity), best first, as Chroma's cosine space reports them."""
        if not self.chunk_ids:
            return ()
        query = np.asarray(vector, dtype=np.float32)
        norm = float(np.linalg.norm(query))
        scores = self.matrix @ (query / norm if norm else query)
        n = min(n, len(scores))
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best], kind="stable")]
        return tuple((self.chunk_ids[i], float(scores[i])) for i in best)
