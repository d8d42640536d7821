"""An HTML page to its main text, with the page's own title, URL and date.

The main text comes from trafilatura's XML output, converted here: headings become Markdown headings (a
paragraph that is only bold text becomes a heading one level below the last one), list items `- item`
lines, and each table row one line "Header: value; Header: value" so a row reads as a sentence on its own.
Menus, cookie banners, breadcrumbs, share/print links, related-link blocks and footers are what trafilatura
leaves out; the few it keeps (and everything on a page where it finds no main text, which falls back to all
visible text) are removed by `ingest.boilerplate`. Nothing here reads files or raises for a bad page: the
loader decides what an empty result means.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser

from ingest.boilerplate import drop_boilerplate, visible_text
from ingest.dates import date_in_text, parse_date
from ingest.tables import row_lines

log = logging.getLogger(__name__)

_TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ")
STRUCTURE_PROBE = 60  # characters of a passage looked up in trafilatura's text to tell it kept the passage
SITE_SUFFIX_MAX_WORDS = 4  # "… | Direktoratet for forvaltning og økonomistyring" is longer: then it stays


@dataclass
class Page:
    text: str
    title: str = ""
    source: str = ""
    published: date | None = None


def read_html(markup: str) -> Page:
    """Main text, title (without the site suffix), canonical URL and date of one HTML page."""
    visible = visible_text(markup)
    head = _Head()
    head.feed(markup)
    main = _main_text(markup)
    text = main if main and not _lost_structure(main, visible) else drop_boilerplate(visible)
    # The later of the markup's date and a visible "Sist endret" line: a page revised after its markup date
    # was written (or whose CMS sets only the first publication) is as current as its text says.
    dates = [found for found in (_meta_date(markup), date_in_text(visible)) if found]
    published = max(dates) if dates else None
    title = _title(head.meta.get("og:title") or head.title, head.h1.strip())
    source = head.canonical or head.meta.get("og:url", "")
    return Page(text=text, title=title.strip(), source=source.strip(), published=published)


def _title(title: str, h1: str) -> str:
    """The page title without its site suffix; when the page's <h1> is the title's first part, the <h1>
    ("Miljøbevisste innkjøp - Statsbudsjettet fra A til Å" with <h1> "Miljøbevisste innkjøp")."""
    title = re.sub(r"\s+", " ", title).strip()
    if h1 and any(title.startswith(h1 + separator) for separator in _TITLE_SEPARATORS):
        return h1
    return strip_site_suffix(title) or h1


def strip_site_suffix(title: str) -> str:
    """'Klima og miljø | anskaffelser.no' → 'Klima og miljø' (a short last part after a separator goes)."""
    title = re.sub(r"\s+", " ", title).strip()
    while True:  # "… | Fagforum | Kluge": section and site names both go
        cuts = [title.rpartition(sep) for sep in _TITLE_SEPARATORS if sep in title]
        cut = max(cuts, key=lambda parts: len(parts[0]), default=None)
        if not cut or len(cut[2].split()) > SITE_SUFFIX_MAX_WORDS or not cut[0].strip():
            return title
        title = cut[0].strip()


def _lost_structure(main: str, visible: str) -> bool:
    """True when trafilatura kept a passage of the page but not the heading above it or the list after its
    lead-in, as its fallback extractors do on pages without a content container (they flatten headings into
    paragraphs or keep paragraphs only): then the page's own visible text is the better source."""
    kept = " ".join(main.split())
    kept_headings = {m.group(1) for m in re.finditer(r"^#+\s+(.+)$", main, re.MULTILINE)}
    kept_items = {line[2:].strip() for line in main.split("\n") if line.startswith("- ")}
    blocks = [block for block in drop_boilerplate(visible).split("\n\n") if block.strip()]

    def survives(block: str) -> bool:
        return " ".join(block.split())[:STRUCTURE_PROBE] in kept

    for before, block, after in zip(["", *blocks], blocks, [*blocks[1:], ""], strict=False):
        heading = re.match(r"^#+\s+(.+)$", block)
        lost = heading and heading.group(1) not in kept_headings
        if lost and after and not after.startswith("#") and survives(after):
            return True
        items = [line[2:].strip() for line in block.split("\n") if line.startswith("- ")]
        if items and before.rstrip().endswith(":") and survives(before) and not set(items) & kept_items:
            return True
    return False


def _without_active_content(markup: str):
    """The page as an lxml tree without scripts, styles, frames and other elements that are never text."""
    import lxml.html

    tree = lxml.html.fromstring(markup)
    for element in tree.xpath(
        "//script|//style|//noscript|//iframe|//object|//embed|//template|//svg|//form|//button"
    ):
        element.drop_tree()
    return tree


