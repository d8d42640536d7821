"""A document's own date and language when it does not state them: labelled date lines, letter datelines,
PDF/DOCX metadata; bokmål, nynorsk or English by function words. Stated metadata always wins."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.dates import date_in_text, parse_date
from ingest.language import detect_language
from ingest.loaders import load


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Publisert 12.03.2024\n\nKlima og miljø skal vektes.", date(2024, 3, 12)),
        ("Sist endret: 5. januar 2024", date(2024, 1, 5)),
        ("Oppdatert 3. mars 2022", date(2022, 3, 3)),
        ("Oslo, 14. februar 2024", date(2024, 2, 14)),
        ("Sist endra: 7. desember 2023", date(2023, 12, 7)),  # nynorsk
        ("Last updated 3 March 2022", date(2022, 3, 3)),
        ("Published on March 5, 2021", date(2021, 3, 5)),
        ("Sendt: tysdag 8. oktober 2024 14:37", date(2024, 10, 8)),
        ("**Sist endret:** 28.11.2023 · **Sideansvarlig:** Fagteamet", date(2023, 11, 28)),
        ("Dokument 3:5 (2021–2022) / Offentliggjort 03.02.2022", date(2022, 2, 3)),
        ("Publisert 12.04.2023 · Sist endret: 5. mars 2024", date(2024, 3, 5)),  # the latest wins
        ("Revidert strategi, vedtatt av kommunestyret 19. mars 2024, sak 12/24", date(2024, 3, 19)),
        ("Møte nr. 3/2024, torsdag 19. september 2024, kl. 09.00–12.00", date(2024, 9, 19)),
    ],
)
def test_labelled_dates_in_text(text, expected):
    assert date_in_text(text, today=date(2025, 1, 1)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Kravet gjelder fra 1. januar 2024.",  # when a rule applies, not when the text was written
        "Oppdatert regelverk gjelder fra 1. januar 2024.",
        "Loven av 16. juli 1999 nr. 69 gjaldt til 2016.",
        "Publisert 12.03.2031",  # in the future
        "Ingen dato her.",
    ],
)
def test_unlabelled_or_future_dates_are_not_the_document_date(text):
    assert date_in_text(text, today=date(2025, 1, 1)) is None


def test_metadata_date_values():
    assert parse_date("D:20240312101500+01'00'") == date(2024, 3, 12)
    assert parse_date("2023-04-12T08:00:00+02:00") == date(2023, 4, 12)
    assert parse_date("not a date") is None and parse_date(None) is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Kommunen har ikkje hatt ein samla strategi for innkjøp sidan førre reglement vart vedteke. Kva skal vi gjere no?",
            "nn",
        ),
        (
            "Kommunen har ikke hatt en samlet strategi for innkjøp siden forrige reglement ble vedtatt. Hva skal vi gjøre nå?",
            "nb",
        ),
        (
            "The municipality has not had a joint strategy for procurement since the last rules were adopted.",
            "en",
        ),
    ],
)
def test_language_from_function_words(text, language):
    assert detect_language(text) == language


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_text_file_gets_date_and_language_and_chunks_carry_the_date(tmp_path):
    path = write(tmp_path, "notat.txt", "Bergen, 9. januar 2017\n\nForskrifta tok til å gjelde 1. januar 2017, og ho gjeld berre "
                 "for kontraktar over tre månader. Dei som ikkje har lærlingar, kan ikkje få kontrakten.\n")  # fmt: skip
    doc = load(path, "files/notat.txt")
    assert doc.published == date(2017, 1, 9) and doc.language == "nn"
    chunks = chunk_document(doc, size=900, overlap=150)
    assert chunks and all(c.published == date(2017, 1, 9) and c.language == "nn" for c in chunks)


def test_front_matter_wins_over_the_text(tmp_path):
    text = "---\ntitle: Notat\nlanguage: nb\nvalid_from: 2020-01-01\n---\nPublisert 12.03.2024\n\nDei må ikkje gjere det.\n"
    doc = load(write(tmp_path, "n.md", text), "x/n.md")
    assert doc.published == date(2020, 1, 1) and doc.language == "nb"
    stated = load(write(tmp_path, "p.md", text.replace("valid_from", "published")), "x/p.md")
    assert stated.published == date(2020, 1, 1)


def test_the_date_is_part_of_the_chunk_id(tmp_path):
    first = load(
        write(tmp_path, "a.txt", "Publisert 12.03.2024\n\nKlima skal vektes minst 30 prosent.\n"), "x/a.txt"
    )
    second = load(
        write(tmp_path, "a.txt", "Publisert 13.03.2024\n\nKlima skal vektes minst 30 prosent.\n"), "x/a.txt"
    )
    [one] = chunk_document(first, size=900, overlap=150)
    [two] = chunk_document(second, size=900, overlap=150)
    assert one.text == two.text and one.chunk_id != two.chunk_id


def test_docx_lists_tables_and_core_date(tmp_path):
    import docx

    document = docx.Document()
    document.core_properties.created = __import__("datetime").datetime(2019, 5, 20, 9, 0)
    document.add_heading("Strategi", level=0)
    document.add_heading("Mål", level=1)
    document.add_paragraph("Kommunen har satt seg disse målene:")
    document.add_paragraph("miljøhensyn skal tas inn i alle anskaffelser", style="List Bullet")
    document.add_paragraph("rammeavtalene skal brukes der de dekker behovet", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(
        table.rows[0].cells + table.rows[1].cells,
        ["Beløpsgrense", "Beløp", "Nasjonal terskelverdi", "1,3 millioner kr"],
        strict=True,
    ):
        cell.text = text
    path = tmp_path / "s.docx"
    document.save(str(path))
    doc = load(path, "files/s.docx")
    assert doc.published == date(2019, 5, 20)
    assert "Beløpsgrense: Nasjonal terskelverdi; Beløp: 1,3 millioner kr" in doc.text.split("\n")
    [chunk] = [c for c in chunk_document(doc, size=900, overlap=150) if "målene:" in c.text]
    assert chunk.text.startswith(
        "Kommunen har satt seg disse målene:\n- miljøhensyn skal tas inn i alle anskaffelser\n- rammeavtalene"
    )
