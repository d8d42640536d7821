"""Loaders and heading-aware chunking."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest

from assistant.errors import IngestError
from ingest.chunking import chunk_document, sections, unwrap
from ingest.loaders import load

MD = """---
title: "Terskelverdier"
source: "https://anskaffelser.no/terskel"
valid_from: 2024-01-01
valid_to:
language: nb
kind: law
---
# Terskelverdier

## Nasjonal terskelverdi

Den nasjonale terskelverdien er 1,3 millioner
kroner ekskl. mva.

## EØS-terskelverdier

### Staten

EØS-terskelverdien for statlige vare- og tjenestekjøp er 1,49 millioner kroner.
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_markdown_front_matter_becomes_metadata(tmp_path):
    doc = load(write(tmp_path, "t.md", MD), "corpus/t.md")
    assert doc.title == "Terskelverdier"
    assert doc.source == "https://anskaffelser.no/terskel"
    assert doc.valid_from == date(2024, 1, 1) and doc.valid_to is None
    assert doc.kind == "law" and doc.language == "nb"


def test_chunks_keep_heading_path_and_metadata(tmp_path):
    doc = load(write(tmp_path, "t.md", MD), "corpus/t.md")
    chunks = chunk_document(doc, size=900, overlap=150)
    by_section = {c.section: c for c in chunks}
    assert set(by_section) == {"Nasjonal terskelverdi", "EØS-terskelverdier > Staten"}
    national = by_section["Nasjonal terskelverdi"]
    assert national.text == "Den nasjonale terskelverdien er 1,3 millioner kroner ekskl. mva."  # unwrapped
    assert national.valid_from == date(2024, 1, 1) and national.kind == "law"


def test_chunk_ids_are_stable_and_change_with_content(tmp_path):
    doc = load(write(tmp_path, "t.md", MD), "corpus/t.md")
    first = [c.chunk_id for c in chunk_document(doc, size=900, overlap=150)]
    again = [c.chunk_id for c in chunk_document(doc, size=900, overlap=150)]
    changed = load(write(tmp_path, "t.md", MD.replace("1,49", "1,50")), "corpus/t.md")
    third = [c.chunk_id for c in chunk_document(changed, size=900, overlap=150)]
    assert first == again
    assert first[0] == third[0] and first[1] != third[1]


def test_long_sections_split_with_overlap(tmp_path):
    body = " ".join(f"Setning nummer {i} handler om miljøkrav i anskaffelser." for i in range(60))
    doc = load(write(tmp_path, "long.md", f"# Lang\n\n## Del\n\n{body}\n"), "x/long.md")
    chunks = chunk_document(doc, size=400, overlap=100)
    assert len(chunks) > 3 and all(len(c.text) <= 400 for c in chunks)
    for before, after in itertools.pairwise(chunks):
        assert after.text[:30] in before.text  # neighbours overlap


def test_sidecar_metadata_for_text_files(tmp_path):
    write(tmp_path, "brev.txt", "Regjeringen lanserte i juni 2007 en handlingsplan.\n")
    write(tmp_path, "brev.txt.meta.yaml", "title: Brevet\nkind: letter\nvalid_from: 2007-06-01\n")
    doc = load(tmp_path / "brev.txt", "x/brev.txt")
    assert (doc.title, doc.kind, doc.valid_from) == ("Brevet", "letter", date(2007, 6, 1))


def test_html_drops_scripts_and_keeps_headings(tmp_path):
    html = (
        "<html><head><title>Side</title><script>alert('x')</script></head><body>"
        "<h2>Miljø</h2><p>Klima skal vektes minst 30 prosent.</p><style>p{}</style></body></html>"
    )
    doc = load(write(tmp_path, "s.html", html), "x/s.html")
    assert doc.title == "Side" and "alert" not in doc.text and "## Miljø" in doc.text


def test_docx_headings(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Veileder", level=0)
    document.add_heading("Livssykluskostnader", level=1)
    document.add_paragraph("LCC betyr at kjøpspris, drift, energi og avhending vurderes samlet.")
    path = tmp_path / "v.docx"
    document.save(str(path))
    doc = load(path, "x/v.docx")
    assert doc.title == "Veileder"
    assert [s for s, _ in sections(doc.text)] == [["Veileder", "Livssykluskostnader"]]


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with one line of Helvetica text, built by hand (no PDF writer library needed)."""
    stream = f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_pdf_text_is_read_without_page_markers(tmp_path):
    doc = load(write(tmp_path, "plan.pdf", minimal_pdf("Klima skal vektes minst 30 prosent.")), "x/plan.pdf")
    assert "Klima skal vektes minst 30 prosent." in doc.text and "Side 1" not in doc.text
    chunks = chunk_document(doc, size=900, overlap=150)
    assert chunks[0].section == "" and chunks[0].title == "plan"


def test_pdf_without_text_is_an_error(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    path = tmp_path / "blank.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    with pytest.raises(IngestError, match="no text"):
        load(path, "x/blank.pdf")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.pdf", b"this is not a pdf", "cannot parse .pdf"),
        ("bad.docx", b"PK\x03\x04 broken zip", "cannot parse .docx"),
        ("empty.md", b"", "no text"),
        ("binary.txt", b"\x00\x01\x02" * 100, "binary"),
        ("front.md", b"---\n- a list\n---\nText", "front matter"),
        ("date.md", b"---\nvalid_from: someday\n---\nText", "valid_from"),
    ],
)
def test_unreadable_files_raise_ingest_error_with_reason(tmp_path, name, content, reason):
    with pytest.raises(IngestError, match=reason):
        load(write(tmp_path, name, content), f"x/{name}")


def test_unwrap_keeps_lists_and_paragraphs():
    text = "Første linje\nfortsetter her.\n\n- punkt én\n- punkt to\n\nNytt avsnitt."
    assert unwrap(text) == "Første linje fortsetter her.\n\n- punkt én\n- punkt to\n\nNytt avsnitt."
