"""A PDF (pypdf) to one flowing text with Markdown headings, plus its metadata title and date.

Pages are joined into one text: running headers and footers (the same line at the top or bottom of most pages,
page numbers allowed to differ: "Side 3 av 7", "3", "- 3 -") and page-number lines are dropped, words
hyphenated across a line end are joined ("anskaf-\\nfelser" → "anskaffelser", but "EØS-\\nterskelverdi" and
"bygge-\\nog anleggs" keep their hyphen), hard-wrapped lines become paragraphs, bullets become `- ` items, and
table-of-contents lines with dotted leaders go. A line set in a larger or bold font than the body text is a
heading (its level from the font size), so are numbered lines ("3.1 Tabell over terskelverdiene").
Raises IngestError only for a file that is not a PDF; the loader decides what an empty text means.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from assistant.errors import IngestError
from ingest.dates import parse_date
from ingest.pdf_pages import PAGE_NUMBER, drop_running_lines
from ingest.pdf_tables import find_tables

_TOC_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}\s*$|…{2,}\s*\d{1,4}\s*$")
_TOC_TITLE = re.compile(
    r"^(?:innhold|innhald|innholdsfortegnelse|innhaldsliste|contents|table of contents)$", re.IGNORECASE
)
_BULLET = re.compile(r"^(?:[•▪●◦▸►■□‣∙·*]|[-–—](?=\s)|\uf0b7)\s*")
_ORDERED = re.compile(r"^\d{1,2}[.)]\s+\S")
_NUMBERED_HEADING = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,3}\.?\s+[A-ZÆØÅ]")
_CONJUNCTIONS = frozenset({"og", "eller", "and", "or", "til", "samt", "enn"})  # "bygge- og anleggs"
FULL_LINE = 0.75  # a line at least this share of the usual line length was wrapped by the layout
PARAGRAPH_GAP = 1.3  # more space above a line than this many line steps starts a new paragraph
HEADING_SIZE = 1.1  # a line in a font this much larger than the body text is a heading
HEADING_MAX_WORDS = 14


@dataclass
class PdfText:
    text: str
    title: str = ""
    published: date | None = None


@dataclass
class _Line:
    text: str
    size: float = 0.0  # font size of the run the line starts with (0: unknown)
    bold: bool = False
    whole: bool = False  # the whole line is that one run, so size and weight hold for all of it
    y: float | None = None  # height of that run on the page (PDF space: larger is higher)
    page: int = 0
    cells: list[tuple[float, str]] = field(default_factory=list)  # (x, text) of the line's runs
    row: bool = False  # a table row already written "Header: value; …"


def read_pdf(path: Path) -> PdfText:
    from pypdf import PdfReader

    with open(path, "rb") as fh:
        if b"%PDF-" not in fh.read(1024):
            raise IngestError("cannot parse .pdf file: no %PDF header (another file renamed .pdf?)")
    reader = PdfReader(str(path))
    pages = [_page_lines(page, number) for number, page in enumerate(reader.pages)]
    body_size = _body_size([line for page in pages for line in page])
    lines = _with_table_rows([line for page in drop_running_lines(pages, body_size) for line in page])
    info = reader.metadata or {}
    title = str(info.get("/Title") or "").strip()
    published = parse_date(info.get("/CreationDate")) or parse_date(info.get("/ModDate"))
    return PdfText(text=lines_to_text(lines), title=title, published=published)


def _page_lines(page, number: int) -> list[_Line]:
    """The page's text lines, each with the font size, weight and height of the run of text it starts with."""
    runs: list[tuple[str, float, bool, float, float]] = []

    def visit(text, cm, tm, font_dict, font_size) -> None:
        stripped = " ".join(text.split())
        if stripped:
            font = str((font_dict or {}).get("/BaseFont", ""))
            size = round(font_size * (abs(tm[3]) or 1.0), 1)
            x, y = tm[4] * (cm[0] or 1.0) + cm[4], tm[5] * (cm[3] or 1.0) + cm[5]
            runs.append((stripped, size, "bold" in font.lower(), y, x))

    text = page.extract_text(visitor_text=visit) or ""
    lines, start = [], 0
    for raw in text.split("\n"):
        line = " ".join(raw.split())
        if not line:
            continue
        found = next((i for i in range(start, len(runs)) if line.startswith(runs[i][0])), None)
        if found is None:
            lines.append(_Line(line, page=number))
            continue
        run_text, size, bold, y, _ = runs[found]
        cells, start = _line_runs(line, runs, found)
        lines.append(_Line(line, size, bold, whole=run_text == line, y=y, page=number, cells=cells))
    return lines


