"""The one store shared by `ingest/` (writes) and `assistant/` (reads).

Two parts:
- a Chroma collection holding one embedding per chunk id (embedded PersistentClient, or a server when
  `CHROMA_URL` is set; telemetry off);
- an index *generation* on disk: the live chunks (text and metadata), the per-document manifest, the
  BM25 index and the answer-unit vectors ingest embedded (`unit_table`). A generation is written to a
  fresh directory and published by atomically replacing the `CURRENT` pointer file, so readers always see
  a complete, consistent index.

The published generation defines which chunks are live. Chroma may briefly hold extra vectors (written by an
ingest that has not published yet, or stale ones not yet deleted); dense search filters them out. That is
what makes ingest atomic for readers: a crash at any point leaves the last published generation answering.

With `CHROMA_URL` set, `open_store` returns `assistant.search.shared_store.SharedStore`: the generation is
published in the Chroma server instead of on local disk, so app workers on any machine share it and keep no
index state of their own.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.errors import StoreError
from assistant.models import Chunk
from assistant.platform.files import file_identity
from assistant.search.exact import EXACT_SEARCH_CHUNKS, LiveVectors
from assistant.search.lexical import LexicalIndex
from assistant.search.unit_table import UnitTable

log = logging.getLogger(__name__)

POINTER = "CURRENT"
NEAREST_CACHE = 1024  # query vectors whose nearest chunks are kept, as many as the query-embedding cache
KEEP_GENERATIONS = 2
CHROMA_FILE = "chroma.sqlite3"
OWN_VALID_TO_UNKNOWN = "?"  # DocumentEntry.own_valid_to of entries written before staff overrides existed


@dataclass
class DocumentEntry:
    """What the manifest remembers about one ingested document."""

    doc_id: str
    scope: str
    fingerprint: str
    title: str
    source: str
    kind: str
    language: str
    valid_from: str | None
    valid_to: str | None
    chunk_ids: list[str] = field(default_factory=list)
    published: str | None = None  # the document's own date; absent in manifests written before it existed
    # The document's own valid_to when staff overrode `valid_to` ("Kilder"), so clearing the override restores
    # it; OWN_VALID_TO_UNKNOWN (manifests written before overrides existed): `valid_to` is its own.
    own_valid_to: str | None = OWN_VALID_TO_UNKNOWN


@dataclass
class Snapshot:
    """One published generation, loaded for reading."""

    generation: str
    chunks: list[Chunk]
    documents: dict[str, DocumentEntry]
    lexical: LexicalIndex
    embedding_model: str | None = None  # None: published before the model was recorded
    units: UnitTable = field(default_factory=UnitTable)  # answer-unit vectors embedded at ingest
    # The resolved folder (or file) of each folder scope, by scope label (`ingest.scopes`); beside the
    # documents in the manifest, so a reader from before it existed ignores it. Empty: published before.
    roots: dict[str, str] = field(default_factory=dict)
    position: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.position = {c.chunk_id: i for i, c in enumerate(self.chunks)}

    def get(self, chunk_id: str) -> Chunk | None:
        i = self.position.get(chunk_id)
        return None if i is None else self.chunks[i]

    @classmethod
    def empty(cls) -> Snapshot:
        return cls("", [], {}, LexicalIndex.build([]))


def open_collection(settings: Settings, name: str | None = None):
    """A Chroma collection (default: the configured model's vectors), from a server when `CHROMA_URL` is
    set, else on disk."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            from urllib.parse import urlparse

            url = urlparse(settings.chroma_url)
            client = chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        else:
            _require_writable(settings.chroma_path)
            client = chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)
        return client.get_or_create_collection(
            name or settings.vector_collection, metadata={"hnsw:space": "cosine"}
        )
    except StoreError:
        raise
    except Exception as exc:  # chromadb raises many unrelated types for an unreachable or broken store
        raise StoreError(f"Cannot open the vector store: {exc}") from exc


