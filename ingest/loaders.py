"""Read one file into a `Document`: text with Markdown-style headings plus metadata.

Supports .md (YAML front matter), .txt, .html/.htm (`ingest.html`), .pdf (`ingest.pdf`) and .docx
(`ingest.office`). Metadata comes from front matter or a sidecar file `<name>.meta.yaml` / `<name>.meta.json`
beside the document; what the file says of itself (a page's title, canonical URL and date, a PDF's or DOCX's
metadata) fills what those leave out. A document's date (`published`) is the stated one (`published`, `date`
or `valid_from`), else the page markup's, else a labelled date in its text (`ingest.dates`), else the file's
metadata date; its language the stated one, else the one its function words show (`ingest.language`).
Every failure is raised as `IngestError` with the reason; nothing here touches the store.

Hostile files are refused before a parser sees them: files over `Limits.max_bytes`, PDFs and DOCX files whose
first bytes are not a PDF header / zip archive, and DOCX archives that would unpack to more than
`Limits.max_unzipped_bytes` or hold more than `MAX_ZIP_ENTRIES` entries (zip bombs). Text files are decoded
by their byte-order mark (UTF-8/16/32), else as UTF-8, else as Windows-1252; text that is still mostly control
characters is refused as binary. HTML keeps only its main text (no scripts, styles, attributes, comments,
menus or footers); a page or PDF with nothing but such furniture is refused as having no text.
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import IngestError
from ingest.boilerplate import drop_boilerplate
from ingest.dates import date_in_text
from ingest.html import read_html
from ingest.language import detect_language
from ingest.office import MAX_ZIP_ENTRIES, read_docx  # noqa: F401  (MAX_ZIP_ENTRIES: part of this API)
from ingest.pdf import read_pdf

SUPPORTED = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}
META_FIELDS = ("title", "source", "valid_from", "valid_to", "language", "kind", "published", "date")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Limits:
    """Size limits checked before parsing (from the settings `max_document_bytes`, `max_unzipped_bytes`)."""

    max_bytes: int = 50_000_000
    max_unzipped_bytes: int = 100_000_000


@dataclass
class Document:
    doc_id: str
    path: Path
    text: str
    title: str
    source: str  # stated, or the page's canonical URL; else the document id, the same by any path spelling
    kind: str = "document"
    language: str = "nb"
    valid_from: date | None = None
    valid_to: date | None = None
    published: date | None = (
        None  # the document's own date (stated, or found in its markup, text or metadata)
    )
    extra: dict[str, Any] = field(default_factory=dict)


def is_document(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED and not path.name.startswith(".")


def load(path: Path, doc_id: str, limits: Limits | None = None) -> Document:
    """Read a supported file; raise IngestError naming the reason when it cannot be read."""
    suffix = path.suffix.lower()
    _check_size(path, limits or Limits())
    found: dict[str, Any] = {}  # what the file itself says (page title, canonical URL, dates): stated wins
    try:
        if suffix in {".md", ".markdown"}:
            meta, text = _split_front_matter(_read_text(path))
        elif suffix == ".txt":  # often a copy of a web page: its menu and share lines go as in HTML
            meta, text = {}, drop_boilerplate(_read_text(path))
        elif suffix in {".html", ".htm"}:
            page = read_html(_read_text(path))
            meta, text = {}, page.text
            found = {"title": page.title, "source": page.source, "markup_date": page.published}
        elif suffix == ".pdf":
            pdf = read_pdf(path)
            meta, text = {}, pdf.text
            found = {"title": pdf.title, "file_date": pdf.published}
        elif suffix == ".docx":
            office = read_docx(path, (limits or Limits()).max_unzipped_bytes)
            meta, text = {}, office.text
            found = {"title": office.title, "file_date": office.published}
        else:
            raise IngestError(f"unsupported file type {suffix!r}")
    except IngestError:
        raise
    except Exception as exc:  # parsers raise a zoo of types for damaged files
        raise IngestError(f"cannot parse {suffix} file: {exc}") from exc
    meta = {**meta, **_sidecar(path)}
    if not text.strip():
        raise IngestError(_empty_reason(suffix))
    return _document(path, doc_id, text, meta, found)


def _empty_reason(suffix: str) -> str:
    if suffix in {".html", ".htm"}:
        return "the document contains no text (the page holds only menus, banners and links)"
    if suffix == ".pdf":
        return "the document contains no text (no text layer, or only running headers and page numbers)"
    return "the document contains no text"


def _document(path: Path, doc_id: str, text: str, meta: dict[str, Any], found: dict[str, Any]) -> Document:
    heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    title = str(
        meta.get("title") or found.get("title") or (heading.group(1).strip() if heading else path.stem)
    )
    extra = {k: v for k, v in meta.items() if k not in META_FIELDS}
    valid_from = _date(meta.get("valid_from"), "valid_from")
    stated = _date(meta.get("published"), "published") or _date(meta.get("date"), "date") or valid_from
    return Document(
        doc_id=doc_id,
        path=path,
        text=text,
        title=title,
        source=str(meta.get("source") or found.get("source") or doc_id),
        kind=str(meta.get("kind") or "document"),
        language=str(meta.get("language") or detect_language(text)),
        valid_from=valid_from,
        valid_to=_date(meta.get("valid_to"), "valid_to"),
        # the document's own date: stated in front matter or sidecar, else the page's markup, a labelled
        # date in its text ("Publisert 12.03.2024"), else the PDF's metadata (often only the file's date)
        published=stated or found.get("markup_date") or date_in_text(text) or found.get("file_date"),
        extra=extra,
    )


def _check_size(path: Path, limits: Limits) -> None:
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise IngestError(
            f"the file is {size:,} bytes, more than the limit of {limits.max_bytes:,} (max_document_bytes)"
        )


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    text = _decode(raw)
    controls = sum(1 for ch in text[:20_000] if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    if controls > max(3, len(text[:20_000]) // 20):
        raise IngestError("binary content in a text file (not readable as text)")
    return text


def _decode(raw: bytes) -> str:
    """By byte-order mark, else UTF-8, else Windows-1252 (Norwegian text from older Office exports)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise IngestError(f"the file claims {encoding.upper()} but is not valid {encoding}") from exc
    if b"\x00" in raw[:4096]:
        raise IngestError("binary content in a text file (not readable as text)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta = yaml.safe_load(match.group(1)) or {}
    if not isinstance(meta, dict):
        raise IngestError("front matter is not a mapping")
    return meta, text[match.end() :]


def _sidecar(path: Path) -> dict[str, Any]:
    for suffix in (".meta.yaml", ".meta.yml", ".meta.json"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            text = sidecar.read_text(encoding="utf-8")
            data = json.loads(text) if suffix == ".meta.json" else yaml.safe_load(text)
            if not isinstance(data, dict):
                raise IngestError(f"sidecar {sidecar.name} is not a mapping")
            return data
    return {}


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):  # YAML reads "2024-03-12 10:00" as a datetime
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise IngestError(f"{name} is not an ISO date: {value!r}") from exc
