"""Choosing the evidence sentences of an extractive answer: passage order, whole lists, multi-part questions."""

from __future__ import annotations

import pytest

from assistant.extractive import answers_the_kind, is_multi_part, score_sentences, select
from assistant.lexical import Term, tokenize
from assistant.models import Chunk
from assistant.retrieval import Hit


def term(word: str, weight: float = 1.0) -> Term:
    return Term(frozenset(tokenize(word)), weight)


def hit(text: str, n: int = 0) -> Hit:
    return Hit(Chunk(chunk_id=f"c{n}", doc_id=f"d{n}", text=text, title=f"Dokument {n}"), 1.0 / (n + 1))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Hvem hjalp innkjøperne før, og hvem gjør det i dag?", True),
        ("Hvilken paragraf gjelder; og når trådte den i kraft?", True),
        ("Which rule applies, and when did it start?", True),
        ("Hvilke terskelverdier gjelder: nasjonal, EØS for staten og for andre?", True),
        ("Hvilke verdier gjelder: nasjonal, statlig og kommunal?", True),
        ("Hva er terskelverdien for kommuner og fylkeskommuner?", False),
        ("Hvor mye skal klima og miljø vektes?", False),
    ],
)
def test_multi_part_questions_are_recognised(question, expected):
    assert is_multi_part(question) is expected


def test_the_passage_starts_at_the_first_near_tied_sentence_and_reads_in_document_order():
    text = (
        "Handlingsplanen hadde som mål at staten skulle gå foran med et godt eksempel. "
        "Et annet mål med handlingsplanen var å gi næringslivet et marked. "
        "Handlingsplanen skulle gjøre miljøbevisste innkjøp til et verktøy i klimapolitikken."
    )
    terms = [term("mål", 0.95), term("handlingsplanen"), term("innkjøp")]
    evidence = score_sentences(terms, [hit(text)])
    assert evidence[0].sentence.startswith("Handlingsplanen skulle")  # the best sentence comes last
    chosen = [e.sentence for e in select(evidence, 3)]
    assert chosen[0].startswith("Handlingsplanen hadde som mål")
    assert chosen[-1].startswith("Handlingsplanen skulle")


def test_a_listing_passage_is_kept_whole_beyond_the_sentence_setting():
    text = (
        "Knutepunktene i fylkene hadde flere oppgaver. Knutepunktene laget maler og veiledning. "
        "Knutepunktene arbeidet med rammeavtaler for alle. Knutepunktene ga hjelp med konkrete anskaffelser. "
        "Knutepunktene arrangerte også kurs og konferanser."
    )
    evidence = score_sentences([term("knutepunktene"), term("fylkene")], [hit(text)])
    chosen = [e.sentence for e in select(evidence, 3)]
    assert len(chosen) == 5 and chosen[-1].endswith("kurs og konferanser.")


def test_another_part_of_a_multi_part_question_is_answered_from_another_chunk():
    first = hit(
        "I perioden 2007–2010 var det regionale knutepunkt i hvert fylke som hjalp innkjøperne med miljøkrav.",
        0,
    )
    second = hit("I dag er det DFØ som gir råd om miljøkrav gjennom anskaffelser.no.", 3)
    terms = [term("hjalp", 3), term("innkjøperne", 3), term("miljøkrav", 2), term("2007"), term("dag", 1.5)]
    evidence = score_sentences(terms, [first, second])
    single = [e.sentence for e in select(evidence, 3)]
    multi = [e.sentence for e in select(evidence, 3, multi_part=True)]
    assert not any("DFØ" in s for s in single)  # too weak for a one-part question
    assert any("DFØ" in s for s in multi)


@pytest.mark.parametrize(
    ("question", "evidence", "expected"),
    [
        (
            "Hva koster en elbil?",
            "Nye personbiler i offentlige virksomheter skal være nullutslippsbiler.",
            False,
        ),
        ("Hva koster en elbil?", "En elbil koster rundt 400 000 kroner.", True),
        (
            "Hvor mange produktgrupper fikk kriterier?",
            "GRIP laget kriterier for mange produktgrupper.",
            False,
        ),
        ("How much must climate be weighted?", "Climate must be weighted at least 30 per cent.", True),
        ("Når ble Difi opprettet?", "Difi ble opprettet som et nytt direktorat.", False),
        ("Hvem er med, og når startet det?", "Knutepunktene startet opp i hvert fylke.", False),
        (
            "Må vi vekte miljø når vi kjøper inn?",
            "Ja, klima og miljø skal vektes.",
            True,
        ),  # "når" as a conjunction
        ("Hvem signerte brevet?", "Tre statsråder signerte brevet.", True),
    ],
)
def test_a_question_for_a_number_or_date_needs_evidence_with_one(question, evidence, expected):
    chosen = score_sentences([term("brevet")], [hit(evidence)]) or []
    assert chosen, "the evidence sentence must be scored"
    assert answers_the_kind(question, chosen) is expected
