"""A PDF's text (pypdf) as one flowing text, with its metadata title and date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assistant.errors import IngestError
from ingest.dates import parse_date


@dataclass
class PdfText:
    text: str
    title: str = ""
    published: date | None = None


def read_pdf(path: Path) -> PdfText:
    from pypdf import PdfReader

    with open(path, "rb") as fh:
        if b"%PDF-" not in fh.read(1024):
            raise IngestError("cannot parse .pdf file: no %PDF header (another file renamed .pdf?)")
    reader = PdfReader(str(path))
    pages = [(page.extract_text() or "").strip() for page in reader.pages]
    info = reader.metadata or {}
    published = parse_date(info.get("/CreationDate")) or parse_date(info.get("/ModDate"))
    return PdfText("\n\n".join(p for p in pages if p), str(info.get("/Title") or ""), published)
