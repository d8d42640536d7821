"""Answer-unit vectors are embedded at ingest, published with the generation and reused: by the next ingest
(only new chunks' units are embedded) and by the answer core (a stored chunk's units are looked up, not
embedded). Real Chroma on a temp dir, the `fake` embedder."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.core.units import UnitVectors, chunk_units, embedding_text
from assistant.search.embeddings import get_embedder
from assistant.search.store import Store
from assistant.search.unit_table import unit_key
from ingest.pipeline import run
from tests.conftest import make_settings, write_documents

DOCS = {
    "a.md": "---\ntitle: Vekting\n---\n# Vekting\n\n## Regel\n\nKlima og miljø skal vektes minst 30 prosent. "
    "Kravet gjelder fra 1. januar 2024 for alle anskaffelser.\n",
    "b.md": "---\ntitle: Terskel\n---\n# Terskel\n\n## Nasjonal\n\nDen nasjonale terskelverdien er 1,3 millioner "
    "kroner. Over den gjelder del III av forskriften.\n",
}


@pytest.fixture
def corpus(tmp_path):
    return write_documents(tmp_path / "docs", DOCS)


def unit_count(store: Store) -> int:
    return sum(len(chunk_units(c.text)) for c in store.snapshot().chunks)


def test_first_ingest_stores_a_vector_for_every_unit_and_an_unchanged_corpus_embeds_none(tmp_path, corpus):
    settings = make_settings(tmp_path / "data", embedding_model="fake")
    first = run(settings, [corpus])
    store = Store(settings)
    assert first.units_embedded == unit_count(store) == len(store.snapshot().units) == 4
    again = run(settings, [corpus])
    assert (again.embedded, again.units_embedded) == (0, 0)
    assert len(Store(settings).snapshot().units) == 4  # carried into the new generation


def test_a_changed_document_embeds_only_its_new_units(tmp_path, corpus):
    settings = make_settings(tmp_path / "data", embedding_model="fake")
    run(settings, [corpus])
    (corpus / "a.md").write_text(DOCS["a.md"].replace("2024 for alle", "2025 for alle"), encoding="utf-8")
    report = run(settings, [corpus])
    assert (report.embedded, report.units_embedded) == (1, 1)  # the unchanged first sentence is reused
    assert len(Store(settings).snapshot().units) == 4  # the replaced unit's vector is not kept


def test_a_question_over_stored_chunks_embeds_no_unit_and_gets_the_vectors_it_would_embed(tmp_path, corpus):
    settings = make_settings(tmp_path / "data", embedding_model="fake")
    run(settings, [corpus])
    store = Store(settings)
    embedder = get_embedder("fake")
    chunks = store.snapshot().chunks
    looked_up = UnitVectors(embedder, stored=store.unit_vectors)
    found = looked_up.get(chunks)
    assert looked_up.embedded == 0
    computed = UnitVectors(embedder).get(chunks)  # no store: embedded on first use, as before
    for chunk in chunks:
        units, vectors = found[chunk.chunk_id]
        assert units == computed[chunk.chunk_id][0]
        np.testing.assert_allclose(vectors, computed[chunk.chunk_id][1], atol=1e-6)
        assert vectors.dtype == np.float32


def test_units_the_generation_lacks_are_embedded_at_answer_time(tmp_path, corpus):
    settings = make_settings(tmp_path / "data", embedding_model="fake", answer_choice="lexical")
    report = run(settings, [corpus])  # lexical answers embed no unit, so ingest stores none
    assert report.units_embedded == 0
    store = Store(settings)
    unit_vectors = UnitVectors(get_embedder("fake"), stored=store.unit_vectors)
    unit_vectors.get(store.snapshot().chunks)
    assert unit_vectors.embedded == unit_count(store) == 4


def test_stored_vectors_are_keyed_by_the_embedded_text(tmp_path, corpus):
    settings = make_settings(tmp_path / "data", embedding_model="fake")
    run(settings, [corpus])
    store = Store(settings)
    chunk = store.snapshot().chunks[0]
    keys = [unit_key(embedding_text(chunk, unit)) for unit in chunk_units(chunk.text)]
    assert set(store.unit_vectors([*keys, unit_key("not a unit of any chunk")])) == set(keys)
