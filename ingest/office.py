"""A DOCX file (python-docx) to text with Markdown headings, `- ` list items and table rows, in body order,
plus its core properties' title and date. Zip bombs are refused before python-docx unpacks anything."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assistant.errors import IngestError
from ingest.dates import parse_date
from ingest.tables import row_lines

MAX_ZIP_ENTRIES = 10_000


@dataclass
class DocxText:
    text: str
    title: str = ""
    published: date | None = None


def check_zip(path: Path, max_unzipped_bytes: int) -> None:
    """Refuse zip bombs before python-docx unpacks the archive (it reads every part into memory)."""
    if not zipfile.is_zipfile(path):
        raise IngestError("cannot parse .docx file: not a zip archive (another file renamed .docx?)")
    with zipfile.ZipFile(path) as archive:
        entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise IngestError(f"the DOCX archive has {len(entries):,} entries (limit {MAX_ZIP_ENTRIES:,})")
    # zipfile never inflates an entry beyond its declared size, so the declared sizes bound the memory used.
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > max_unzipped_bytes:
        raise IngestError(
            f"the DOCX archive unpacks to {unzipped:,} bytes, more than the limit of "
            f"{max_unzipped_bytes:,} (max_unzipped_bytes); possibly a zip bomb"
        )


def read_docx(path: Path, max_unzipped_bytes: int) -> DocxText:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(path, max_unzipped_bytes)
    document = docx.Document(str(path))
    blocks: list[str] = []
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            blocks.append(_paragraph(Paragraph(element, document)))
        elif tag == "tbl":
            table = Table(element, document)
            rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows]
            blocks.extend(row_lines(rows, has_header=True))
    properties = document.core_properties
    return DocxText(
        text=_join(blocks),
        title=(properties.title or "").strip(),
        published=parse_date(properties.created) or parse_date(properties.modified),
    )


def _paragraph(paragraph) -> str:
    text = " ".join(paragraph.text.split())
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    level = re.match(r"Heading (\d)", style)
    if not text:
        return ""
    if style == "Title":
        return f"# {text}"
    if level:
        return f"{'#' * min(int(level.group(1)) + 1, 6)} {text}"
    if style.startswith("List"):
        return f"- {text}"
    return text


def _join(blocks: list[str]) -> str:
    """Blank lines between blocks; consecutive list items on consecutive lines, as one list."""
    out: list[str] = []
    for block in blocks:
        if not block:
            continue
        if out and block.startswith("- ") and out[-1].split("\n")[-1].startswith("- "):
            out[-1] = f"{out[-1]}\n{block}"
        else:
            out.append(block)
    return "\n\n".join(out)
