"""A PDF's page furniture: page-number lines and running headers and footers (the same line at the top, or
at the bottom, of most pages, page numbers allowed to differ: "Side 3 av 7", "3", "- 3 -"), and lines at a
page's edge set in a clearly smaller font than the body (a one-page document's running header). Pure
functions on the lines `ingest.pdf` reads.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Protocol

PAGE_NUMBER = re.compile(
    r"^(?:(?:side|sida|page|s\.)\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(?:\s*(?:av|of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)
RUNNING_SHARE = 0.6  # a line at a page's edge on at least this share of the pages is a running header/footer
EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be running headers or footers
SMALL_FONT = 0.85  # a page-edge line in a font this much smaller than the body is a running header/footer


class PageLine(Protocol):
    text: str
    size: float
    whole: bool


def _edge_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower())


def drop_running_lines(pages: list[list[PageLine]], body_size: float) -> list[list[PageLine]]:
    """Without page-number lines, lines repeated at the top or bottom of most pages, and lines at a page's
    edge set in a clearly smaller font than the body text (a one-page document's running header)."""
    tops: Counter[str] = Counter()  # counted apart: a letter's sender on top of page 1 and in the
    bottoms: Counter[str] = Counter()  # signature at the foot of page 2 is not a running line
    for page in pages:
        tops.update({_edge_key(line.text) for line in page[:EDGE_LINES]})
        bottoms.update({_edge_key(line.text) for line in page[-EDGE_LINES:]})
    needed = max(2, round(RUNNING_SHARE * len(pages)))
    running_top = {key for key, count in tops.items() if count >= needed}
    running_bottom = {key for key, count in bottoms.items() if count >= needed}
    cleaned = []
    for page in pages:
        bottom_start = max(0, len(page) - EDGE_LINES)
        kept = []
        for index, line in enumerate(page):
            key = _edge_key(line.text)
            top, bottom = index < EDGE_LINES, index >= bottom_start
            if (top or bottom) and PAGE_NUMBER.match(line.text):
                continue
            if (top or bottom) and line.whole and body_size and line.size <= SMALL_FONT * body_size:
                continue
            if (top and key in running_top) or (bottom and key in running_bottom):
                continue
            kept.append(line)
        cleaned.append(kept)
    return cleaned