def _main_text(markup: str) -> str:
    """trafilatura's main text converted to our Markdown-like text; '' when it finds none."""
    import trafilatura
    from lxml import etree

    try:
        xml = trafilatura.extract(
            _without_active_content(markup),
            output_format="xml",
            include_tables=True,
            include_formatting=True,  # keeps <hi> so a bold-only paragraph can become a heading
            include_links=False,
            include_comments=False,
            include_images=False,
            # Measured on the field pages (tests/eval/field/docs/web): with the lost-structure check below the
            # three settings give the same text; precision leaves the fewest furniture lines before cleanup
            # (1 against 4 by default and 6 with favor_recall).
            favor_precision=True,
        )
        root = etree.fromstring(xml.encode("utf-8")) if xml else None
    except Exception as exc:  # a damaged page: the visible-text fallback still reads it
        log.info("trafilatura could not read the page", extra={"error": str(exc)})
        return ""
    if root is None:
        return ""
    main = root.find("main")
    return drop_boilerplate(xml_to_text(main if main is not None else root))


def xml_to_text(main) -> str:
    """trafilatura's XML body (head, p, list, table, quote …) to paragraphs separated by blank lines."""
    blocks: list[str] = []
    level = 1
    for element in main:
        tag = element.tag
        if tag == "head":
            rend = element.get("rend", "h2")
            level = int(rend[1]) if re.fullmatch(r"h[1-6]", rend) else 2
            blocks.append(f"{'#' * level} {_inline(element)}")
        elif tag == "list":
            blocks.append("\n".join(_list_items(element)))
        elif tag == "table":
            blocks.extend(table_rows(element))
        elif tag == "p" and _is_bold_heading(element):
            blocks.append(f"{'#' * min(level + 1, 6)} {_inline(element)}")
        else:
            blocks.append(_inline(element))
    return "\n\n".join(block for block in blocks if block.strip())


def _inline(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def _is_bold_heading(paragraph) -> bool:
    """A paragraph whose whole text is bold, short and without a closing full stop acts as a heading."""
    text = _inline(paragraph)
    bold = "".join(_inline(hi) for hi in paragraph.iter("hi") if hi.get("rend") in {"#b", "#strong"})
    return (
        bool(text)
        and bold.replace(" ", "") == text.replace(" ", "")
        and len(text) <= 120
        and not (text.endswith((".", ":", "!", "?")))
    )


def _list_items(element, depth: int = 0) -> list[str]:
    lines = []
    for item in element.findall("item"):
        nested = item.findall("list")
        own = (item.text or "") + "".join(
            "".join(child.itertext()) + (child.tail or "") if child.tag != "list" else (child.tail or "")
            for child in item
        )
        own = re.sub(r"\s+", " ", own).strip()
        if own:
            lines.append(f"{'  ' * depth}- {own}")
        for sub in nested:
            lines.extend(_list_items(sub, depth + 1))
    return lines


def table_rows(table) -> list[str]:
    """trafilatura's <table> as lines (see `ingest.tables`). The header is the first row of head cells; a
    head row before it with a single filled cell is the table's caption, kept as a line of its own."""
    rows = [row.findall("cell") for row in table.findall("row")]
    captions: list[str] = []
    while rows and all(cell.get("role") == "head" for cell in rows[0] if _inline(cell)):
        filled = [_inline(cell) for cell in rows[0] if _inline(cell)]
        if len(filled) > 1 or len(rows[0]) == 1:
            break
        captions.extend(filled)
        rows = rows[1:]
    has_header = bool(rows) and all(cell.get("role") == "head" for cell in rows[0])
    return captions + row_lines([[_inline(cell) for cell in row] for row in rows], has_header=has_header)


def _meta_date(markup: str) -> date | None:
    """The page's date from its markup (meta tags, time elements) by htmldate; the updated date if given."""
    from htmldate import find_date

    try:
        # extensive_search=False: only markup and precise patterns, not any date-looking string in the text
        return parse_date(find_date(markup, extensive_search=False, original_date=False))
    except Exception as exc:  # htmldate raises on odd markup; the text and PDF fallbacks remain
        log.info("htmldate could not read the page", extra={"error": str(exc)})
        return None


class _Head(HTMLParser):
    """<title>, meta properties, the canonical link and the first <h1>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.canonical = ""
        self.meta: dict[str, str] = {}
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key and values.get("content"):
                self.meta.setdefault(key, values["content"])
        elif tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.canonical = self.canonical or values.get("href", "")
        elif tag in {"title", "h1"}:
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "h1" and not self.h1.strip():
            self.h1 += re.sub(r"\s+", " ", data)