def _line_runs(line: str, runs: list, first: int) -> tuple[list[tuple[float, str]], int]:
    """The runs that make up `line` from run `first` on, as (x, text), and the index of the run after them;
    no cells when the runs do not spell the line exactly (then it cannot be read as table cells)."""
    target, spelled, cells, index = line.replace(" ", ""), "", [], first
    while index < len(runs) and len(spelled) < len(target):
        text = runs[index][0]
        if not target.startswith(spelled + text.replace(" ", "")):
            break
        spelled += text.replace(" ", "")
        cells.append((runs[index][4], text))
        index += 1
    return (cells if spelled == target else []), max(index, first + 1)


def _with_table_rows(lines: list[_Line]) -> list[_Line]:
    """The lines with each table's lines replaced by its rows (see `ingest.pdf_tables`)."""
    out: list[_Line] = []
    done = 0
    for start, end, rows in find_tables(lines):
        out.extend(lines[done:start])
        style = lines[start]
        out.extend(_Line(row, style.size, page=style.page, row=True) for row in rows)
        done = end
    return out + lines[done:]


def lines_to_text(lines: list[_Line]) -> str:
    """Paragraphs, `- ` items and Markdown headings from the layout's lines (see the module docstring)."""
    lines = [line for line in lines if not _TOC_LEADER.search(line.text) and not _TOC_TITLE.match(line.text)]
    body_size = _body_size(lines)
    levels = _heading_levels(lines, body_size)
    layout = _Layout(usual=_usual_length(lines), step=_line_step(lines), body_size=body_size)
    blocks: list[str] = []
    current: list[str] = []  # the paragraph or list item being built
    previous: _Line | None = None  # its last line
    last_heading: _Line | None = None

    def flush() -> None:
        if current:
            blocks.append(current[0])
            current.clear()

    for line in lines:
        text = line.text
        if line.row:  # a table row is a paragraph of its own
            flush()
            blocks.append(text)
            previous = last_heading = None
            continue
        if _is_heading(line, body_size):
            if last_heading is not None and not current and _same_heading(last_heading, line):
                blocks[-1] = f"{blocks[-1]} {text}"  # a heading wrapped over two lines
            else:
                flush()
                blocks.append(f"{'#' * levels(line)} {text}")
                last_heading = line
            continue
        last_heading = None
        item = _BULLET.sub("", text) if _BULLET.match(text) else None
        if item is not None or _ORDERED.match(text):
            flush()
            current.append(f"- {item}" if item is not None else text)
        elif current and previous is not None and layout.continues(current[0], previous, line):
            current[0] = _join(current[0], text)
        else:
            flush()
            current.append(text)
        previous = line
    flush()
    return _group_items(blocks)


def _heading_levels(lines: list[_Line], body_size: float):
    """Level of a heading line: from its number ("3.1" → 3) when numbered; else from its font size, the
    largest size (the title) level 1 and other sizes above the numbered headings' level 2."""
    headings = [line for line in lines if _is_heading(line, body_size)]
    numbered_sizes = [line.size for line in headings if _numbered_heading(line.text)]
    largest = max((line.size for line in headings), default=0.0)

    def level(line: _Line) -> int:
        number = re.match(r"\d{1,2}((?:\.\d{1,2})*)", line.text)
        if number and _numbered_heading(line.text):
            return min(2 + number.group(1).count("."), 6)
        if line.size and line.size == largest and (not numbered_sizes or largest > max(numbered_sizes)):
            return 1
        if not numbered_sizes or line.size >= max(numbered_sizes):
            return 2
        return 3

    return level


