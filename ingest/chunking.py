"""Heading-aware chunking: split a document's text by its headings, then by size with overlap.

Each chunk keeps the heading path (e.g. "Terskelverdier > EØS-terskelverdier") as `section` and carries the
document's metadata. Chunk ids are content hashes of document id, section, text and metadata, so an
unchanged chunk keeps its id forever and a changed one gets a new id.

Headings are never chunk text. Besides Markdown headings, lines that act as headings are made headings before
splitting (`mark_headings`): a bold-only line, a numbered heading ("8.1 Klima- og miljøhensyn som
tildelingskriterier") and a short line without a full stop standing before a paragraph. A short fragment that
stands before no paragraph (a table-of-contents line, a link label) is dropped. A lead-in ending in ":" and
the list after it are one block, never split apart; a block longer than a chunk repeats its lead-in.

A web page's chunks cite their section: when the page gave the section's heading (or the nearest heading
above it) an id (`doc.extra["anchors"]`, heading text → id), the chunk's `source` is the page URL with that
anchor. The anchor is then part of the chunk id; a document without anchors keeps the ids it always had.
"""

from __future__ import annotations

import hashlib
import json
import re

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.models import Chunk
from ingest.loaders import Document

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^(?:\*\*|__)([^*_].*?)(?:\*\*|__)[:.]?$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]\s|\d+[.)]\s)")
_BLOCK_START = re.compile(r"^\s*(?:[-*+•]\s|\d+[.)]\s|\||#|>|(?:\*\*|__)[^*_].*(?:\*\*|__)[:.]?$)")
# "8.1 Klima- og miljøhensyn …", "3 Tildelingskriterier": a section number, then a capitalised title.
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+([A-ZÆØÅ].*)$")
# Short lines that are body text all the same: a letter's closing (and its signature), a bare address.
_CLOSING = re.compile(
    r"^(?:(?:med\s+)?(?:vennlig|venleg)?\s*(?:hilsen|helsing)|kind regards|best regards|yours sincerely)"
    r"[,.]?$",
    re.IGNORECASE,
)
_KEPT_SHORT = re.compile(r"^\S*(?:://|www\.)\S*$")
_BREADCRUMB = re.compile(r"^[^.!?]{1,60}(?:\s[>›»]\s[^.!?]{1,60}){2,}$")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SETEXT = re.compile(r"^(=+|-+)$")  # a line of = or - under a title: Markdown's other heading syntax
MENU_MAX_WORDS = 3  # hard-wrapped prose almost never has two lines this short in a row
FRAGMENT_MAX_WORDS = 8  # longer lines without a full stop are sentences missing one, not labels
NUMBERED_HEADING_MAX_WORDS = 14  # a numbered line longer than this is a numbered sentence


def unwrap(text: str) -> str:
    """Join hard-wrapped lines of a paragraph into one line; keep list items, tables and blank lines."""
    out: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = re.sub(r"[ \t]{2,}", " ", raw.strip())
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        previous = out[-1] if out else ""
        underline = _SETEXT.match(line) if len(line) >= 3 else None
        if underline and previous and not _BLOCK_START.match(previous) and len(previous.split()) <= 12:
            out[-1] = f"{'#' if line[0] == '=' else '##'} {previous}"
            continue
        if (
            previous
            and not _BLOCK_START.match(line)
            and not _HEADING.match(previous)
            and not _BOLD_LINE.match(previous)
            and not _menu_lines(previous, line)
        ):
            out[-1] = f"{previous} {line}"
        else:
            out.append(line)
    return "\n".join(out).strip()


def _menu_lines(previous: str, line: str) -> bool:
    """Two very short lines in a row, the second capitalised: menu entries or labels, not wrapped prose."""
    return (
        len(previous.split()) <= MENU_MAX_WORDS
        and len(line.split()) <= MENU_MAX_WORDS
        and line[:1].isupper()
        and not previous.endswith(("-", ","))
    )


def _is_sentence(line: str) -> bool:
    return line.rstrip().endswith((".", "!", "?", ":", ";", ")", '"', "»")) or len(line.split()) > (
        FRAGMENT_MAX_WORDS
    )


def _is_fragment(paragraph: str) -> bool:
    """One short line without a full stop, list marker or table punctuation: a label, not a sentence."""
    return (
        "\n" not in paragraph
        and not _HEADING.match(paragraph)
        and not _LIST_ITEM.match(paragraph)
        and not paragraph.startswith(("|", ">"))
        and ";" not in paragraph
        and ": " not in paragraph
        and not _is_sentence(paragraph)
        and not _KEPT_SHORT.match(paragraph.strip())
        and not _CLOSING.match(paragraph.strip())
    )


