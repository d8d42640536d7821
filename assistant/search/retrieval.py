"""Hybrid retrieval: dense (Chroma) + BM25, fused with reciprocal-rank fusion, with metadata filters.

Owns ranking only; it never writes the store and knows nothing about answers or channels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from assistant.config import Settings
from assistant.models import Chunk
from assistant.search.embeddings import Embedder, QueryBatcher, QueryCache
from assistant.search.lexical import Term
from assistant.search.store import Store

CANDIDATES = 30
OUTDATED_PENALTY = 0.6
REFERENCE_PENALTY = 0.5
_PAST = re.compile(
    r"\b(den gang|dengang|opprinnelig|historisk|tidligere|før|the time|originally|historically|previously|"
    r"used to|then)\b",
    re.IGNORECASE,
)
_NAMED_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    language: str | None = None
    valid_on: date | None = None

    def accept(self, chunk: Chunk) -> bool:
        if self.kind and chunk.kind != self.kind:
            return False
        if self.language and chunk.language != self.language:
            return False
        return not (self.valid_on and not chunk.in_force(self.valid_on))


@dataclass
class Hit:
    chunk: Chunk
    score: float
    dense: float = 0.0
    lexical: float = 0.0


def asks_about_the_past(question: str, today: date | None = None) -> bool:
    """A question about the old days, or whose latest year named is before this one ("i 2012", "planen fra
    2007"; not "i perioden 2024–2026" in 2026), should not be steered to today's rules."""
    if _PAST.search(question):
        return True
    years = [int(y) for y in _NAMED_YEAR.findall(question)]
    return bool(years) and max(years) < (today or date.today()).year


class Retriever:
    def __init__(self, settings: Settings, store: Store, embedder: Embedder) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._queries = QueryCache(QueryBatcher(embedder))
        self._languages: tuple[str, dict[str, float]] = ("", {})  # (generation, share of chunks per language)

    def language_share(self, snapshot, language: str) -> float:
        """Share of the published chunks written in `language` ('nb' and 'nn' count as one: Norwegian)."""
        if self._languages[0] != snapshot.generation:
            counts: dict[str, int] = {}
            for chunk in snapshot.chunks:
                key = "en" if chunk.language == "en" else "no"
                counts[key] = counts.get(key, 0) + 1
            total = sum(counts.values()) or 1
            self._languages = (snapshot.generation, {k: v / total for k, v in counts.items()})
        return self._languages[1].get("en" if language == "en" else "no", 0.0)

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding (cached: buyers ask the same questions again). Blocking."""
        return self._queries.vectors([query])[0]

    def query_vectors(self, queries: list[str]) -> list[np.ndarray]:
        """The embeddings of several query texts, the ones not cached embedded in one batch. Blocking."""
        return self._queries.vectors(queries)

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        filters: Filters | None = None,
        today: date | None = None,
        terms: list[Term] | None = None,
    ) -> list[Hit]:
        """Best chunks for the query, best first; `terms` are the query's search terms when the caller has
        them already (else they are derived here). Blocking: call it through the thread-pool helper."""
        k = k or self.settings.top_k
        snapshot = self.store.snapshot()
        if not snapshot.chunks:
            return []
        dense = self.store.dense_search(self.query_vector(query), CANDIDATES)
        terms = snapshot.lexical.terms(query) if terms is None else terms
        tokens = [stem for term in terms for stem in term.alternatives]
        lexical = snapshot.lexical.search(tokens, CANDIDATES)
        fused: dict[str, Hit] = {}
        rrf_k, dense_weight, lexical_weight = (
            self.settings.rrf_k,
            self.settings.dense_weight,
            self.settings.lexical_weight,
        )
        # A ranking with weight 0 contributes no candidates (dense-only / BM25-only comparisons).
        for rank, (chunk_id, _) in enumerate(dense if dense_weight > 0 else []):
            hit = fused.setdefault(chunk_id, Hit(snapshot.get(chunk_id), 0.0))  # type: ignore[arg-type]
            hit.score += dense_weight / (rrf_k + rank + 1)
        for rank, (position, bm25) in enumerate(lexical if lexical_weight > 0 else []):
            chunk = snapshot.chunks[position]
            hit = fused.setdefault(chunk.chunk_id, Hit(chunk, 0.0))
            hit.score += lexical_weight / (rrf_k + rank + 1)
            hit.lexical = bm25
        similarity = dict(dense)
        for chunk_id, hit in fused.items():
            hit.dense = similarity.get(chunk_id, 0.0)
        hits = [h for h in fused.values() if filters is None or filters.accept(h.chunk)]
        for hit in hits:
            if hit.chunk.is_reference:
                hit.score *= REFERENCE_PENALTY
        if today and not asks_about_the_past(query, today):
            for hit in hits:
                if hit.chunk.valid_to and hit.chunk.valid_to < today:
                    hit.score *= OUTDATED_PENALTY
        hits.sort(key=lambda h: h.score, reverse=True)
        return hits[:k]
