"""PDFs: running headers/footers and page numbers dropped, hyphenation joined, pages flow into paragraphs,
headings (larger or bold font, numbered) become the section path."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from assistant.errors import IngestError
from ingest.chunking import chunk_document
from ingest.loaders import load

fpdf = pytest.importorskip("fpdf")

PARAGRAPH_1 = [  # hard-wrapped lines, the way a PDF holds them; "anskaf-/felser" is hyphenated at a line end
    "Offentlige oppdragsgivere skal ta hensyn til klima og miljø i alle anskaf-",
    "felser der det er relevant. Kravet gjelder også for EØS-",
    "terskelverdier og for bygge-",
    "og anleggskontrakter som kommunen inngår i perioden.",
]
PARAGRAPH_2 = [
    "Klima og miljø skal vektes med minst 30 prosent når det brukes som et",
    "tildelingskriterium i konkurransen.",
]


def build_pdf(
    path: Path, pages: list[list[tuple[str, str]]], *, header: bool = True, title: str = ""
) -> Path:
    """Pages of (style, text) lines; style "h1"/"h2" is a larger bold heading, "body" body text. Every page
    gets a running header and a "Side N av M" footer, as office PDFs have."""
    pdf = fpdf.FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"  # Helvetica with "•"
    pdf.set_auto_page_break(False)
    if title:
        pdf.set_title(title)
    pdf.set_creation_date(datetime(2023, 5, 4, tzinfo=UTC))
    for number, lines in enumerate(pages, 1):
        pdf.add_page()
        if header:
            pdf.set_font("Helvetica", size=8)
            pdf.set_xy(20, 10)
            pdf.cell(0, 5, "Veileder om klimakrav | Innkjøpssamarbeidet Vestfjord")
        pdf.set_xy(20, 25)
        for style, text in lines:
            size, weight = {"h1": (16, "B"), "h2": (13, "B"), "body": (10.5, "")}[style]
            pdf.set_font("Helvetica", weight, size)
            pdf.set_x(20)
            pdf.cell(0, size * 0.6, text, new_x="LMARGIN", new_y="NEXT")
            if style != "body":
                pdf.ln(2)
        pdf.set_font("Helvetica", size=8)
        pdf.set_xy(20, 285)
        pdf.cell(0, 5, f"Side {number} av {len(pages)}")
    pdf.output(str(path))
    return path


@pytest.fixture
def guide(tmp_path):
    pages = [
        [("h1", "Klimakrav i anskaffelser"), ("h2", "1 Hovedregelen")]
        + [("body", line) for line in PARAGRAPH_1],
        [("body", line) for line in PARAGRAPH_2]
        + [("h2", "2 Unntak"), ("body", "Unntakene er:"), ("body", "• når klimaavtrykket er uvesentlig"),
           ("body", "• når krav i kravspesifikasjonen gir bedre effekt")],
        [("h2", "3 Innhold i rapporten"), ("body", "Bakgrunn ........................ 3"),
         ("body", "Oppdragsgiver skal dokumentere valget i anskaffelsesprotokollen.")],
    ]  # fmt: skip
    return load(build_pdf(tmp_path / "klima.pdf", pages), "files/klima.pdf")


def test_running_header_footer_and_page_numbers_are_dropped(guide):
    for furniture in ("Innkjøpssamarbeidet Vestfjord", "Side 1 av 3", "Side 2", "## Side"):
        assert furniture not in guide.text, furniture


def test_hyphenation_is_joined_and_real_hyphens_kept(guide):
    assert "alle anskaffelser der det er relevant" in guide.text
    assert "EØS-terskelverdier" in guide.text and "bygge- og anleggskontrakter" in guide.text


def test_wrapped_lines_and_pages_flow_into_paragraphs(guide):
    assert (
        "Kravet gjelder også for EØS-terskelverdier og for bygge- og anleggskontrakter som kommunen inngår i perioden."
        in guide.text
    )
    # the paragraph on page 2 is its own paragraph, not glued to the one that ended page 1
    assert (
        "\n\nKlima og miljø skal vektes med minst 30 prosent når det brukes som et tildelingskriterium i konkurransen."
        in guide.text
    )


def test_table_of_contents_leader_lines_are_dropped(guide):
    assert "......" not in guide.text and "Bakgrunn" not in guide.text


def test_font_headings_are_sections_never_text(guide):
    assert guide.title == "Klimakrav i anskaffelser"  # the largest heading, as the PDF has no /Title
    chunks = chunk_document(guide, size=900, overlap=150)
    assert {c.section for c in chunks} >= {"1 Hovedregelen", "2 Unntak", "3 Innhold i rapporten"}
    for chunk in chunks:
        assert "Hovedregelen" not in chunk.text and "2 Unntak" not in chunk.text


def test_pdf_list_stays_with_its_lead_in(guide):
    [chunk] = [c for c in chunk_document(guide, size=900, overlap=150) if c.section == "2 Unntak"]
    assert (
        chunk.text
        == "Unntakene er:\n- når klimaavtrykket er uvesentlig\n- når krav i kravspesifikasjonen gir bedre effekt"
    )


def test_pdf_metadata_title_and_date(tmp_path):
    path = build_pdf(
        tmp_path / "m.pdf", [[("body", "Klima skal vektes minst 30 prosent.")]], title="Notat om vekting"
    )
    doc = load(path, "files/m.pdf")
    assert doc.title == "Notat om vekting" and doc.published == date(2023, 5, 4)


def test_dated_text_line_beats_the_pdf_file_date(tmp_path):
    lines = [("body", "Bergen, 14. februar 2024"), ("body", "Klima skal vektes minst 30 prosent.")]
    assert load(build_pdf(tmp_path / "b.pdf", [lines]), "files/b.pdf").published == date(2024, 2, 14)


def test_pdf_of_only_headers_and_footers_is_a_clear_error(tmp_path):
    path = build_pdf(tmp_path / "tom.pdf", [[], [], []])
    with pytest.raises(IngestError, match="only running headers"):
        load(path, "files/tom.pdf")


def test_pdf_table_rows_carry_their_header_names(tmp_path):
    pdf = fpdf.FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.add_page()
    pdf.set_font("Helvetica", size=10.5)
    pdf.set_xy(20, 20)
    pdf.cell(0, 6, "Tabellen viser terskelverdiene:")
    rows = [
        ("Beløpsgrense", "Beløp", "Konsekvens"),
        ("Nasjonal terskelverdi", "1 300 000 kr", "Kunngjøring i Doffin"),
        ("EØS-terskelverdi", "2 300 000 kr", "Kunngjøring i hele EØS"),
    ]
    for number, row in enumerate(rows):
        pdf.set_font("Helvetica", "B" if number == 0 else "", 9)
        for column, text in enumerate(row):
            pdf.set_xy(20 + 60 * column, 32 + 8 * number)
            pdf.cell(55, 6, text)
    pdf.set_font("Helvetica", size=10.5)
    pdf.set_xy(20, 62)
    pdf.cell(0, 6, "Beløpene gjelder fra 1. januar 2024.")
    path = tmp_path / "tabell.pdf"
    pdf.output(str(path))
    lines = load(path, "files/tabell.pdf").text.split("\n")
    assert (
        "Beløpsgrense: Nasjonal terskelverdi; Beløp: 1 300 000 kr; Konsekvens: Kunngjøring i Doffin" in lines
    )
    assert "Beløpsgrense: EØS-terskelverdi; Beløp: 2 300 000 kr; Konsekvens: Kunngjøring i hele EØS" in lines
