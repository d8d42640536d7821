"""Composing an extractive answer: units, the second stage's choice of chunk, the passage, dates, follow-ups."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.core.extractive import answers_the_kind, candidates, is_multi_part, select
from assistant.core.units import UnitVectors, chunk_units, embedding_text, render
from assistant.models import Chunk
from assistant.search.embeddings import HashEmbedder
from assistant.search.lexical import LexicalIndex, Term, tokenize
from assistant.search.retrieval import Hit

EMBEDDER = HashEmbedder(dimension=64)
VECTOR = EMBEDDER.embed_queries(["spørsmål"])[0]


def term(word: str, weight: float = 1.0) -> Term:
    return Term(frozenset(tokenize(word)), weight)


def hit(text: str, n: int = 0, *, published: date | None = None, section: str = "") -> Hit:
    chunk = Chunk(
        chunk_id=f"c{n}",
        doc_id=f"d{n}",
        text=text,
        title=f"Dokument {n}",
        published=published,
        section=section,
    )
    return Hit(chunk, 1.0 / (10 + n + 1))  # as the fusion scores ranks (rrf_k 10)


def compose(question: str, terms: list[Term], hits: list[Hit], limit: int = 5, **kwargs):
    found = candidates(terms, hits, EMBEDDER.embed_queries([question])[0], UnitVectors(EMBEDDER))
    chosen, replaced = select(question, found, limit, **kwargs)
    return [e.text for e in chosen], replaced


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Hvem hjalp innkjøperne før, og hvem gjør det i dag?", True),
        ("Hvilken paragraf gjelder; og når trådte den i kraft?", True),
        ("Which rule applies, and when did it start?", True),
        ("Hvilke terskelverdier gjelder: nasjonal, EØS for staten og for andre?", True),
        ("Hva er terskelverdien for kommuner og fylkeskommuner?", False),
        ("Hvor mye skal klima og miljø vektes?", False),
    ],
)
def test_multi_part_questions_are_recognised(question, expected):
    assert is_multi_part(question) is expected


def test_headings_labels_questions_and_lone_lead_ins_are_never_units():
    text = (
        "## 8.1 Klima- og miljøhensyn som tildelingskriterier\n"
        "8.1 Klima- og miljøhensyn som tildelingskriterier\n"
        "Lenkeblokk Icon Les mer på regjeringen.no\n"
        "Kan vi kreve kortreist mat?\n"
        "De tilgjengelige produktområdene i Kriterieveiviseren er:\n"
        "\n"
        "Klima og miljø skal vektes med minst 30 prosent."
    )
    assert [u.text for u in chunk_units(text)] == ["Klima og miljø skal vektes med minst 30 prosent."]


def test_a_lead_in_that_is_a_statement_over_the_text_after_it_is_a_unit_but_one_pointing_ahead_is_not():
    text = (
        "Fra og med 1. januar 2024 er § 7-9 i anskaffelsesforskriften endret:\n"
        "§ 7-9. Klima- og miljøhensyn\n"
        "\n"
        "(2) Oppdragsgiver skal vekte klima- og miljøhensyn med minimum tretti prosent.\n"
        "Leverandøren må da oppfylle kravene i følgende:\n"
        "Kravene gjelder alle kontrakter over terskelverdien.\n"
        "Etter 2026 skal planen evalueres i sin helhet av departementet:"
    )
    assert [u.text for u in chunk_units(text)] == [
        "Fra og med 1. januar 2024 er § 7-9 i anskaffelsesforskriften endret:",
        "(2) Oppdragsgiver skal vekte klima- og miljøhensyn med minimum tretti prosent.",
        "Kravene gjelder alle kontrakter over terskelverdien.",
    ]  # the last lead-in ends the chunk: its list is in the next one


def test_a_bracket_or_quote_is_not_a_stop_and_a_line_ending_on_a_dangling_word_is_a_fragment():
    text = (
        "Veileder om lønns- og arbeidsvilkår i offentlige kontrakter (bokmål)\n"
        '"Miljø- og samfunnsansvar i offentlige anskaffelser"\n'
        "De viktigste tiltakene for å redusere klimabelastningen fra mat i kantina er å\n"
        "Kravet gjelder ikke når anskaffelsen bare har ubetydelig klima- og miljøpåvirkning (se § 7-9)."
    )
    assert [u.text for u in chunk_units(text)] == [text.split("\n")[-1]]


def test_the_title_line_of_a_plain_text_page_is_not_an_answer_unit():
    title = (
        "Innstilling fra komiteen om Riksrevisjonens undersøkelse av grønne offentlige anskaffelser i staten"
    )
    page = hit(f"{title}\nRiksrevisjonen fant at klima- og miljøhensyn sjelden ble vektlagt i anskaffelsene.")
    page.chunk.title = title
    chosen, _ = compose("Hva fant Riksrevisjonen om grønne anskaffelser?", [term("riksrevisjonen")], [page])
    assert chosen == ["Riksrevisjonen fant at klima- og miljøhensyn sjelden ble vektlagt i anskaffelsene."]


def test_a_lead_in_brings_its_list_as_one_verbatim_unit():
    text = "Planen prioriterer disse områdene:\n- transport\n- bygg og anlegg\n- plast\nDFØ følger opp planen nå."
    units = chunk_units(text)
    assert units[0].is_list and units[0].text in text and units[0].text.endswith("plast")
    assert render(units[0]) == "Planen prioriterer disse områdene: transport; bygg og anlegg; plast."
    assert [u.text for u in units[1:]] == ["DFØ følger opp planen nå."]


def test_a_sentence_left_open_before_a_list_is_its_lead_in_but_a_label_over_a_list_is_not():
    text = (
        "Veiledningen gir tre tiltak. Disse er å\n\n1. kjøpe møbler som varer lenger\n"
        "2. reparere i stedet for å kaste\n3. videreformidle\n\nMeny\n- Hjem\n- Om oss\n- Kontakt"
    )
    units = chunk_units(text)
    assert [render(u) for u in units] == [
        "Veiledningen gir tre tiltak.",
        "Disse er å kjøpe møbler som varer lenger; reparere i stedet for å kaste; videreformidle.",
    ]
    assert units[1].is_list and units[1].text in text


def test_a_table_row_is_a_unit():
    row = "Kontraktstype: Nasjonal terskelverdi; Statlige myndigheter: 1 300 000 kr"
    assert [u.text for u in chunk_units(row)] == [row]


def test_the_passage_reads_in_document_order():
    text = (
        "Handlingsplanen hadde som mål at staten skulle gå foran med et godt eksempel. "
        "Et annet mål med handlingsplanen var å gi næringslivet et marked. "
        "Handlingsplanen skulle gjøre miljøbevisste innkjøp til et verktøy i klimapolitikken."
    )
    chosen, _ = compose(
        "Hva var målet med handlingsplanen?", [term("mål"), term("handlingsplanen")], [hit(text)]
    )
    assert chosen[0].startswith("Handlingsplanen hadde som mål") and chosen[-1].startswith(
        "Handlingsplanen skulle"
    )
    shorter, _ = compose(
        "Hva var målet med handlingsplanen?", [term("mål"), term("handlingsplanen")], [hit(text)], 1
    )
    assert len(shorter) == 1


def test_lexical_answer_choice_takes_the_unit_with_the_words_semantic_the_one_with_the_meaning():
    meaning = "Leverandøren må dokumentere utslippene fra transporten."
    words = "Miljøkrav i kontrakten følges opp av innkjøperen hvert år."
    chunk_hit = hit(f"{meaning} {words}")
    close = embedding_text(chunk_hit.chunk, chunk_units(chunk_hit.chunk.text)[0])
    question_vector = EMBEDDER.embed_queries([close])[0]  # a question meaning what the first unit says
    terms = [term("miljøkrav"), term("klimagass")]  # and sharing a word with the second only

    def chosen(unit_vectors):
        found = candidates(terms, [chunk_hit], question_vector, unit_vectors)
        units, _ = select("Hvordan følges miljøkrav opp?", found, 1)
        return [e.text for e in units], found[0].similarity

    assert chosen(UnitVectors(EMBEDDER)) == ([meaning], pytest.approx(1.0))  # "semantic": coverage + meaning
    assert chosen(None) == ([words], 0.0)  # "lexical": coverage alone, no unit embedded


def test_another_part_of_a_multi_part_question_is_answered_from_another_chunk():
    first = hit(
        "I perioden 2007–2010 var det regionale knutepunkt i hvert fylke som hjalp innkjøperne med miljøkrav."
    )
    second = hit("I dag er det DFØ som gir råd om miljøkrav gjennom anskaffelser.no.", 1)
    terms = [term("hjalp", 3), term("innkjøperne", 3), term("miljøkrav", 2), term("2007"), term("dag", 1.5)]
    single, _ = compose("Hvem hjalp innkjøperne med miljøkrav i 2007?", terms, [first, second])
    multi, _ = compose("Hvem hjalp innkjøperne i 2007, og hvem gjør det i dag?", terms, [first, second])
    assert not any("DFØ" in s for s in single)  # too weak for a one-part question
    assert any("DFØ" in s for s in multi)


def test_a_question_about_now_follows_the_newest_dated_source_and_one_about_the_past_the_old():
    old = hit("Den nasjonale terskelverdien er 1,1 millioner kroner.", 0, published=date(2017, 1, 5))
    new = hit("Den nasjonale terskelverdien er 1,3 millioner kroner.", 1, published=date(2024, 2, 1))
    terms = [term("nasjonale"), term("terskelverdien")]
    now, replaced = compose("Hva er den nasjonale terskelverdien?", terms, [old, new])
    assert now == ["Den nasjonale terskelverdien er 1,3 millioner kroner."] and replaced.hit is old
    then, replaced = compose(
        "Hva var den nasjonale terskelverdien i 2017?", [*terms, term("2017")], [old, new]
    )
    assert then[0] == "Den nasjonale terskelverdien er 1,1 millioner kroner." and replaced is None


def test_an_undated_source_counts_as_recent_as_the_latest_year_it_names_up_to_today():
    old = hit("Fra 2020 er EØS-terskelverdien for kommuner 2,05 millioner kroner.", 0)
    new = hit("For 2024–2026 er EØS-terskelverdien for kommuner 2,3 millioner kroner.", 1)
    plan = hit("Planen for 2027–2030: EØS-terskelverdien for kommuner er 2,05 millioner kroner.", 2)
    terms = [term("EØS-terskelverdien"), term("kommuner")]
    question = "Hva er EØS-terskelverdien for kommuner?"
    today = date(2025, 6, 1)
    chosen, replaced = compose(question, terms, [old, new], today=today)
    assert chosen == [new.chunk.text] and replaced.hit is old
    chosen, _ = compose(question, terms, [new, old], today=today)
    assert chosen == [new.chunk.text]
    chosen, replaced = compose(question, terms, [new, plan], today=today)  # a year still to come says nothing
    assert chosen == [new.chunk.text] and replaced is None


def test_a_follow_up_does_not_repeat_the_previous_answer_and_answers_what_it_adds():
    rule = hit("Klima og miljø skal vektes med minst 30 prosent i konkurransen.", 0)
    scope = hit("Regelen om vekting gjelder også for kommuner og fylkeskommuner.", 1)
    terms = [term("kommuner", 2.0), term("klima", 0.5), term("miljø", 0.5), term("vektes", 0.5)]
    said = "Klima og miljø skal vektes med minst 30 prosent i konkurransen. [1]"
    chosen, _ = compose(
        "Gjelder det for kommuner også?", terms, [rule, scope], said=said, new_terms=frozenset({0})
    )
    assert chosen == ["Regelen om vekting gjelder også for kommuner og fylkeskommuner."]


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
        # "når" with a past verb asks for a point in time: a count is not one
        ("Når ble det startet?", "Programmet har 29 partnere.", False),
        ("Når ble det startet?", "Programmet ble startet i 2010.", True),
        ("When was Difi established?", "Difi was established on 1 January 2008.", True),
        ("Fra hvilken dato gjelder kravet?", "Kravet gjelder fra 1. juli 2024.", True),
        # "når" asking for a condition needs no digit
        ("Når er det forbudt å forhandle?", "I en åpen anbudskonkurranse er det forbudt.", True),
    ],
)
def test_a_question_for_a_number_or_a_time_needs_evidence_with_one(question, evidence, expected):
    found = candidates([term("brevet")], [hit(evidence)], VECTOR, UnitVectors(EMBEDDER))
    assert found and found[0].units, "the evidence sentence must be a unit"
    assert answers_the_kind(question, found[0].units) is expected


def test_a_time_frame_is_not_the_subject_a_chunk_covers():
    lexical = LexicalIndex.build(
        ["Nye terskelverdier trer i kraft i dag.", "Den nasjonale terskelverdien er 1,3 mill."]
    )
    terms = lexical.terms("Hva er den nasjonale terskelverdien i dag?")
    says_today = hit("Nye terskelverdier trer i kraft i dag.", 0)
    answers = hit("Den nasjonale terskelverdien er 1,3 mill. kroner.", 1)
    found = candidates(terms, [says_today, answers], VECTOR, None)
    assert found[0].hit is answers  # "i dag" in the text does not make it about today's threshold
    assert found[0].coverage == 1.0  # the whole subject: "nasjonal", "terskelverdi"
