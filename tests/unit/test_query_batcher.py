"""QueryBatcher: concurrent questions share one encode call, each caller gets its own vector. QueryCache: a
request's texts not yet cached go to the batcher together."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from assistant.search.embeddings import HashEmbedder, QueryBatcher, QueryCache


class SlowEmbedder:
    """HashEmbedder that takes a while per call and records the batch sizes it was given."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.inner = HashEmbedder(dimension=64)
        self.name, self.dimension = "slow", 64
        self.calls: list[int] = []
        self.fail_on = fail_on
        self.threads: set[str] = set()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.calls.append(len(texts))
        self.threads.add(threading.current_thread().name)
        time.sleep(0.05)
        if self.fail_on in texts:
            raise RuntimeError("model failed")
        return self.inner.embed(texts)


def test_concurrent_callers_share_batches_and_get_their_own_vectors():
    embedder = SlowEmbedder()
    batcher = QueryBatcher(embedder, max_batch=8)
    texts = [f"spørsmål nummer {i} om miljøkrav" for i in range(24)]
    with ThreadPoolExecutor(max_workers=24) as pool:
        vectors = list(pool.map(batcher.embed_one, texts))
    expected = HashEmbedder(dimension=64).embed(texts)
    for got, want in zip(vectors, expected, strict=True):
        np.testing.assert_allclose(got, want)
    assert sum(embedder.calls) == 24
    assert max(embedder.calls) > 1, "no two questions were encoded together"
    assert max(embedder.calls) <= 8
    assert embedder.threads == {"query-embedder"}  # one thread owns the model


def test_an_idle_batcher_encodes_a_single_question_at_once():
    embedder = SlowEmbedder()
    batcher = QueryBatcher(embedder)
    vector = batcher.embed_one("terskelverdi")
    np.testing.assert_allclose(vector, HashEmbedder(dimension=64).embed(["terskelverdi"])[0])
    assert embedder.calls == [1]


def test_an_error_reaches_the_callers_of_that_batch_and_the_batcher_keeps_working():
    embedder = SlowEmbedder(fail_on="bad")
    batcher = QueryBatcher(embedder)
    with pytest.raises(RuntimeError, match="model failed"):
        batcher.embed_one("bad")
    assert batcher.embed_one("good").shape == (64,)


def test_an_embedder_safe_to_call_concurrently_gets_batches_side_by_side():
    embedder = SlowEmbedder()
    embedder.concurrent_calls = 3
    running, most = [0], [0]
    lock = threading.Lock()
    inner = embedder.embed_queries

    def counting(texts: list[str]) -> np.ndarray:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return inner(texts)
        finally:
            with lock:
                running[0] -= 1

    embedder.embed_queries = counting
    batcher = QueryBatcher(embedder, max_batch=4)
    texts = [f"spørsmål {i} om terskelverdier" for i in range(30)]
    with ThreadPoolExecutor(max_workers=30) as pool:
        vectors = list(pool.map(batcher.embed_one, texts))
    for got, want in zip(vectors, HashEmbedder(dimension=64).embed(texts), strict=True):
        np.testing.assert_allclose(got, want)
    assert sum(embedder.calls) == 30 and max(embedder.calls) <= 4
    assert 1 < most[0] <= 3  # side by side, never more encoders than the embedder allows


def test_a_requests_two_texts_are_embedded_in_one_call_and_then_cached():
    embedder = SlowEmbedder()
    cache = QueryCache(QueryBatcher(embedder), maxsize=3)
    texts = ["terskelverdi for tjenester", "terskelverdi"]
    first = cache.vectors(texts)
    assert embedder.calls == [2]  # one batch for both, not one after the other
    for got, want in zip(first, HashEmbedder(dimension=64).embed(texts), strict=True):
        np.testing.assert_allclose(got, want)
    again = cache.vectors(list(reversed(texts)))
    assert embedder.calls == [2]  # both cached
    np.testing.assert_array_equal(again[0], first[1])
    cache.vectors(["a", "b", "c"])  # beyond maxsize: the least recently used go
    cache.vectors(["terskelverdi"])
    assert embedder.calls == [2, 3, 1]


def test_a_text_asked_twice_in_one_call_is_embedded_once():
    embedder = SlowEmbedder()
    vectors = QueryCache(QueryBatcher(embedder)).vectors(["miljøkrav", "miljøkrav"])
    assert embedder.calls == [1]
    np.testing.assert_array_equal(vectors[0], vectors[1])
