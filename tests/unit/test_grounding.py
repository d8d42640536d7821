"""Grounding of chat-model sentences by words and by meaning, with the real default embedding model.

The sources are sections of corpus/ (text we wrote); the answer sentences are hand-written paraphrases of the
kind a chat model writes: other words, same claim, or the same words with a number or a negation changed.
"""

from __future__ import annotations

import pytest

from assistant.config import DEFAULT_EMBEDDING_MODEL
from assistant.core.grounding import Checked, check, ground, negated, numbers, qualifies, support
from assistant.core.units import UnitVectors
from assistant.models import Chunk
from assistant.search.embeddings import get_embedder

SVANEMERKET = Chunk(
    chunk_id="faq-svanemerket",
    doc_id="corpus/16_ofte_stilte_sporsmal.md",
    title="Ofte stilte spørsmål om grønne offentlige anskaffelser",
    section="Ofte stilte spørsmål > Kan vi kreve Svanemerket?",
    text=(
        "Ja, en offentlig innkjøper kan kreve kriteriene bak Svanemerket og godta Svanemerket som "
        "dokumentasjon, men innkjøperen må også godta tilsvarende miljømerker og annen dokumentasjon. "
        "Regelen om å godta tilsvarende merker og annen dokumentasjon står i forskrift om offentlige "
        "anskaffelser §§ 8-6 og 15-3. Det samme gjelder EU Ecolabel (Blomsten). Både Svanemerket og EU "
        "Ecolabel forvaltes i Norge av Miljømerking Norge."
    ),
)
ANDRE_MERKER = Chunk(
    chunk_id="faq-andre-merker",
    doc_id="corpus/16_ofte_stilte_sporsmal.md",
    title="Ofte stilte spørsmål om grønne offentlige anskaffelser",
    section="Ofte stilte spørsmål > Må vi godta andre miljømerker enn Svanemerket?",
    text=(
        "Ja, en offentlig innkjøper må godta tilsvarende miljømerker og annen dokumentasjon som viser at de "
        "samme kravene er oppfylt, selv om kravene bygger på kriteriene bak Svanemerket. En leverandør som "
        "dokumenterer det samme med et likeverdig merke eller annen dokumentasjon, skal altså ikke avvises "
        "fordi varen mangler Svanemerket. Dette følger av forskrift om offentlige anskaffelser §§ 8-6 og "
        "15-3. Det samme gjelder for EU Ecolabel (Blomsten)."
    ),
)
VEKTING = Chunk(
    chunk_id="faq-vekting",
    doc_id="corpus/16_ofte_stilte_sporsmal.md",
    title="Ofte stilte spørsmål om grønne offentlige anskaffelser",
    section="Ofte stilte spørsmål > Hvor mye må klima og miljø vektes i en anskaffelse?",
    text=(
        "Klima og miljø skal vektes med minst 30 prosent når klima og miljø brukes som tildelingskriterium, "
        "etter forskrift om offentlige anskaffelser § 7-9 fra 1. januar 2024. I stedet for 30 prosent "
        "vekting kan innkjøperen stille klima- og miljøkrav i kravspesifikasjonen hvis det klart gir et "
        "bedre klima- og miljøresultat, og valget må begrunnes. Kravet gjelder ikke når anskaffelsen bare "
        "har ubetydelig klima- og miljøpåvirkning."
    ),
)
SOURCES = [SVANEMERKET, ANDRE_MERKER, VEKTING]
CAVEAT = "Dere må likevel akseptere likeverdige merker og annen dokumentasjon som viser det samme."


@pytest.fixture(scope="module")
def by_meaning():
    embedder = get_embedder(DEFAULT_EMBEDDING_MODEL)
    vectors = UnitVectors(embedder)

    def run(text: str, sources: list[Chunk] = SOURCES) -> Checked:
        return check(text, sources, embedder=embedder, unit_vectors=vectors)

    return run


def kept(checked: Checked) -> list[str]:
    return [item.sentence for item in checked.kept]


