"""The embedded store's dense search over the generation's vectors in memory (`assistant.search.exact`):
the ranking and scores Chroma's cosine space gives, without a Chroma query per question, and Chroma again
above the size limit. Real Chroma on a temp dir, fake embedder."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.search import exact
from assistant.search.embeddings import get_embedder
from assistant.search.store import Store
from ingest.pipeline import run
from tests.conftest import make_settings, write_documents

DOCS = {
    f"d{n}.md": f"---\ntitle: Dokument {n}\n---\n# Dokument {n}\n\n## Del\n\n{text}\n"
    for n, text in enumerate(
        [
            "Klima og miljø skal vektes minst 30 prosent i offentlige anskaffelser.",
            "Den nasjonale terskelverdien er 1,3 millioner kroner.",
            "Regjeringen lanserte i juni 2007 en handlingsplan for miljø- og samfunnsansvar.",
            "Leverandøren skal dokumentere lønns- og arbeidsvilkår i kontrakten.",
            "Menneskerettigheter i leverandørkjeden følges opp med aktsomhetsvurderinger.",
            "Kantiner kan stille krav til økologisk og sesongbasert mat.",
        ]
    )
}
QUESTIONS = ["terskelverdi kroner", "miljø vekting", "lønn arbeidsvilkår", "mat i kantina", "handlingsplan"]


@pytest.fixture
def store(tmp_path) -> Store:
    settings = make_settings(tmp_path / "data", embedding_model="fake")
    run(settings, [write_documents(tmp_path / "docs", DOCS)])
    return Store(settings)


def chroma_nearest(store: Store, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
    result = store.collection.query(query_embeddings=[vector.tolist()], n_results=n, include=["distances"])
    return [(chunk_id, 1.0 - d) for chunk_id, d in zip(result["ids"][0], result["distances"][0], strict=True)]


def test_dense_search_in_memory_ranks_and_scores_as_chroma(store):
    embedder = get_embedder("fake")
    for question in QUESTIONS:
        vector = embedder.embed_queries([question])[0]
        ours = store.dense_search(vector, 4)
        theirs = chroma_nearest(store, vector, 4)
        every = dict(chroma_nearest(store, vector, len(DOCS)))
        # The same scores in the same order; chunks of equal score (the fake model ties) in either order.
        assert np.allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
        assert all(abs(every[chunk_id] - score) < 1e-5 for chunk_id, score in ours)
    assert store._live_vectors is not None  # the generation's vectors were read once, then searched


def test_above_the_limit_the_store_asks_chroma(store, monkeypatch):
    monkeypatch.setattr("assistant.search.store.EXACT_SEARCH_CHUNKS", 2)
    vector = get_embedder("fake").embed_queries([QUESTIONS[0]])[0]
    assert store.dense_search(vector, 3) == chroma_nearest(store, vector, 3 + 16)[:3]  # as dense_search asks
    assert store._live_vectors is None


def test_nearest_returns_at_most_the_chunks_it_holds():
    live = exact.LiveVectors(["a", "b"], np.array([[1.0, 0.0], [0.0, 2.0]], dtype=np.float32))
    assert live.nearest(np.array([0.0, 1.0], dtype=np.float32), 5) == (("b", 1.0), ("a", 0.0))
    assert exact.LiveVectors([], np.zeros((0, 2), dtype=np.float32)).nearest(np.ones(2), 3) == ()