def mark_headings(text: str) -> str:
    """Make lines that act as headings Markdown headings; drop lone fragments (see the module docstring)."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    out: list[str] = []
    level = 1  # of the last real heading: inferred headings go one below it
    signature = False  # after "Med hilsen" short lines are the sender's names and titles, kept as text
    introduced = False  # after a lead-in ending in ":" short lines are what it introduces (items, table rows)
    for index, paragraph in enumerate(paragraphs):
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else ""
        heading = _HEADING.match(paragraph)
        bold = _BOLD_LINE.match(paragraph) if "\n" not in paragraph else None
        numbered = _NUMBERED_HEADING.match(paragraph) if "\n" not in paragraph else None
        introduced = introduced and _is_row(paragraph)
        if heading:
            level, signature = len(heading.group(1)), False
            out.append(paragraph)
        elif introduced:
            out.append(paragraph)
        elif signature or _CLOSING.match(paragraph.strip()):
            signature = True
            out.append(paragraph)
        elif bold:
            out.append(f"{'#' * min(level + 1, 6)} {bold.group(1).strip()}")
        elif numbered and _numbered_heading(paragraph):
            level = min(numbered.group(1).count(".") + 2, 6)
            out.append(f"{'#' * level} {paragraph}")
        elif "\n" not in paragraph and _BREADCRUMB.match(_MD_LINK.sub(r"\1", paragraph.removeprefix("> "))):
            pass  # "Innkjøpswiki › Økonomi › Livssykluskostnader": where the page sits, not what it says
        elif "\n" in paragraph and all(_is_fragment(line) for line in paragraph.split("\n")):
            pass  # a block of labels only: a menu, a link list or a table of contents
        elif _is_fragment(paragraph):
            if (
                re.search(r"[^\W\d_]", paragraph)
                and following
                and not _is_fragment(following)
                and not _HEADING.match(following)
            ):
                out.append(f"{'#' * min(level + 1, 6)} {paragraph}")
            # else: a label before nothing it could head (a table-of-contents or link line) is dropped
        else:
            out.append(paragraph)
        introduced = introduced or (bool(out) and out[-1] == paragraph and paragraph.rstrip().endswith(":"))
    return "\n\n".join(out)


def _is_row(paragraph: str) -> bool:
    """A line that can be an item of the lead-in before it: a list, or one line that is not a sentence (a
    table row, a short entry) and not a heading."""
    if _is_list(paragraph):
        return True
    return (
        "\n" not in paragraph
        and not _HEADING.match(paragraph)
        and not paragraph.rstrip().endswith((".", "!", "?"))
    )


def _numbered_heading(line: str) -> bool:
    words = line.split()
    return len(words) <= NUMBERED_HEADING_MAX_WORDS and not line.rstrip().endswith((".", ";", ",", ":"))


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


def keep_lists_with_lead_in(body: str, size: int) -> str:
    """Join a lead-in ending in ":" to the list (or table rows) after it with single newlines, so the
    splitter (which breaks at blank lines first) keeps them in one chunk; a block over `size` becomes several,
    each with the lead-in."""
    paragraphs = body.split("\n\n")
    out: list[str] = []
    index = 0
    while index < len(paragraphs):
        paragraph = paragraphs[index]
        items: list[str] = []
        if paragraph.rstrip().endswith(":"):
            following = index + 1
            while following < len(paragraphs) and _is_row(paragraphs[following]):
                items.extend(line for line in paragraphs[following].split("\n") if line.strip())
                following += 1
            if items:
                out.extend(_lead_in_blocks(paragraph.strip(), items, size))
                index = following
                continue
        out.append(paragraph)
        index += 1
    return "\n\n".join(out)


def _is_list(paragraph: str) -> bool:
    lines = [line for line in paragraph.split("\n") if line.strip()]
    return bool(lines) and all(_LIST_ITEM.match(line) for line in lines)


def _lead_in_blocks(lead_in: str, items: list[str], size: int) -> list[str]:
    blocks: list[str] = []
    current: list[str] = []
    for item in items:
        if current and len("\n".join([lead_in, *current, item])) > size:
            blocks.append("\n".join([lead_in, *current]))
            current = []
        current.append(item)
    blocks.append("\n".join([lead_in, *current]))
    return blocks


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
        "published": doc.published,
    }
    meta_key = json.dumps(meta, default=str, sort_keys=True)
    anchors = doc.extra.get("anchors") or {}
    chunks: list[Chunk] = []
    for path, body in sections(mark_headings(unwrap(doc.text))):
        source = _anchored(doc.source, path, anchors)
        # The document title is usually the top heading; keep the section path below it.
        if path and path[0] == doc.title:
            path = path[1:]
        section = " > ".join(path)
        anchor = () if source == doc.source else (source,)  # no anchor: the ids chunks always had
        for piece in splitter.split_text(keep_lists_with_lead_in(body, size)):
            key = (doc.doc_id, section, piece, meta_key, *anchor)
            digest = hashlib.sha256("\x00".join(key).encode()).hexdigest()
            chunks.append(
                Chunk(
                    chunk_id=digest[:32],
                    doc_id=doc.doc_id,
                    text=piece,
                    section=section,
                    position=len(chunks),
                    **{**meta, "source": source},
                )
            )
    return chunks


def _anchored(source: str, path: list[str], anchors: dict[str, str]) -> str:
    """The page URL with the anchor of the deepest heading of the section path that has one."""
    for heading in reversed(path):
        anchor = anchors.get(" ".join(heading.split()).casefold())
        if anchor:
            return f"{source.split('#', 1)[0]}#{anchor}"
    return source
