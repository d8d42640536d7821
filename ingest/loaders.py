"""Read one file into a `Document`: text with Markdown-style headings plus metadata.

Supports .md (YAML front matter), .txt, .html/.htm, .pdf (pypdf) and .docx (python-docx). Metadata comes
from front matter or a sidecar file `<name>.meta.yaml` / `<name>.meta.json` beside the document. Every
failure is raised as `IngestError` with the reason; nothing here touches the store.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import IngestError

SUPPORTED = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}
META_FIELDS = ("title", "source", "valid_from", "valid_to", "language", "kind")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


@dataclass
class Document:
    doc_id: str
    path: Path
    text: str
    title: str
    source: str
    kind: str = "document"
    language: str = "nb"
    valid_from: date | None = None
    valid_to: date | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def is_document(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED and not path.name.startswith(".")


def load(path: Path, doc_id: str) -> Document:
    """Read a supported file; raise IngestError naming the reason when it cannot be read."""
    suffix = path.suffix.lower()
    try:
        if suffix in {".md", ".markdown"}:
            meta, text = _split_front_matter(_read_text(path))
        elif suffix == ".txt":
            meta, text = {}, _read_text(path)
        elif suffix in {".html", ".htm"}:
            meta, text = _html(_read_text(path))
        elif suffix == ".pdf":
            meta, text = {}, _pdf(path)
        elif suffix == ".docx":
            meta, text = {}, _docx(path)
        else:
            raise IngestError(f"unsupported file type {suffix!r}")
    except IngestError:
        raise
    except Exception as exc:  # parsers raise a zoo of types for damaged files
        raise IngestError(f"cannot parse {suffix} file: {exc}") from exc
    meta = {**meta, **_sidecar(path)}
    if not text.strip():
        raise IngestError("the document contains no text")
    return _document(path, doc_id, text, meta)


def _document(path: Path, doc_id: str, text: str, meta: dict[str, Any]) -> Document:
    heading = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
    title = str(meta.get("title") or (heading.group(1).strip() if heading else path.stem))
    extra = {k: v for k, v in meta.items() if k not in META_FIELDS}
    return Document(
        doc_id=doc_id,
        path=path,
        text=text,
        title=title,
        source=str(meta.get("source") or path.as_posix()),
        kind=str(meta.get("kind") or "document"),
        language=str(meta.get("language") or "nb"),
        valid_from=_date(meta.get("valid_from"), "valid_from"),
        valid_to=_date(meta.get("valid_to"), "valid_to"),
        extra=extra,
    )


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise IngestError("binary content in a text file")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError("unknown text encoding")  # pragma: no cover - cp1252 decodes almost anything


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
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise IngestError(f"{name} is not an ISO date: {value!r}") from exc


class _HTMLText(HTMLParser):
    """HTML to text with Markdown headings; script, style and other non-content tags are dropped."""

    SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head", "nav", "footer"})
    BLOCK = frozenset({"p", "div", "li", "br", "tr", "section", "article", "table", "ul", "ol", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def _html(text: str) -> tuple[dict[str, Any], str]:
    parser = _HTMLText()
    parser.feed(text)
    body = re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()
    return ({"title": parser.title.strip()} if parser.title.strip() else {}), body


def _pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [(page.extract_text() or "").strip() for page in reader.pages]
    return "\n\n".join(f"## Side {n}\n\n{text}" for n, text in enumerate(pages, 1) if text)


def _docx(path: Path) -> str:
    import docx

    lines = []
    for paragraph in docx.Document(str(path)).paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level = re.match(r"Heading (\d)", style)
        if style == "Title":
            lines.append(f"# {paragraph.text}")
        elif level:
            lines.append(f"{'#' * (int(level.group(1)) + 1)} {paragraph.text}")
        else:
            lines.append(paragraph.text)
    return "\n\n".join(line for line in lines if line.strip())
