"""The store when `CHROMA_URL` is set: everything a reader needs lives in the Chroma server.

Several app workers on different machines must answer from the same index, and none may keep state of its
own. So, next to the vectors, the server holds:
- each chunk's text (the record's document, written with its vector) and its metadata as JSON (rewritten at
  every publish, so a changed title reaches chunks whose text did not change);
- a small `<collection>__meta` collection with one record per generation (its manifest and the ordered list
  of live chunk ids) and a `CURRENT` record naming the published generation;
- a `<vector collection>__units` collection with the answer-unit vectors ingest embedded, one record per
  key (`unit_table.unit_key`, a hash of the embedded text): content-addressed like the chunk vectors, so
  they are written before the switch and the ones no live chunk uses are deleted after it.

Publishing writes the generation record first and then replaces `CURRENT` in one single-record upsert,
so readers see the old generation or the new one, never a mixture; a crash before that leaves the old one
live, exactly as the on-disk pointer swap does. Readers look at `CURRENT` at most every
`index_refresh_seconds` and, when it changed, fetch the chunks and rebuild BM25 in memory (about 25 ms for
this corpus), which is cheaper and simpler than shipping a serialised BM25 index around.
"""

from __future__ import annotations

import json
import logging
import math
import time
import uuid
from functools import cached_property

import numpy as np

from assistant.config import Settings
from assistant.errors import StoreError
from assistant.models import Chunk
from assistant.search.lexical import LexicalIndex
from assistant.search.store import (
    KEEP_GENERATIONS,
    POINTER,
    DocumentEntry,
    Snapshot,
    Store,
    check_model,
    embedding_text,
    open_collection,
)

log = logging.getLogger(__name__)

BATCH = 1000
# Chroma wants a vector for every record; the meta records are never searched, so one constant will do.
NO_VECTOR = [1.0]


