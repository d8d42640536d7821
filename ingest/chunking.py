"""Heading-aware chunking: split a document's text by its headings, then by size with overlap.

Each chunk keeps the heading path (e.g. "Terskelverdier > EØS-terskelverdier") as `section` and carries the
document's metadata. Chunk ids are content hashes of document id, section, text and metadata, so an
unchanged chunk keeps its id forever and a changed one gets a new id.
"""

from __future__ import annotations

import hashlib
import json
import re

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.models import Chunk
from ingest.loaders import Document

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_BLOCK_START = re.compile(r"^\s*(?:[-*+•]\s|\d+[.)]\s|\||#|>)")


def unwrap(text: str) -> str:
    """Join hard-wrapped lines of a paragraph into one line; keep list items, tables and blank lines."""
    out: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = re.sub(r"[ \t]{2,}", " ", raw.strip())
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        if out and out[-1] and not _BLOCK_START.match(line) and not _HEADING.match(out[-1]):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out).strip()


def sections(text: str) -> list[tuple[list[str], str]]:
    """(heading path, body) pairs in document order; text before the first heading has an empty path."""
    result: list[tuple[list[str], str]] = []
    path: list[tuple[int, str]] = []
    body: list[str] = []

    def flush() -> None:
        content = "\n".join(body).strip()
        if content:
            result.append(([title for _, title in path], content))
        body.clear()

    for line in text.split("\n"):
        match = _HEADING.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level]
            path.append((level, match.group(2).strip()))
        else:
            body.append(line)
    flush()
    return result


def chunk_document(doc: Document, *, size: int, overlap: int) -> list[Chunk]:
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=size, chunk_overlap=overlap, separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""]
    )
    meta = {
        "title": doc.title,
        "source": doc.source,
        "kind": doc.kind,
        "language": doc.language,
        "valid_from": doc.valid_from,
        "valid_to": doc.valid_to,
    }
    meta_key = json.dumps(meta, default=str, sort_keys=True)
    chunks: list[Chunk] = []
    for path, body in sections(unwrap(doc.text)):
        # The document title is usually the top heading; keep the section path below it.
        if path and path[0] == doc.title:
            path = path[1:]
        section = " > ".join(path)
        for piece in splitter.split_text(body):
            digest = hashlib.sha256("\x00".join((doc.doc_id, section, piece, meta_key)).encode()).hexdigest()
            chunks.append(
                Chunk(
                    chunk_id=digest[:32],
                    doc_id=doc.doc_id,
                    text=piece,
                    section=section,
                    position=len(chunks),
                    **meta,
                )
            )
    return chunks