def _body_size(lines: list[_Line]) -> float:
    sizes: Counter[float] = Counter()
    for line in lines:
        if line.size:
            sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _is_heading(line: _Line, body_size: float) -> bool:
    """Set apart by a larger or bold font, or (where the font is unknown) numbered like a heading."""
    text = line.text
    # a sentence ends in a word and a full stop; "… fra 1." is a heading wrapped inside its date
    sentence = re.search(r"[^\W\d]\.$|[,;]$", text)
    if sentence or len(text.split()) > HEADING_MAX_WORDS or PAGE_NUMBER.match(text):
        return False
    if not (line.whole and line.size and body_size):
        return not line.size and _numbered_heading(text)
    larger = line.size >= body_size * HEADING_SIZE
    return larger or (line.bold and line.size >= body_size and _numbered_heading(text))


def _same_heading(previous: _Line, line: _Line) -> bool:
    """The second line of a wrapped heading: the same style as the heading line just before, and not
    numbered itself (two headings in a row in one style are one heading over two lines)."""
    return (previous.size, previous.bold) == (line.size, line.bold) and not _numbered_heading(line.text)


def _numbered_heading(text: str) -> bool:
    return (
        bool(_NUMBERED_HEADING.match(text))
        and len(text.split()) <= HEADING_MAX_WORDS
        and not (text.endswith((".", ",", ";", ":")))
    )


def _usual_length(lines: list[_Line]) -> int:
    lengths = sorted(len(line.text) for line in lines)
    return lengths[int(len(lengths) * 0.85)] if lengths else 0


@dataclass
class _Layout:
    usual: int  # usual length of a line, in characters
    step: float  # usual distance between two lines of a paragraph (0: unknown)
    body_size: float

    def continues(self, current: str, previous: _Line, line: _Line) -> bool:
        """Whether `line` continues the paragraph or item that `previous` ended (a wrapped line) rather than
        starting a new one. Lowercase, "(" or a hyphen before it: always. A list item never takes in a
        capitalised line, nor does text in a font smaller than the body's (table rows, footnotes). Over a page
        break: when the text before it is not a finished sentence. Else when the line before is full (the
        layout wrapped it) and the space above is a paragraph's own line spacing, not more."""
        if current.endswith("-") or line.text[:1].islower() or line.text.startswith("("):
            return True
        if current.startswith("- ") or _ORDERED.match(current) or (line.size and line.size < self.body_size):
            return False
        if (previous.size, previous.bold) != (line.size, line.bold):
            return False
        if previous.page != line.page:
            return not current.endswith((".", "!", "?", ":", ";"))
        full = bool(self.usual) and len(previous.text) >= FULL_LINE * self.usual
        if previous.y is not None and line.y is not None and self.step:
            return full and 0 < previous.y - line.y <= PARAGRAPH_GAP * self.step
        return full


def _line_step(lines: list[_Line]) -> float:
    """The most common distance between consecutive lines on a page: a paragraph's own line spacing."""
    gaps = Counter(
        round(before.y - after.y)
        for before, after in itertools.pairwise(lines)
        if before.page == after.page and before.y is not None and after.y is not None and before.y > after.y
    )
    return float(gaps.most_common(1)[0][0]) if gaps else 0.0


def _join(current: str, text: str) -> str:
    """Join a wrapped line, mending a word hyphenated at the line end."""
    match = re.search(r"(\w+)-$", current)
    if not match:
        return f"{current} {text}"
    first_word = re.match(r"\w+", text)
    follows = first_word.group(0) if first_word else ""
    head = match.group(1)
    if follows.lower() in _CONJUNCTIONS:  # "bygge- og anleggskontrakter": a suspended compound
        return f"{current} {text}"
    if not text[:1].islower() or head[-1:].isupper() or head[-1:].isdigit():  # "EØS-terskelverdi", "CO2-"
        return f"{current}{text}"
    return f"{current[:-1]}{text}"


def _group_items(blocks: list[str]) -> str:
    """Blank lines between paragraphs; consecutive list items on consecutive lines."""
    out: list[str] = []
    for block in blocks:
        is_item = block.startswith("- ") or bool(_ORDERED.match(block))
        if out and is_item and (out[-1].startswith("- ") or _ORDERED.match(out[-1].rsplit("\n", 1)[-1])):
            out[-1] = f"{out[-1]}\n{block}"
        else:
            out.append(block)
    return "\n\n".join(out)
