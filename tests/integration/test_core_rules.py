"""Rules of the answer core that the quality sets alone would not notice missing: refusing tasks, answers
of the wrong kind and questions about what no source names, demoting outdated documents, the English lead,
verbatim (not normalised) snippets."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.core.answer import answer, build_deps
from assistant.core.triage import ENGLISH_LEAD
from ingest.pipeline import run
from tests.conftest import make_settings

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "question",
    [
        "Skriv et dikt om klima og miljø i offentlige anskaffelser.",
        "Lag en vits om terskelverdier i offentlige anskaffelser.",
    ],
)
async def test_a_request_to_produce_something_is_refused_even_in_the_corpus_words(deps, question):
    result = await answer(question, deps=deps)
    assert result.refused and not result.citations


@pytest.mark.parametrize("question", ["Hva koster en elbil?", "Hva koster en ny elbil til kommunen?"])
async def test_a_price_question_is_refused_when_the_evidence_has_no_amount(deps, question):
    result = await answer(question, deps=deps)
    assert result.refused, result.answer


async def test_a_question_about_something_no_source_names_is_refused_though_its_other_words_match(deps):
    from assistant.core.answer import MEANING_LOST_LIMIT, _retrieve, estimate_confidence, meaning_lost

    question = "Hvordan lager vi fårikål av lokal mat i kantina?"
    found = _retrieve(deps, question, question, None)
    assert estimate_confidence(found) >= deps.settings.refusal_threshold  # "lokal mat" matches well enough
    assert (
        meaning_lost(deps, found, question, "nb") > MEANING_LOST_LIMIT[found.model]
    )  # "fårikål" is the point
    result = await answer(question, deps=deps)
    assert result.refused and not result.citations, result.answer


async def test_a_word_no_source_uses_does_not_refuse_a_question_it_is_only_an_aside_in(deps):
    from assistant.core.answer import MEANING_LOST_LIMIT, _retrieve, meaning_lost

    question = "Kan vi kreve at nye personbiler til hjemmebasen er nullutslippsbiler?"
    found = _retrieve(deps, question, question, None)
    assert any(t.unknown == "hjemmebasen" for t in found.terms)  # the aside is a word no source uses
    assert meaning_lost(deps, found, question, "nb") < MEANING_LOST_LIMIT[found.model]
    result = await answer(question, deps=deps)
    assert not result.refused, result.answer


def write(folder, name: str, body: str, **meta) -> None:
    front = "\n".join(f"{k}: {v}" for k, v in meta.items())
    (folder / name).write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def dated_deps(tmp_path_factory):
    """Two documents on one rule: the outdated one matches the question better word for word."""
    corpus = tmp_path_factory.mktemp("dated")
    write(
        corpus,
        "old.md",
        "# Gammel regel\n\nMiljøkrav i anskaffelser: miljøkrav skal vurderes, og miljøkrav bør brukes i "
        "anskaffelser av varer.",
        title="Gammel regel om miljøkrav",
        valid_from="2007-01-01",
        valid_to="2016-12-31",
        language="nb",
    )
    write(
        corpus,
        "new.md",
        "# Ny regel\n\nI dag skal oppdragsgiveren redusere skadelig miljøpåvirkning i anskaffelser.",
        title="Ny regel om miljø",
        valid_from="2017-01-01",
        language="nb",
    )
    write(
        corpus,
        "list.md",
        "# Områder\n\nPlanen prioriterer disse områdene:\n\n- transport\n- bygg og anlegg\n- plast\n",
        title="Prioriterte områder i planen",
        valid_from="2021-09-09",
        language="nb",
    )
    settings = make_settings(tmp_path_factory.mktemp("dated-store"), corpus_dirs=[corpus])
    run(settings, [corpus])
    deps = build_deps(settings)
    deps.today = lambda: date(2026, 12, 2)
    return deps


def test_an_outdated_document_is_demoted_for_a_question_about_now(dated_deps):
    hits = dated_deps.retriever.search("Hvilke miljøkrav gjelder i anskaffelser?", today=date(2026, 12, 2))
    titles = [h.chunk.title for h in hits]
    assert titles.index("Ny regel om miljø") < titles.index("Gammel regel om miljøkrav")
    past = dated_deps.retriever.search(
        "Hvilke miljøkrav gjaldt i anskaffelser i 2010?", today=date(2026, 12, 2)
    )
    assert past[0].chunk.title == "Gammel regel om miljøkrav"  # a question about the past is not steered


async def test_an_english_question_answered_from_norwegian_sources_says_so(dated_deps):
    result = await answer("Which areas does the plan prioritise?", deps=dated_deps)
    assert not result.refused and result.language == "en"
    assert result.answer.startswith(ENGLISH_LEAD)


async def test_a_list_is_cited_verbatim_with_its_line_breaks_not_whitespace_normalised(dated_deps):
    result = await answer("Hvilke områder prioriterer planen?", deps=dated_deps)
    assert not result.refused and "transport; bygg og anlegg; plast" in result.answer
    snapshot = dated_deps.retriever.store.snapshot()
    listed = [c for c in result.citations if "\n" in c.snippet]
    assert listed, result.citations
    for citation in listed:
        assert citation.snippet in snapshot.get(citation.chunk_id).text
        assert " ".join(citation.snippet.split()) not in snapshot.get(citation.chunk_id).text
