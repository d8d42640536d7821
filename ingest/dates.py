"""A document's own date, found in its text: "Publisert 12.03.2024", "Sist endret: 5. januar 2024", "Oslo, 14.
februar 2024", "Last updated 3 March 2022".

Only labelled dates count (a publishing/updating label, or a letter's "Place, date" line): a date in running
text ("gjelder fra 1. januar 2024") says when a rule applies, not when the document was written. When a
document carries several labelled dates the latest wins: that is when its content was last stated as current.
Pure functions on text; no I/O, no parsing of HTML or PDF (the loaders pass their text and metadata here).
"""

from __future__ import annotations

import re
from datetime import date, datetime

MONTHS = {
    # bokmål and nynorsk share the month names; English ones and the usual abbreviations are added below
    "januar": 1, "februar": 2, "mars": 3, "april": 4, "mai": 5, "juni": 6, "juli": 7, "august": 8,
    "september": 9, "oktober": 10, "november": 11, "desember": 12,
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "october": 10, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "okt": 10,
    "oct": 10, "nov": 11, "des": 12, "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMERIC = r"(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>\d{4})"
_ISO = r"(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
_DAY_MONTH = rf"(?P<td>\d{{1,2}})\.?\s+(?P<tm>{_MONTH})\.?\s+(?P<ty>\d{{4}})"
_MONTH_DAY = rf"(?P<em>{_MONTH})\.?\s+(?P<ed>\d{{1,2}}),?\s+(?P<ey>\d{{4}})"
_ANY_DATE = rf"(?:{_ISO}|{_NUMERIC}|{_DAY_MONTH}|{_MONTH_DAY})"
_LABEL = (
    r"(?:publisert(?:\s+dato)?|sist\s+(?:endret|endra|oppdatert|revidert|publisert)|oppdatert|endret|endra"
    r"|revidert|offentliggjort|offentleggjort|utgitt|sendt|sent|dato|published(?:\s+on)?"
    r"|last\s+(?:updated|modified|revised)|updated|modified|date"
    # a decision's or a meeting's own date: "Vedtatt av kommunestyret 12. juni 2019", "Møte nr. 3/2024, …"
    r"|(?:vedtatt|vedteke|godkjent|godkjend)(?:\s+av\s+\w+)?|møte\s+nr\.?\s*[\d/]+,?)"
)
# A label at the start of a line or after a separator ("Publisert 12.04.2023 · Sist endret: 5. mars 2024").
_WEEKDAY = r"(?:\w+dag|monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+"  # "tysdag 8. oktober"
_LABELLED = re.compile(
    rf"(?:^|[·|•,;/]\s*){_LABEL}\s*:?\s*(?:den\s+|on\s+)?(?:{_WEEKDAY})?{_ANY_DATE}",
    re.IGNORECASE | re.MULTILINE,
)
# A letter's dateline: "Oslo, 14. februar 2024" alone on its line.
_DATELINE = re.compile(rf"^\s*[A-ZÆØÅ][\wæøåÆØÅ.\- ]{{1,30}},\s*(?:den\s+)?{_ANY_DATE}\s*$", re.MULTILINE)
EARLIEST_YEAR = (
    1990  # older "documents" are almost always a law's date quoted in the text, not the page's own
)


def _parse(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    try:
        if groups.get("iy"):
            return date(int(groups["iy"]), int(groups["im"]), int(groups["id"]))
        if groups.get("y"):
            return date(int(groups["y"]), int(groups["m"]), int(groups["d"]))
        if groups.get("ty"):
            return date(int(groups["ty"]), MONTHS[groups["tm"].lower()], int(groups["td"]))
        if groups.get("ey"):
            return date(int(groups["ey"]), MONTHS[groups["em"].lower()], int(groups["ed"]))
    except (ValueError, KeyError):
        return None
    return None


def date_in_text(text: str, *, today: date | None = None) -> date | None:
    """The latest labelled or dateline date in the text, or None; dates in the future are ignored."""
    today = today or date.today()
    text = re.sub(r"[*_]{1,2}", "", text)  # "**Sist endret:** 28.11.2023" in Markdown
    found = []
    for pattern in (_LABELLED, _DATELINE):
        for match in pattern.finditer(text):
            value = _parse(match)
            if value and value.year >= EARLIEST_YEAR and value <= today:
                found.append(value)
    return max(found) if found else None


def parse_date(value: object) -> date | None:
    """A date from a metadata value: a date, datetime, ISO text or PDF date ("D:20240312101500+01'00'")."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    pdf = re.match(r"D:(\d{4})(\d{2})?(\d{2})?", text)
    try:
        if pdf:
            return date(int(pdf.group(1)), int(pdf.group(2) or 1), int(pdf.group(3) or 1))
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
