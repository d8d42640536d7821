"""Incremental ingest: scan folders, chunk, embed only new chunks, publish, delete what is gone.

Order of work, chosen so readers never see a half-built index:
1. embed chunks whose ids have no vector yet and add them to Chroma (readers ignore them: not published);
   with `answer_choice = "semantic"`, embed the answer units of the live chunks that the published
   generation holds no vector for (keyed by a hash of the embedded text, so unchanged chunks reuse theirs);
2. publish a new generation (chunks, manifest, BM25, unit vectors) by an atomic pointer swap;
3. delete vectors no published chunk uses any more.
A crash before 2 leaves the old generation live; a crash after 2 leaves only unused vectors, removed next run.

What is read comes from a scanner (`run`: folders and files; `ingest.web`: web sources), inside the lock.
A folder's documents are named by its scope label (`ingest.scopes`), whose root the manifest records.
Before planning, the staff's document overrides in the database are applied to every document, fresh or
kept: a `valid_to` set on «Kilder», and withheld documents (verified answers whose cited page changed),
which leave the index. Chunk ids do not change with an override (the embedded text does not).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.core.units import chunk_units
from assistant.core.units import embedding_text as unit_embedding_text
from assistant.errors import IngestError, StoreError
from assistant.models import Chunk
from assistant.platform.files import make_data_dir
from assistant.search.embeddings import get_embedder
from assistant.search.source_state import Overrides, load_overrides
from assistant.search.store import OWN_VALID_TO_UNKNOWN, DocumentEntry, Snapshot, Store, embedding_text
from assistant.search.stores import open_store
from assistant.search.unit_table import unit_key
from ingest.chunking import chunk_document
from ingest.loaders import Document, Limits, is_document, load
from ingest.scopes import name_scopes

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
Scanner = Callable[[Store], "Scan"]  # reads the documents of a run; gets the store to see what is live


@dataclass
class Plan:
    """What an ingest run will do; `--dry-run` prints it and stops."""

    documents: list[DocumentEntry] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    to_embed: list[Chunk] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    roots: dict[str, str] = field(default_factory=dict)  # the published folder scopes' roots, by label
    notes: list[str] = field(default_factory=list)  # folders that could not have the label they wanted


@dataclass
class Report:
    plan: Plan
    embedded: int = 0
    units_embedded: int = 0
    deleted: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    def summary(self) -> str:
        p = self.plan
        return (
            f"{len(p.added)} added, {len(p.updated)} updated, {len(p.removed)} removed, "
            f"{len(p.unchanged)} unchanged documents; {self.embedded} chunks embedded, "
            f"{self.units_embedded} answer units embedded, "
            f"{self.deleted} deleted, {len(p.chunks)} live; {len(p.errors)} errors; {self.seconds:.2f} s"
        )


@dataclass
class Scan:
    scopes: dict[str, list[Document]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)  # their published version stays
    not_modified: set[str] = field(default_factory=set)  # of those, the ones known to be unchanged (304)
    roots: dict[str, str] = field(default_factory=dict)  # the folder and file scopes' roots, by label
    notes: list[str] = field(default_factory=list)


def scan(paths: list[Path], limits: Limits | None = None, published: Snapshot | None = None) -> Scan:
    """Documents per scope (folder or single file), and the files that could not be read. `published`:
    the generation whose scope labels the folders keep (`ingest.scopes`)."""
    published = published or Snapshot.empty()
    existing = [p for p in paths if p.is_dir() or p.is_file()]
    result = Scan(errors=[(str(p), "no such file or folder") for p in paths if p not in existing])
    scopes, errors = result.scopes, result.errors
    naming = name_scopes(existing, published.roots, {e.scope for e in published.documents.values()})
    result.roots, result.notes = naming.roots, naming.notes
    for note in naming.notes:
        log.warning("scope label: %s", note)
    for label, root in naming.paths.items():
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file() and is_document(p))
            pairs = [(f, f"{label}/{f.relative_to(root).as_posix()}") for f in files]
        else:
            pairs = [(root, label)]
        docs = scopes.setdefault(label, [])
        for file, doc_id in pairs:
            try:
                docs.append(load(file, doc_id, limits))
            except (IngestError, OSError) as exc:
                reason = exc.message if isinstance(exc, IngestError) else exc.strerror or str(exc)
                errors.append((str(file), reason))
                result.unreadable.add(doc_id)
    return result


def make_plan(store: Store, settings: Settings, scanned: Scan, overrides: Overrides | None = None) -> Plan:
    """What publishing this scan means: documents added, updated, removed, unchanged; chunks to embed."""
    overrides = overrides or Overrides()
    scopes = scanned.scopes
    snapshot = store.snapshot()
    plan = Plan(errors=list(scanned.errors), notes=list(scanned.notes))
    fresh: dict[str, tuple[DocumentEntry, list[Chunk]]] = {}
    for scope, docs in scopes.items():
        for doc in docs:
            if overrides.is_withheld(doc.doc_id, doc.kind):
                continue
            chunks = chunk_document(doc, size=settings.chunk_size, overlap=settings.chunk_overlap)
            fresh[doc.doc_id] = _overridden(_entry(doc, scope, chunks), chunks, overrides)
    for doc_id, (entry, _) in fresh.items():
        old = snapshot.documents.get(doc_id)
        if old is None:
            plan.added.append(doc_id)
        elif old.fingerprint != entry.fingerprint or old.valid_to != entry.valid_to:
            plan.updated.append(doc_id)
        else:
            plan.unchanged.append(doc_id)
    for doc_id, old in snapshot.documents.items():
        in_scope = old.scope in scopes
        if doc_id in fresh:
            continue
        if overrides.is_withheld(doc_id, old.kind) or (in_scope and doc_id not in scanned.unreadable):
            plan.removed.append(doc_id)
        else:  # outside the folders ingested now, unreadable or not modified this time: keep the old version
            if doc_id in scanned.not_modified:
                plan.unchanged.append(doc_id)
            chunks = [c for cid in old.chunk_ids if (c := snapshot.get(cid))]
            entry, chunks = _overridden(old, chunks, overrides)
            plan.documents.append(entry)
            plan.chunks.extend(chunks)
    for entry, chunks in fresh.values():
        plan.documents.append(entry)
        plan.chunks.extend(chunks)
    live = {entry.scope for entry in plan.documents}
    roots = {**snapshot.roots, **scanned.roots}
    plan.roots = {label: root for label, root in roots.items() if label in live}
    have = store.stored_ids()
    seen: set[str] = set()
    for chunk in plan.chunks:
        if chunk.chunk_id not in have and chunk.chunk_id not in seen:
            plan.to_embed.append(chunk)
            seen.add(chunk.chunk_id)
    return plan


def _overridden(
    entry: DocumentEntry, chunks: list[Chunk], overrides: Overrides
) -> tuple[DocumentEntry, list[Chunk]]:
    """The entry and chunks with the staff's `valid_to` for this document if there is one, else its own
    (which a kept entry remembers in `own_valid_to` once it has been overridden)."""
    own = entry.valid_to if entry.own_valid_to == OWN_VALID_TO_UNKNOWN else entry.own_valid_to
    override = overrides.valid_to_of(entry.doc_id, entry.kind)
    wanted = override.isoformat() if override else own
    entry = replace(entry, own_valid_to=own)
    if wanted == entry.valid_to:
        return entry, chunks
    valid_to = date.fromisoformat(wanted) if wanted else None
    return replace(entry, valid_to=wanted), [c.model_copy(update={"valid_to": valid_to}) for c in chunks]


def run(
    settings: Settings, paths: list[Path], *, dry_run: bool = False, progress: Progress | None = None
) -> Report:
    """Ingest the given folders/files into the store; returns what was done."""
    limits = Limits(settings.max_document_bytes, settings.max_unzipped_bytes)
    return run_scan(
        settings, lambda store: scan(paths, limits, store.snapshot()), dry_run=dry_run, progress=progress
    )


def run_scan(
    settings: Settings,
    scanner: Scanner,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    review: Callable[[Plan], bool] | None = None,
    published: Callable[[Plan], None] | None = None,
) -> Report:
    """Scan, plan, embed and publish under the ingest lock. `review(plan)` runs before anything is embedded
    (True: it changed the overrides, so the plan is made again); `published(plan)` after publishing."""
    started = time.perf_counter()
    with _lock(settings.data_dir):
        store = open_store(settings)
        scanned = scanner(store)
        plan = make_plan(store, settings, scanned, load_overrides(settings.sqlalchemy_url))
        if review is not None and not dry_run and review(plan):
            plan = make_plan(store, settings, scanned, load_overrides(settings.sqlalchemy_url))
        report = Report(plan, dry_run=dry_run)
        if not dry_run:
            units, to_embed = _unit_texts(store, settings, plan.chunks)
            total = len(plan.to_embed) + len(to_embed)
            report.embedded = _embed(store, settings, plan.to_embed, progress, total)
            report.units_embedded = _embed_units(settings, units, to_embed, progress, total)
            texts_for_bm25 = [embedding_text(c) for c in plan.chunks]
            store.publish(plan.chunks, plan.documents, texts_for_bm25, units, plan.roots)
            live = {c.chunk_id for c in plan.chunks}
            stale = sorted(store.stored_ids() - live)
            store.delete_vectors(stale)
            report.deleted = len(stale)
            if published is not None:
                published(plan)
    report.seconds = time.perf_counter() - started
    log.info("ingest finished: %s", report.summary())
    return report


def _embed(
    store: Store, settings: Settings, chunks: list[Chunk], progress: Progress | None, total: int
) -> int:
    if not chunks:
        return 0
    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    batch = max(1, settings.embedding_batch_size) * 4
    for start in range(0, len(chunks), batch):
        part = chunks[start : start + batch]
        store.add_vectors(part, embedder.embed([embedding_text(c) for c in part]))
        if progress:
            progress(min(start + batch, len(chunks)), total)
    return len(chunks)


def _unit_texts(
    store: Store, settings: Settings, chunks: list[Chunk]
) -> tuple[dict[str, np.ndarray] | None, dict[str, str]]:
    """(the unit vectors the published generation already holds for these chunks, by key; the embedding
    texts of the units it lacks, by key). (None, {}) when answers do not use unit vectors."""
    if settings.answer_choice != "semantic":
        return None, {}
    texts: dict[str, str] = {}
    for chunk in chunks:
        for unit in chunk_units(chunk.text):
            text = unit_embedding_text(chunk, unit)
            texts.setdefault(unit_key(text), text)
    have = store.unit_vectors(list(texts))
    return have, {key: text for key, text in texts.items() if key not in have}


def _embed_units(
    settings: Settings,
    units: dict[str, np.ndarray] | None,
    texts: dict[str, str],
    progress: Progress | None,
    total: int,
) -> int:
    """Embed the missing units into `units`, as the answer core would (`UnitVectors`: passages)."""
    if units is None or not texts:
        return 0
    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    keys = list(texts)
    batch = max(1, settings.embedding_batch_size) * 4
    for start in range(0, len(keys), batch):
        part = keys[start : start + batch]
        units.update(zip(part, embedder.embed([texts[k] for k in part]), strict=True))
        if progress:
            progress(total - len(keys) + min(start + batch, len(keys)), total)
    return len(keys)


def _entry(doc: Document, scope: str, chunks: list[Chunk]) -> DocumentEntry:
    fingerprint = hashlib.sha256("".join(c.chunk_id for c in chunks).encode()).hexdigest()[:32]
    return DocumentEntry(
        doc_id=doc.doc_id,
        scope=scope,
        fingerprint=fingerprint,
        title=doc.title,
        source=doc.source,
        kind=doc.kind,
        language=doc.language,
        valid_from=doc.valid_from.isoformat() if doc.valid_from else None,
        valid_to=doc.valid_to.isoformat() if doc.valid_to else None,
        chunk_ids=[c.chunk_id for c in chunks],
        published=doc.published.isoformat() if doc.published else None,
    )


@contextmanager
def _lock(data_dir: Path) -> Iterator[None]:
    make_data_dir(data_dir)
    try:
        fh = open(data_dir / "ingest.lock", "w")  # noqa: SIM115 - closed by the with below
    except OSError as exc:  # read-only disk, no permission
        raise StoreError(f"cannot write to the data directory {data_dir}: {exc.strerror or exc}") from exc
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IngestError("another ingest is running on this store") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