class SharedStore(Store):
    """Vectors, chunk texts and the published generation all in the Chroma server."""

    def __init__(self, settings: Settings) -> None:  # no super(): nothing on local disk
        self.settings = settings
        self.index_dir = settings.index_path
        self.collection = open_collection(settings)
        self.meta = open_collection(settings, f"{settings.collection}__meta")
        self._snapshot: Snapshot | None = None
        self._checked_at = -math.inf

    # ---- reading -------------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The published generation; asks the server whether it changed at most every refresh interval."""
        now = time.monotonic()
        if self._snapshot is not None and now - self._checked_at < self.settings.index_refresh_seconds:
            return self._snapshot
        generation = self.published()
        if generation is None:
            snapshot = Snapshot.empty()
        elif self._snapshot is not None and self._snapshot.generation == generation:
            snapshot = self._snapshot
        else:
            snapshot = self._load(generation)
            log.info(
                "loaded index generation", extra={"generation": generation, "chunks": len(snapshot.chunks)}
            )
        self._snapshot, self._checked_at = snapshot, now
        return snapshot

    def published(self) -> str | None:
        """The name of the published generation, or None before the first ingest."""
        try:
            result = self.meta.get(ids=[POINTER], include=["metadatas"])
        except Exception as exc:
            raise StoreError(f"The vector store cannot be reached: {exc}") from exc
        if not result["ids"]:
            return None
        return str(result["metadatas"][0]["generation"])

    def _load(self, generation: str) -> Snapshot:
        try:
            record = self.meta.get(ids=[generation], include=["documents"])
            if not record["ids"]:
                raise StoreError(f"The published index generation {generation!r} is missing.")
            manifest = json.loads(record["documents"][0])
            order: list[str] = manifest["chunk_ids"]
            by_id = self._fetch_chunks(sorted(set(order)), manifest.get("collection"))
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"The index generation {generation!r} cannot be read: {exc}") from exc
        missing = [chunk_id for chunk_id in order if chunk_id not in by_id]
        if missing:
            raise StoreError(f"The index generation {generation!r} lacks {len(missing)} chunks.")
        chunks = [by_id[chunk_id] for chunk_id in order]
        documents = {d["doc_id"]: DocumentEntry(**d) for d in manifest["documents"]}
        lexical = LexicalIndex.build([embedding_text(c) for c in chunks])
        model, roots = manifest.get("embedding_model"), manifest.get("scope_roots") or {}
        return Snapshot(generation, chunks, documents, lexical, model, roots=roots)

    def _fetch_chunks(self, chunk_ids: list[str], collection_name: str | None) -> dict[str, Chunk]:
        """Chunk texts from the collection the generation was published in (another model's collection
        when the model has changed since: ingest still needs to read what it replaces)."""
        collection = self.collection
        if collection_name and collection_name != self.settings.vector_collection:
            collection = open_collection(self.settings, collection_name)
        chunks: dict[str, Chunk] = {}
        for start in range(0, len(chunk_ids), BATCH):
            result = collection.get(ids=chunk_ids[start : start + BATCH], include=["documents", "metadatas"])
            for chunk_id, text, metadata in zip(
                result["ids"], result["documents"], result["metadatas"], strict=True
            ):
                fields = json.loads(metadata["chunk"])
                chunks[chunk_id] = Chunk(chunk_id=chunk_id, text=text, **fields)
        return chunks

    def ping(self) -> None:
        """Raise StoreError unless the server answers (readiness probe)."""
        try:
            self.meta.count()
        except Exception as exc:
            raise StoreError(f"The vector store cannot be reached: {exc}") from exc
        check_model(self.snapshot(), self.settings)

    @cached_property
    def units(self):
        """The answer-unit vectors of the configured model (its own collection: never searched)."""
        return open_collection(self.settings, f"{self.settings.vector_collection}__units")

    def unit_vectors(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        try:
            for start in range(0, len(keys), BATCH):
                result = self.units.get(ids=keys[start : start + BATCH], include=["embeddings"])
                for key, vector in zip(result["ids"], result["embeddings"], strict=True):
                    found[key] = np.asarray(vector, dtype=np.float32)
        except Exception as exc:
            raise StoreError(f"The vector store cannot be reached: {exc}") from exc
        return found

    # ---- writing (used by ingest) --------------------------------------------------------------------

    def add_vectors(self, chunks: list[Chunk], vectors) -> None:
        self.collection.upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=vectors.tolist(),
            documents=[c.text for c in chunks],
            metadatas=[_metadata(c) for c in chunks],
        )

    def publish(
        self,
        chunks: list[Chunk],
        documents: list[DocumentEntry],
        texts_for_bm25: list[str],
        units: dict[str, np.ndarray] | None = None,
        roots: dict[str, str] | None = None,
    ) -> str:
        """Publish a new generation in the server; BM25 is rebuilt by readers from `embedding_text`."""
        if units:
            self._add_units(units)
        unique = {c.chunk_id: c for c in chunks}
        ids = list(unique)
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            # Metadata only: updating documents would make Chroma embed them with its own model.
            self.collection.update(ids=part, metadatas=[_metadata(unique[i]) for i in part])
        generation = f"gen-{uuid.uuid4().hex[:12]}"
        manifest = {
            "documents": [d.__dict__ for d in documents],
            "chunk_ids": [c.chunk_id for c in chunks],
            "embedding_model": self.settings.embedding_model,
            "collection": self.settings.vector_collection,  # where this generation's chunk texts live
            "scope_roots": roots or {},
        }
        self.meta.upsert(
            ids=[generation],
            embeddings=[NO_VECTOR],
            documents=[json.dumps(manifest, ensure_ascii=False)],
            metadatas=[{"kind": "generation", "published_at": time.time()}],
        )
        self.meta.upsert(  # the switch: one record, so readers see the old generation or the new one
            ids=[POINTER],
            embeddings=[NO_VECTOR],
            documents=[generation],
            metadatas=[{"generation": generation}],
        )
        self._prune(keep=generation)
        if units is not None:
            self._prune_units(keep=set(units))
        self._checked_at = -math.inf
        return generation

    def _add_units(self, units: dict[str, np.ndarray]) -> None:
        """Upsert the unit vectors the server does not hold yet (an unchanged corpus writes none)."""
        keys = sorted(units)
        have: set[str] = set()
        for start in range(0, len(keys), BATCH):
            have.update(self.units.get(ids=keys[start : start + BATCH], include=[])["ids"])
        new = [key for key in keys if key not in have]
        for start in range(0, len(new), BATCH):
            part = new[start : start + BATCH]
            self.units.upsert(ids=part, embeddings=[np.asarray(units[k]).tolist() for k in part])

    def _prune_units(self, keep: set[str]) -> None:
        total = self.units.count()
        stored: list[str] = []
        for offset in range(0, total, 5000):
            stored += self.units.get(include=[], limit=5000, offset=offset)["ids"]
        stale = [key for key in stored if key not in keep]
        for start in range(0, len(stale), 5000):
            self.units.delete(ids=stale[start : start + 5000])

    def _prune(self, keep: str) -> None:
        """Delete old generation records, keeping the newest few for readers still loading one."""
        result = self.meta.get(where={"kind": "generation"}, include=["metadatas"])
        newest_first = sorted(
            zip(result["ids"], result["metadatas"], strict=True),
            key=lambda pair: pair[1]["published_at"],
            reverse=True,
        )
        old = [name for name, _ in newest_first[KEEP_GENERATIONS:] if name != keep]
        if old:
            self.meta.delete(ids=old)


def _metadata(chunk: Chunk) -> dict:
    """Chroma metadata for a chunk: filterable fields, plus everything but the text as JSON."""
    fields = chunk.model_dump_json(exclude={"chunk_id", "text"})
    return {"doc_id": chunk.doc_id, "kind": chunk.kind, "language": chunk.language, "chunk": fields}
