"""Tables as lines of text: each body row one line "Header: value; Header: value", so a row reads as a
self-contained sentence (and is quoted whole) wherever the table came from (HTML, DOCX)."""

from __future__ import annotations


def row_lines(rows: list[list[str]], *, has_header: bool) -> list[str]:
    """Body rows with the header's names; a table without a header row as 'value; value'. Empty cells go."""
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return []
    header, body = (rows[0], rows[1:]) if has_header and len(rows) > 1 else ([], rows)
    lines = []
    for row in body:
        if header and len(header) == len(row):
            pairs = zip(header, row, strict=True)
            cells = [f"{name}: {value}" if name else value for name, value in pairs if value]
        else:
            cells = [value for value in row if value]
        lines.append("; ".join(cells))
    return lines