def _require_writable(directory: Path) -> None:
    """Refuse a read-only vector store directory with a clear message: Chroma's embedded store opens its
    SQLite file for writing even to answer, and would otherwise fail with "attempt to write a readonly
    database" (or later, half-way through an ingest)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # read-only parent, no permission, a file in the way
        problem = exc.strerror or str(exc)
    else:
        paths = (directory, directory / CHROMA_FILE)
        problem = "Permission denied" if any(p.exists() and not os.access(p, os.W_OK) for p in paths) else ""
    if problem:
        raise StoreError(
            f"cannot write to the vector store directory {directory}: {problem} (the embedded store needs "
            "write access even to answer; make it writable, or use a Chroma server with CHROMA_URL)"
        )


def _forget_local_chroma(directory: Path) -> None:
    """Make the next client on this path open the files on disk again. Chroma keeps one system per path for
    the whole process (refcounted by clients), and that one still holds the deleted or replaced files open."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_refcount.pop(str(directory), None)
    system = SharedSystemClient._identifier_to_system.pop(str(directory), None)
    if system is not None:
        try:
            system.stop()
        except Exception:  # its files are gone; nothing left to release cleanly
            log.debug("stopping the replaced Chroma system failed", exc_info=True)


class Store:
    """Vectors in Chroma, live chunks and BM25 in the published generation."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.index_dir = settings.index_path
        self.collection = open_collection(settings)
        self._chroma_identity = file_identity(settings.chroma_path / CHROMA_FILE)
        self._reopen_lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._pointer_mtime: float | None = None
        self._live_vectors: tuple[tuple, LiveVectors] | None = None  # by (generation, store file)
        self._live_vectors_lock = threading.Lock()

    # ---- reading -------------------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The published generation; reloaded when ingest has published a newer one."""
        pointer = self.index_dir / POINTER
        try:
            mtime = pointer.stat().st_mtime_ns
        except FileNotFoundError:
            if self._snapshot is not None and self._snapshot.generation:  # it was there: deleted under us
                raise StoreError(
                    f"The published index in {self.index_dir} is missing; restore it or run `ingest`."
                ) from None
            self._snapshot = Snapshot.empty()  # never ingested
            return self._snapshot
        if self._snapshot is None or mtime != self._pointer_mtime:
            self._snapshot = self._load(pointer.read_text(encoding="utf-8").strip())
            self._pointer_mtime = mtime
        return self._snapshot

    def _load(self, generation: str) -> Snapshot:
        directory = self.index_dir / generation
        try:
            with open(directory / "chunks.jsonl", encoding="utf-8") as fh:
                chunks = [Chunk.model_validate_json(line) for line in fh if line.strip()]
            manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
            lexical = LexicalIndex.load(directory / "bm25")
        except (OSError, ValueError) as exc:
            raise StoreError(f"The index generation {generation!r} cannot be read: {exc}") from exc
        documents = {d["doc_id"]: DocumentEntry(**d) for d in manifest["documents"]}
        model, roots = manifest.get("embedding_model"), manifest.get("scope_roots") or {}
        return Snapshot(generation, chunks, documents, lexical, model, UnitTable(directory), roots)

    def vectors(self):
        """The Chroma collection, checked against the directory on disk each time (one `stat`): deleted →
        StoreError; replaced (restored from a backup, rebuilt by `ingest`) → reopened, so a running server
        recovers without a restart instead of answering from deleted files it still holds open."""
        if self.settings.chroma_url:  # a server: nothing on local disk to check
            return self.collection
        directory = self.settings.chroma_path
        identity = file_identity(directory / CHROMA_FILE)
        if identity is None:
            raise StoreError(
                f"The vector store directory {directory} is missing; restore it or run `ingest`."
            )
        if identity != self._chroma_identity:
            with self._reopen_lock:
                if identity != self._chroma_identity:
                    log.warning(
                        "vector store directory replaced; reopening it", extra={"path": str(directory)}
                    )
                    _forget_local_chroma(directory)
                    self.collection = open_collection(self.settings)
                    self._chroma_identity = identity
        return self.collection

    def ping(self) -> None:
        """Raise StoreError unless the vectors and the published index can be read (readiness probe)."""
        collection = self.vectors()
        try:
            collection.count()
        except Exception as exc:
            raise StoreError(f"The vector store cannot be reached: {exc}") from exc
        check_model(self.snapshot(), self.settings)

    def dense_search(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """Live chunk ids nearest to the vector with cosine similarity, best first."""
        snapshot = self.snapshot()
        if not snapshot.chunks:
            return []
        check_model(snapshot, self.settings)
        self.vectors()  # first, cached or not: a deleted store is an error, a replaced one is reopened
        # Over-fetch a little: vectors not in the published generation are skipped. Chroma returns fewer
        # results when it holds fewer vectors, so no count() round trip is needed per query.
        query = np.asarray(vector, dtype=np.float32).tobytes()
        nearest = self._nearest(snapshot.generation, query, k + 16)
        return [(chunk_id, score) for chunk_id, score in nearest if chunk_id in snapshot.position][:k]

    @cached_property
    def _nearest(self):
        """Chroma's nearest vectors per (generation, query vector, n), cached: buyers ask the same questions
        again (the query embedding is cached too), and the vectors of a generation's chunks never change
        (a chunk id is the hash of its text; the generation records the model). Costs ~30 % of the CPU of a
        repeated question otherwise (docs/performance.md)."""
        return lru_cache(maxsize=NEAREST_CACHE)(self._query_nearest)

    def _query_nearest(self, generation: str, query: bytes, n: int) -> tuple[tuple[str, float], ...]:
        vector = np.frombuffer(query, dtype=np.float32)
        live = self._exact_vectors(generation)
        if live is not None:
            return live.nearest(vector, n)
        try:
            result = self.collection.query(
                query_embeddings=[vector.tolist()], n_results=n, include=["distances"]
            )
        except Exception as exc:
            raise StoreError(f"Vector search failed: {exc}") from exc
        ids, distances = result["ids"][0], result["distances"][0]
        return tuple((chunk_id, 1.0 - float(d)) for chunk_id, d in zip(ids, distances, strict=True))

    def _exact_vectors(self, generation: str) -> LiveVectors | None:
        """The generation's vectors in memory for exact search (`assistant.search.exact`): embedded store
        and at most EXACT_SEARCH_CHUNKS live chunks; read from Chroma once per generation and vector store
        file (a replaced store directory is reopened, with another identity). None: ask Chroma."""
        snapshot = self._snapshot  # `dense_search` has just taken it: no second `stat` of the pointer
        if self.settings.chroma_url or snapshot is None or snapshot.generation != generation:
            return None
        if len(snapshot.chunks) > EXACT_SEARCH_CHUNKS:
            return None
        key = (generation, self._chroma_identity)
        with self._live_vectors_lock:
            if self._live_vectors is None or self._live_vectors[0] != key:
                try:
                    live = LiveVectors.load(self.collection, [c.chunk_id for c in snapshot.chunks])
                except Exception as exc:  # chromadb raises many unrelated types for a broken store
                    raise StoreError(f"Vector search failed: {exc}") from exc
                self._live_vectors = (key, live)
            return self._live_vectors[1]

    def unit_vectors(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The answer-unit vectors the published generation holds for these keys (`unit_table.unit_key`),
        embedded at ingest with the configured model; none from a generation of another or unknown model."""
        snapshot = self.snapshot()
        if snapshot.embedding_model != self.settings.embedding_model:
            return {}
        return snapshot.units.lookup(keys)

    # ---- writing (used by ingest) --------------------------------------------------------------------

    def stored_ids(self) -> set[str]:
        """Every chunk id that has a vector in Chroma, live or not."""
        total = self.collection.count()
        ids: set[str] = set()
        for offset in range(0, total, 5000):
            ids.update(self.collection.get(include=[], limit=5000, offset=offset)["ids"])
        return ids

    def add_vectors(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        self.collection.upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=vectors.tolist(),
            metadatas=[{"doc_id": c.doc_id, "kind": c.kind, "language": c.language} for c in chunks],
        )

    def delete_vectors(self, chunk_ids: list[str]) -> None:
        for start in range(0, len(chunk_ids), 5000):
            self.collection.delete(ids=chunk_ids[start : start + 5000])

    def publish(
        self,
        chunks: list[Chunk],
        documents: list[DocumentEntry],
        texts_for_bm25: list[str],
        units: dict[str, np.ndarray] | None = None,
        roots: dict[str, str] | None = None,
    ) -> str:
        """Write a complete new generation and switch readers to it atomically; returns its name. `units`:
        the answer-unit vectors of its chunks by key (None: the generation holds none); `roots`: the folder
        scopes' roots by label (`Snapshot.roots`)."""
        try:
            return self._publish(chunks, documents, texts_for_bm25, units, roots or {})
        except OSError as exc:  # read-only or full disk: the previous generation stays published
            raise StoreError(
                f"cannot write the index to {self.index_dir}: {exc.strerror or exc}; the previous index "
                "is still the live one"
            ) from exc

    def _publish(
        self,
        chunks: list[Chunk],
        documents: list[DocumentEntry],
        texts_for_bm25: list[str],
        units: dict[str, np.ndarray] | None,
        roots: dict[str, str],
    ) -> str:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        generation = f"gen-{uuid.uuid4().hex[:12]}"
        staging = self.index_dir / f".{generation}.tmp"
        staging.mkdir()
        with open(staging / "chunks.jsonl", "w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(chunk.model_dump_json() + "\n")
        manifest = {
            "documents": [d.__dict__ for d in documents],
            "embedding_model": self.settings.embedding_model,
            "scope_roots": roots,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        LexicalIndex.build(texts_for_bm25).save(staging / "bm25")
        if units is not None:
            UnitTable.write(staging, units)
        _fsync_dir(staging)
        staging.rename(self.index_dir / generation)
        tmp_pointer = self.index_dir / f".{POINTER}.{generation}"
        with open(tmp_pointer, "w", encoding="utf-8") as fh:
            fh.write(generation)
            fh.flush()
            os.fsync(fh.fileno())  # else a power cut after the switch can leave an empty pointer
        os.replace(tmp_pointer, self.index_dir / POINTER)
        _fsync_directory(self.index_dir)  # makes both renames durable
        self._prune(keep=generation)
        return generation

    def _prune(self, keep: str) -> None:
        """Delete old generations and abandoned staging dirs, keeping the newest few for slow readers."""
        generations = sorted(
            (p for p in self.index_dir.iterdir() if p.is_dir() and p.name.startswith("gen-")),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in generations[KEEP_GENERATIONS:]:
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)
        for stale in self.index_dir.glob(".gen-*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)


def check_model(snapshot: Snapshot, settings: Settings) -> None:
    """Query vectors of one model are meaningless against another's: refuse with the way out."""
    built_with = snapshot.embedding_model
    if snapshot.chunks and built_with is not None and built_with != settings.embedding_model:
        raise StoreError(
            f"The published index was embedded with {built_with!r}, but the embedding model is now "
            f"{settings.embedding_model!r}: run `ingest` to embed the corpus with it, or set "
            "ASSISTANT_EMBEDDING_MODEL back."
        )


def embedding_text(chunk: Chunk) -> str:
    """What is embedded and BM25-indexed for a chunk: its title and section give it context."""
    heading = " — ".join(part for part in (chunk.title, chunk.section) if part)
    return f"{heading}\n{chunk.text}" if heading else chunk.text


def _fsync_dir(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _fsync_directory(directory: Path) -> None:
    """Sync a directory's own entries (names created or replaced in it)."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
