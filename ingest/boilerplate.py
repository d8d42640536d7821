"""Page furniture: the visible text of a page without navigation, and the lines that are menus, banners,
breadcrumbs, share/print links and related-link blocks rather than content.

Used on trafilatura's main text (for the few furniture lines it keeps) and as the whole reader of pages where
trafilatura finds no main text. Pure functions on markup and text; nothing here reads files.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ingest.tables import row_lines

# Block titles and link lines that are page furniture, not content (bokmål, nynorsk, English).
_FURNITURE = re.compile(
    r"^(?:#+\s*)?(?:les også|les meir|les mer(?: på .*)?|se også|sjå også|relatert(?:e)?(?: \w+)?|lenkeblokk"
    r"|nyttige lenker|snarveier|snarvegar|til toppen|tilbake til toppen|gå til toppen|hopp til(?: .*)?"
    r"|gå til (?:hovedinnhold|innhold|hovudinnhald)|tilbake(?: til .*)?"
    r"|del(?: på \w+| siden| sida| artikkelen)?|skriv ut"
    r"|print|share(?: on \w+)?|see also|related(?: \w+)?|read more|back to top|skip to(?: .*)?"
    r"|icon|ikon|meny|menu|søk|search|forside|hjem|home|godta(?: alle)?|avvis|aksepter|accept(?: all)?"
    r"|informasjonskapsler|cookies|personvern(?:erklæring)?|tilgjengelighetserklæring|kontakt oss"
    r"|facebook|linkedin|twitter|x|e-post|epost|email)\s*[:.]?$",
    re.IGNORECASE,
)
# Sentences of cookie banners and breadcrumb trails ("Forside > Tema > Klima").
_BANNER = re.compile(r"informasjonskapsler|\bcookies?\b|samtykke til", re.IGNORECASE)
_BREADCRUMB = re.compile(
    r"^(?:(?:du er her|du er her:|you are here)\s*:?\s*)?(?:[^>/»›|]{1,40}\s[>»›/|]\s){2,}[^>/»›|]{1,60}$",
    re.IGNORECASE,
)
_INDEX_LINE = re.compile(r"^(?:\w\s+){5,}\w$")  # "A B C D E … Ø Å": an alphabetical index
# Containers whose class or id says they are page furniture (used where trafilatura found no main text).
_FURNITURE_CLASS = re.compile(
    r"\b(?:nav\w*|menu|meny|breadcrumbs?|brodsmul\w*|cookie\w*|consent|banner|share|social|del|deling|print"
    r"|related|relatert\w*|footer|bunn|botn|annonse|ad|ads|advert\w*|skip\w*|sidebar|toolbar)\b",
    re.IGNORECASE,
)
_RELATED_HEADING = re.compile(
    r"^(#+)\s*(?:les også|les meir|se også|sjå også|relatert\w*(?: \w+)?|lenkeblokk|nyttige lenker"
    r"|see also|related(?: \w+)?|innhold|innhald|innholdsfortegnelse|innhaldsliste|på denne siden"
    r"|på denne sida|contents|table of contents|on this page)\s*:?$",
    re.IGNORECASE,
)


def drop_boilerplate(text: str) -> str:
    """Remove furniture lines, cookie sentences, breadcrumbs and related-link sections from page text."""
    out: list[str] = []
    skip_level = 0  # inside a "Les også" section until a heading of the same or a higher level
    for line in text.split("\n"):
        stripped = line.strip()
        heading = re.match(r"^(#+)\s", stripped)
        if skip_level and heading and len(heading.group(1)) <= skip_level:
            skip_level = 0
        if skip_level:
            continue
        related = _RELATED_HEADING.match(stripped)
        if related:
            skip_level = len(related.group(1))
            continue
        bare = re.sub(r"^[-*•]\s+", "", stripped)
        furniture = _FURNITURE.match(bare) or _BANNER.search(bare) or _BREADCRUMB.match(bare)
        furniture = furniture or all(_FURNITURE.match(part.strip()) for part in bare.split(" | "))
        if bare and (furniture or _INDEX_LINE.match(bare)):
            continue
        out.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


class _VisibleText(HTMLParser):
    """HTML to text with Markdown headings, `- ` list items and table rows as "Header: value" lines;
    scripts, styles, navigation, footers and containers classed as furniture (menu, cookie, share, …) are
    dropped. Tables are flat: a table inside a table cell adds its text to that cell."""

    SKIP = frozenset(
        {"script", "style", "noscript", "template", "svg", "head", "nav", "footer", "iframe", "object"}
        | {"form", "button", "aside"}
    )
    BLOCK = frozenset({"p", "div", "tr", "section", "article", "table", "ul", "ol", "blockquote", "caption"})
    VOID = frozenset(
        {"br", "img", "hr", "input", "meta", "link", "area", "base", "col", "embed", "source", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip: list[str] = []  # open tags of the skipped element, outermost first
        self._rows: list[list[str]] | None = None  # the table being read
        self._header = False  # its first row is all <th>
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.VOID:
            if tag == "br" and not self._skip:
                self.parts.append("\n\n")
            return
        if self._skip:
            self._skip.append(tag)
            return
        values = {name: value or "" for name, value in attrs}
        if tag in self.SKIP or _FURNITURE_CLASS.search(f"{values.get('class', '')} {values.get('id', '')}"):
            self._skip.append(tag)
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "table" and self._rows is None:
            self._rows, self._header = [], True
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in {"td", "th"} and self._rows is not None:
            if not self._rows:
                self._rows.append([])
            if len(self._rows) == 1 and tag == "td":
                self._header = False
            self._cell = []
            self._rows[-1].append("")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag in self._skip:  # close up to the matching tag (browsers forgive unclosed children too)
                del self._skip[len(self._skip) - 1 - self._skip[::-1].index(tag) :]
            return
        if tag in {"td", "th"} and self._rows and self._cell is not None:
            self._rows[-1][-1] = " ".join("".join(self._cell).split())
            self._cell = None
        elif tag == "table" and self._rows is not None:
            lines = row_lines(self._rows, has_header=self._header)
            self.parts.append("\n\n" + "\n\n".join(lines) + "\n\n")
            self._rows = None
        elif re.fullmatch(r"h[1-6]", tag) or tag in {"ul", "ol"}:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._rows is None or data.strip():  # in a table but in no cell: its caption
            self.parts.append(re.sub(r"\s+", " ", data))


def visible_text(markup: str) -> str:
    """All visible text of a page (headings as Markdown), without scripts, styles, nav and footer."""
    parser = _VisibleText()
    parser.feed(markup)
    if parser._rows:  # a table never closed: its rows still count
        parser.parts.append("\n\n" + "\n\n".join(row_lines(parser._rows, has_header=parser._header)))
    lines = [line.strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
