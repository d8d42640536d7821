"""HTML pages: main text only, headings as the section path, lists with their lead-in, tables as rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.errors import IngestError
from ingest.chunking import chunk_document
from ingest.html import strip_site_suffix
from ingest.loaders import load

PAGE = """<!DOCTYPE html>
<html lang="nb"><head><meta charset="utf-8">
<title>Klima og miljø i anskaffelser | anskaffelser.no</title>
<meta property="og:url" content="https://anskaffelser.no/klima-og-miljo">
<link rel="canonical" href="https://anskaffelser.no/klima-og-miljo">
<meta property="article:published_time" content="2023-04-12T08:00:00+02:00">
</head><body>
<a href="#main" class="skip-link">Hopp til hovedinnhold</a>
<div id="cookie-banner" class="cookie-consent"><p>Vi bruker informasjonskapsler (cookies) for å forbedre
nettstedet.</p><button>Godta alle</button></div>
<header><nav class="main-menu"><ul><li><a href="/">Forside</a></li><li><a href="/tema">Tema</a></li>
<li><a href="/verktoy">Verktøy</a></li></ul></nav></header>
<nav class="breadcrumb"><ol><li><a href="/">Forside</a></li><li><a href="/tema">Tema</a></li></ol></nav>
<main id="main"><article>
<h1>Klima og miljø i anskaffelser</h1>
<p>Offentlige oppdragsgivere skal legge vekt på klima og miljø i alle anskaffelser der det er relevant.
Kravet følger av anskaffelsesforskriften § 7-9.</p>
<h2>8.1 Klima- og miljøhensyn som tildelingskriterier</h2>
<p>Når klima og miljø brukes som tildelingskriterium, skal det som hovedregel vektes med minimum 30 prosent.</p>
<p>De tilgjengelige produktområdene i Kriterieveiviseren er:</p>
<ul><li>Bygg og anlegg</li><li>Transport og kjøretøy</li><li>Mat og drikke</li><li>IKT og elektronikk</li></ul>
<h2>Terskelverdier</h2>
<p>Tabellen viser gjeldende terskelverdier.</p>
<table><thead><tr><th>Oppdragsgiver</th><th>Terskelverdi</th></tr></thead>
<tbody><tr><td>Statlige myndigheter</td><td>1,49 millioner kroner</td></tr>
<tr><td>Kommuner og fylkeskommuner</td><td>2,3 millioner kroner</td></tr></tbody></table>
<p><strong>Unntak for forsyningssektorene</strong></p>
<p>For forsyningssektorene gjelder egne terskelverdier som er høyere enn for andre oppdragsgivere.</p>
<div class="share"><a href="#">Del på Facebook</a> <a href="javascript:print()">Skriv ut</a></div>
<aside class="related"><h2>Les også</h2><ul><li><a href="/a">Miljømerker</a></li></ul></aside>
<div class="link-block"><h3>Lenkeblokk</h3><a href="https://regjeringen.no">Icon Les mer på regjeringen.no</a></div>
</article></main>
<a href="#top">Til toppen</a>
<footer><p>Direktoratet for forvaltning og økonomistyring (DFØ)</p><p>Postboks 7154 St. Olavs plass</p></footer>
</body></html>"""

FURNITURE = (
    "Hopp til", "informasjonskapsler", "Godta", "Forside", "Verktøy", "Del på", "Skriv ut", "Les også",
    "Miljømerker", "Lenkeblokk", "Icon", "Til toppen", "Postboks", "DFØ",
)  # fmt: skip


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def page(tmp_path):
    return load(write(tmp_path, "klima.html", PAGE), "web/klima.html")


def test_page_keeps_main_text_and_drops_furniture(page):
    assert "skal legge vekt på klima og miljø" in page.text
    for furniture in FURNITURE:
        assert furniture not in page.text, furniture


def test_title_without_site_suffix_and_canonical_source(page):
    assert page.title == "Klima og miljø i anskaffelser"
    assert page.source == "https://anskaffelser.no/klima-og-miljo"
    assert page.published == date(2023, 4, 12) and page.language == "nb"


def test_sidecar_source_wins_over_the_canonical_link(tmp_path):
    write(tmp_path, "klima.html", PAGE)
    write(tmp_path, "klima.html.meta.yaml", "source: https://example.org/kopi\npublished: 2020-01-02\n")
    doc = load(tmp_path / "klima.html", "web/klima.html")
    assert doc.source == "https://example.org/kopi" and doc.published == date(2020, 1, 2)


def test_headings_are_sections_not_text(page):
    chunks = chunk_document(page, size=900, overlap=150)
    sections = {c.section for c in chunks}
    assert "8.1 Klima- og miljøhensyn som tildelingskriterier" in sections
    assert "Terskelverdier > Unntak for forsyningssektorene" in sections  # a bold-only paragraph
    for chunk in chunks:
        assert "8.1 Klima" not in chunk.text and "Unntak for forsyningssektorene" not in chunk.text


def test_list_stays_with_its_lead_in(page):
    chunks = chunk_document(page, size=900, overlap=150)
    [chunk] = [c for c in chunks if "Kriterieveiviseren er:" in c.text]
    assert chunk.text.endswith(
        "er:\n- Bygg og anlegg\n- Transport og kjøretøy\n- Mat og drikke\n- IKT og elektronikk"
    )


def test_table_rows_read_as_sentences_with_header_names(page):
    assert "Oppdragsgiver: Statlige myndigheter; Terskelverdi: 1,49 millioner kroner" in page.text.split("\n")
    assert "Oppdragsgiver: Kommuner og fylkeskommuner; Terskelverdi: 2,3 millioner kroner" in page.text.split(
        "\n"
    )


def test_page_without_a_content_container_keeps_its_headings(tmp_path):
    # trafilatura runs such headings into the text ("Miljø Klima skal …"); the visible-text reader is used
    html = "<html><body><h2>Miljø</h2><p>Klima skal vektes minst 30 prosent.</p></body></html>"
    doc = load(write(tmp_path, "s.html", html), "x/s.html")
    assert doc.text == "## Miljø\n\nKlima skal vektes minst 30 prosent."


def test_visible_date_line_later_than_the_markup_date_wins(tmp_path):
    html = PAGE.replace("<h1>Klima og miljø i anskaffelser</h1>", "<h1>Klima og miljø i anskaffelser</h1>"
                        "<p>Publisert 12.04.2023 · Sist endret: 5. mars 2024</p>")  # fmt: skip
    assert load(write(tmp_path, "k.html", html), "x/k.html").published == date(2024, 3, 5)


def test_page_of_only_furniture_is_a_clear_error(tmp_path):
    html = (
        "<html><head><title>Forside</title></head><body><nav><a href='/'>Forside</a></nav>"
        "<div class='cookie-banner'>Vi bruker informasjonskapsler.</div><p><a href='#'>Til toppen</a></p>"
        "<footer>DFØ, Postboks 7154</footer></body></html>"
    )
    with pytest.raises(IngestError, match="only menus"):
        load(write(tmp_path, "tom.html", html), "x/tom.html")


def test_nynorsk_page_is_detected():
    from ingest.language import detect_language

    text = "Kravet gjeld òg utanlandske bedrifter. Dei må anten bli godkjende, eller ha med seg lærlingar frå heimlandet. Det er ikkje nok."
    assert detect_language(text) == "nn"
    assert (
        detect_language("Kravet gjelder også utenlandske bedrifter. De må ikke ha lærlinger fra Norge.")
        == "nb"
    )
    assert (
        detect_language("The contracting authority must accept equivalent labels and other evidence.") == "en"
    )


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Klima og miljø | anskaffelser.no", "Klima og miljø"),
        ("Ny bestemmelse fra 1. mai 2017 | Fagforum | Kluge", "Ny bestemmelse fra 1. mai 2017"),
        ("Terskelverdier", "Terskelverdier"),
    ],
)
def test_site_suffix_is_stripped(title, expected):
    assert strip_site_suffix(title) == expected


def test_visible_text_reader_keeps_lists_and_table_rows():
    # the reader for pages where trafilatura finds no main text: items and header-named rows as well
    from ingest.boilerplate import drop_boilerplate, visible_text

    html = (
        "<html><body><h2>Terskler</h2><p>Grensene er:</p><ul><li>nasjonal terskel</li><li>EØS-terskel</li></ul>"
        "<table><caption>Beløp</caption><tr><th>Grense</th><th>Beløp</th></tr>"
        "<tr><td>Nasjonal</td><td>1,3 millioner kr</td></tr></table>"
        "<div class='share'>Del på Facebook</div><p>Til toppen</p></body></html>"
    )
    assert drop_boilerplate(visible_text(html)) == (
        "## Terskler\n\nGrensene er:\n\n- nasjonal terskel\n- EØS-terskel\n\nBeløp\n\nGrense: Nasjonal; Beløp: 1,3 millioner kr"
    )
