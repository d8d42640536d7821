"""Tables in a PDF's lines: a header line of several text runs at distinct x positions, then lines whose runs
start at those same columns, become rows "Header: value; Header: value" (as `ingest.tables` writes them).

A first-column cell that wraps shows as a line holding only that cell's text; it joins the next row's first
cell (cells centred vertically, as office PDFs set them), or, when it starts in lowercase, the row before.
Runs at one column's x in one line are one cell; a row repeating the header (a new page) is skipped. The
table ends at the first line that does not fit the columns. Pure functions on the lines `ingest.pdf` builds;
a layout that is not clearly a table is left as it was.
"""

from __future__ import annotations

import itertools
from typing import Protocol

from ingest.tables import row_lines

COLUMN_TOLERANCE = 3.0  # points: runs starting this close to a column's x belong to it
MIN_COLUMN_GAP = 20.0  # points between column starts: closer runs are one line's words, not columns
CHAR_WIDTH = 0.5  # a character's width as a share of the font size (average for sans fonts), to tell
# a one-cell line that fits in the first column from a line of body text running across the page


class TableLine(Protocol):
    text: str
    size: float
    cells: list[tuple[float, str]]  # (x, text) of each run of text in the line, left to right


def find_tables(lines: list[TableLine]) -> list[tuple[int, int, list[str]]]:
    """(first line, line after the last, row lines) of each table found, in order."""
    tables = []
    index = 0
    while index < len(lines):
        columns = _columns(lines[index])
        found = _read_table(lines, index, columns) if columns else None
        if found:
            end, rows = found
            tables.append((index, end, rows))
            index = end
        else:
            index += 1
    return tables


def _merged(cells: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """Runs starting at the same x (a cell's text wrapped within the line) as one cell."""
    merged: list[tuple[float, str]] = []
    for x, text in cells:
        if merged and abs(x - merged[-1][0]) <= COLUMN_TOLERANCE:
            merged[-1] = (merged[-1][0], f"{merged[-1][1]} {text.strip()}")
        else:
            merged.append((x, text.strip()))
    return merged


def _columns(line: TableLine) -> list[float]:
    xs = [x for x, _ in _merged(line.cells)]
    if len(xs) < 2 or any(b - a < MIN_COLUMN_GAP for a, b in itertools.pairwise(xs)):
        return []
    return xs


def _column_of(x: float, columns: list[float]) -> int | None:
    return next((i for i, column in enumerate(columns) if abs(x - column) <= COLUMN_TOLERANCE), None)


def _read_table(lines: list[TableLine], start: int, columns: list[float]) -> tuple[int, list[str]] | None:
    header = [text for _, text in _merged(lines[start].cells)]
    rows: list[list[str]] = []
    pending: list[str] = []  # first-column text waiting for the rest of its row
    first_width = columns[1] - columns[0]
    index = start + 1
    while index < len(lines):
        line = lines[index]
        placed = [_column_of(x, columns) for x, _ in line.cells]
        if not line.cells or None in placed or placed != sorted(placed) or line.size != lines[start].size:
            break  # off the columns, or in another font (the heading after the table)
        if placed == [0] and len(line.text) * CHAR_WIDTH * (line.size or 10) < first_width:
            if line.text[:1].islower() and rows and not pending:
                rows[-1][0] = f"{rows[-1][0]} {line.text}"
            else:
                pending.append(line.text)
            index += 1
            continue
        if placed[0] != 0 or len(placed) < 2:
            break
        row = [""] * len(columns)
        for column, (_, text) in zip(placed, line.cells, strict=True):
            text = text.strip()
            row[column] = f"{row[column]} {text}".strip()
        row[0] = " ".join([*pending, row[0]]).strip()
        pending = []
        if row != header:
            rows.append(row)
        index += 1
    if pending:
        rows.append([" ".join(pending)] + [""] * (len(columns) - 1))
    if not rows:
        return None
    return index, row_lines([header, *rows], has_header=True)
