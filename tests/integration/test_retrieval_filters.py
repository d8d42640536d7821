"""Hybrid retrieval on the real store: metadata filters and ranking."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.search.retrieval import Filters, asks_about_the_past

pytestmark = pytest.mark.slow


def test_filters_restrict_kind_language_and_validity(deps):
    search = deps.retriever.search
    assert {h.chunk.kind for h in search("terskelverdi", filters=Filters(kind="law"))} == {"law"}
    assert {h.chunk.language for h in search("threshold rules", filters=Filters(language="en"))} == {"en"}
    in_2008 = search("anskaffelsesloven miljø", filters=Filters(valid_on=date(2008, 6, 1)))
    assert in_2008 and all(h.chunk.in_force(date(2008, 6, 1)) for h in in_2008)
    assert any("1999" in h.chunk.title for h in in_2008)


def test_rare_exact_terms_reach_the_top(deps):
    hits = deps.retriever.search("Hva sa Riksrevisjonen om oppfølgingen?")
    assert "riksrevisjonen" in hits[0].chunk.doc_id


def test_outdated_documents_are_demoted_for_present_questions(deps):
    today = date(2026, 1, 1)
    now = deps.retriever.search("Hvem gir støtte til innkjøpere med miljøkrav?", today=today)
    assert now[0].chunk.in_force(today)


def test_past_markers():
    assert asks_about_the_past("Hva gjaldt i 2008?")
    assert asks_about_the_past("Hvem hjalp innkjøperne den gang?")
    assert not asks_about_the_past("Hva er terskelverdien?")