@pytest.mark.slow
def test_a_faithful_paraphrase_of_the_caveat_is_supported_by_meaning(by_meaning):
    # "akseptere likeverdige", where the source says "godta tilsvarende": too few shared words
    assert support(CAVEAT, SVANEMERKET) < 0.5
    assert ground(CAVEAT.rstrip(".") + " [1].", SOURCES) == []
    checked = by_meaning("Ja, dere kan kreve Svanemerket [1]. " + CAVEAT.rstrip(".") + " [1].")
    assert kept(checked) == ["Ja, dere kan kreve Svanemerket.", CAVEAT] and not checked.dropped
    snippet = checked.kept[1].snippets[0]
    assert snippet in SVANEMERKET.text and "godta tilsvarende" in snippet


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sentence", "cited"),
    [
        ("Dere kan stille krav basert på kriteriene til Svanemerket og bruke merket som bevis.", 1),
        ("Tilbydere med et likeverdig merke kan ikke forkastes bare fordi Svanemerket mangler.", 2),
        ("Regelen gjelder likevel ikke innkjøp med ubetydelig miljøpåvirkning.", 3),
    ],
)
def test_paraphrases_are_kept_with_a_verbatim_snippet_that_says_the_same(by_meaning, sentence, cited):
    checked = by_meaning(f"{sentence.rstrip('.')} [{cited}].")
    assert kept(checked) == [sentence]
    assert checked.kept[0].snippets[0] in SOURCES[cited - 1].text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sentence", "cited"),
    [
        ("En leverandør med et likeverdig merke kan avvises fordi varen mangler Svanemerket.", 2),  # negation
        ("Dere trenger ikke å godta andre merker eller annen dokumentasjon.", 1),  # negation added
        ("Kravet gjelder også når anskaffelsen bare har ubetydelig klima- og miljøpåvirkning.", 3),
        ("Klima og miljø skal vektes med minst 20 prosent når det er et tildelingskriterium.", 3),  # number
        ("Reglene står i forskrift om offentlige anskaffelser §§ 8-7 og 15-3.", 1),  # number
    ],
)
def test_a_changed_number_or_flipped_negation_is_not_supported(by_meaning, sentence, cited):
    checked = by_meaning(f"{sentence.rstrip('.')} [{cited}].")
    assert checked.kept == [] and checked.dropped == [sentence]


@pytest.mark.slow
@pytest.mark.parametrize(
    "sentence",
    [
        "Dere må likevel sørge for at kontrakten godkjennes av kommunestyret.",
        "Merket koster leverandøren omtrent det samme som en ISO-sertifisering.",
        "Ta gjerne kontakt hvis du har flere spørsmål.",
        "Unntak gjelder kun dersom departementet godkjenner det.",
    ],
)
def test_an_invented_sentence_on_the_same_subject_is_not_supported(by_meaning, sentence):
    assert kept(by_meaning(f"{sentence.rstrip('.')} [1].")) == []


@pytest.mark.slow
def test_a_dropped_caveat_is_a_lost_qualification_and_dropped_filler_is_not(by_meaning):
    invented = by_meaning(
        "Ja, dere kan kreve Svanemerket [1]. Dere må likevel få kontrakten godkjent av KS [1]."
    )
    assert kept(invented) == ["Ja, dere kan kreve Svanemerket."] and invented.drops_a_qualification
    filler = by_meaning("Ja, dere kan kreve Svanemerket [1]. Lykke til med anskaffelsen!")
    assert filler.dropped == ["Lykke til med anskaffelsen!"] and not filler.drops_a_qualification
    uncited = by_meaning("Ja, dere kan kreve Svanemerket [1]. Men dere må godta tilsvarende merker.")
    assert uncited.drops_a_qualification  # a caveat without a citation is dropped, and so is the answer


def test_citation_after_the_full_stop_stays_with_its_sentence():
    checked = check("Klima og miljø skal vektes med minst 30 prosent. [3] Månen er av ost. [3]", SOURCES)
    assert kept(checked) == ["Klima og miljø skal vektes med minst 30 prosent."]
    assert checked.dropped == ["Månen er av ost."]


def test_numbers_are_compared_however_they_are_written():
    assert numbers("1 300 000 kroner, 1,3 millioner, FOR-2016-08-12") == {"1300000", "1.3", "2016", "8", "12"}
    assert numbers("minst 30 prosent fra 2024 og 100 000 kroner") == {"30", "2024", "100000"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kravet gjelder ikke for små kjøp.", True),
        ("Reglane gjeld ikkje då.", True),
        ("The rule does not apply.", True),
        ("It doesn't apply.", True),
        ("There is no exception.", True),
        ("Reglane gjeld no for alle kommunar.", False),  # nynorsk "no" is "now"
        ("Kravet gjelder for alle.", False),
    ],
)
def test_negation(text, expected):
    assert negated(text) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (CAVEAT, True),
        ("Det finnes unntak fra kravet.", True),
        ("Dette gjelder med mindre anskaffelsen er liten.", True),
        ("However, you must also accept equivalent labels.", True),
        ("Innkjøperen må i tillegg godta annen dokumentasjon.", True),
        ("Dere må også godta tilsvarende merker.", True),
        ("Svanemerket forvaltes av Miljømerking Norge.", False),
        ("Lykke til med anskaffelsen!", False),
    ],
)
def test_qualifications(sentence, expected):
    assert qualifies(sentence) is expected
