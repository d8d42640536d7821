"""A fetched page (HTML, PDF or DOCX) to a `Document`, and the links a crawl follows from it.

HTML goes through the same reader as a local .html file (`ingest.html.read_html`: main text only, no menus,
banners or footers), so a fetched page and a saved copy of it give the same text. On top of that a page
gives: its language (`<html lang>`, else the source's `language`, else the text's function words), its date
(the markup's or a labelled one in the text, else the Last-Modified header), its canonical URL (kept in
`extra["canonical"]`) and the ids of its headings (`extra["anchors"]`: heading text → id), which the chunker
turns into citations of the exact section ("…/terskelverdier#eos"). The citation's `source` is the page's
own URL after redirects, never the canonical one: that is the page the text was read from.

PDF and DOCX bodies are written to a private temporary file and read by the file loaders (same limits and
zip-bomb checks). Nothing here fetches; every problem is an `IngestError` with the reason.
"""

from __future__ import annotations

import re
import tempfile
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from assistant.errors import IngestError
from ingest.html import read_html
from ingest.language import detect_language
from ingest.loaders import Document, Limits, load
from ingest.web.fetch import Fetched
from ingest.web.urls import normalise, resolve

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_HTML_LANG = re.compile(
    r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*", re.IGNORECASE
)
_LANGUAGES = {
    "nb": "nb",
    "no": "nb",
    "nob": "nb",
    "nor": "nb",
    "nn": "nn",
    "nno": "nn",
    "en": "en",
    "eng": "en",
}
CHARSET_PROBE = 4096  # bytes searched for <meta charset>: HTML requires it within the first 1024


def heading_key(text: str) -> str:
    """How a heading is looked up: whitespace collapsed, case folded (the chunker's section names are the
    reader's heading text)."""
    return " ".join(text.split()).casefold()


def decode(body: bytes, charset: str | None) -> str:
    """The HTTP charset, else the page's <meta charset>, else UTF-8, else Windows-1252."""
    candidates = [charset] if charset else []
    found = _META_CHARSET.search(body[:CHARSET_PROBE])
    if found:
        candidates.append(found.group(1).decode("ascii", errors="ignore"))
    for name in [*candidates, "utf-8"]:
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("cp1252", errors="replace")


def document(fetched: Fetched, *, kind: str, language: str | None, limits: Limits) -> Document:
    """The document of one fetched page; its id is the URL it was asked for (the key of its fetch state)."""
    if fetched.media == "html":
        return _html_document(fetched, kind=kind, language=language)
    if fetched.media in {"pdf", "docx"}:
        return _file_document(fetched, kind=kind, language=language, limits=limits)
    raise IngestError(f"not a page: {fetched.media}")


def _html_document(fetched: Fetched, *, kind: str, language: str | None) -> Document:
    markup = decode(fetched.body, fetched.charset)
    if noindex(markup):
        raise IngestError("the page asks not to be indexed (meta robots noindex)", code="noindex")
    page = read_html(markup)
    if not re.sub(r"^#+\s.*$", "", page.text, flags=re.MULTILINE).strip():  # headings alone are no text
        raise IngestError("the page contains no text (it holds only menus, banners and links)")
    canonical = resolve(fetched.final_url, page.source) if page.source else None
    lang = _HTML_LANG.search(markup[: CHARSET_PROBE * 4])
    stated = _LANGUAGES.get(lang.group(1).lower()) if lang else None
    return Document(
        doc_id=fetched.url,
        path=Path(_name(fetched.final_url)),
        text=page.text,
        title=page.title or _name(fetched.final_url),
        source=fetched.final_url,
        kind=kind,
        language=stated or language or detect_language(page.text),
        published=page.published or http_date(fetched.last_modified),
        extra={"anchors": heading_anchors(markup), "canonical": canonical or ""},
    )


def _file_document(fetched: Fetched, *, kind: str, language: str | None, limits: Limits) -> Document:
    suffix = f".{fetched.media}"
    with tempfile.TemporaryDirectory(prefix="ingest-web-") as folder:
        path = Path(folder) / f"page{suffix}"
        path.write_bytes(fetched.body)
        doc = load(path, fetched.url, limits)
    name = _name(fetched.final_url)
    doc.path = Path(name)
    doc.source = fetched.final_url
    if doc.title == "page":  # no title in the file's metadata or headings: the URL's file name
        doc.title = PurePosixPath(name).stem or name
    if doc.kind == "document":
        doc.kind = kind
    if language:
        doc.language = language
    doc.published = doc.published or http_date(fetched.last_modified)
    return doc


def _name(url: str) -> str:
    path = unquote(urlsplit(url).path).rstrip("/")
    return path.rsplit("/", 1)[-1] or urlsplit(url).netloc


def http_date(value: str | None):
    """The date of an HTTP date header (Last-Modified), or None."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        return None


def noindex(markup: str) -> bool:
    """The page's <meta name="robots"> says noindex (or none)."""
    for match in re.finditer(r"<meta\b[^>]*>", markup[:200_000], re.IGNORECASE):
        tag = match.group(0).lower()
        if re.search(r"name\s*=\s*[\"']?(?:robots|innkjopsassistent)\b", tag) and re.search(
            r"content\s*=\s*[\"'][^\"']*\b(?:noindex|none)\b", tag
        ):
            return True
    return False


def heading_anchors(markup: str) -> dict[str, str]:
    """Heading text → the id a link to that heading uses: the heading's own id, an anchor inside it
    (`<a id>` / `<a name>`), or the id of the section it opens. First heading of a text wins."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(markup)
    except Exception:  # damaged markup: no anchors, the page still cites its URL
        return {}
    anchors: dict[str, str] = {}
    for heading in tree.xpath("//h1|//h2|//h3|//h4|//h5|//h6"):
        key = heading_key(heading.text_content())
        if not key or key in anchors:
            continue
        ident = heading.get("id") or next(
            (a.get("id") or a.get("name") for a in heading.iter("a") if a.get("id") or a.get("name")), None
        )
        parent = heading.getparent()
        if (
            not ident
            and parent is not None
            and parent.tag in {"section", "article", "div"}
            and parent.get("id")
        ):
            first = next((child for child in parent if isinstance(child.tag, str)), None)
            ident = parent.get("id") if first is heading else None
        if ident:
            anchors[key] = ident.strip()
    return anchors


def links(markup: str, base: str) -> list[str]:
    """The page's links as normalised URLs without fragments, in page order, without rel=nofollow ones."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(markup)
    except Exception:
        return []
    declared = tree.xpath("//base/@href")
    base = resolve(base, declared[0]) or base if declared else base
    found: list[str] = []
    seen: set[str] = set()
    for anchor in tree.xpath("//a[@href]"):
        if "nofollow" in (anchor.get("rel") or "").lower().split():
            continue
        url = resolve(base, anchor.get("href", ""))
        if url and url not in seen:
            seen.add(url)
            found.append(url)
    return found


def same_page(url: str) -> str:
    """The page part of a link or citation (no fragment), normalised; the input itself if it is no URL."""
    try:
        return normalise(url)
    except IngestError:
        return url
    except Exception:
        return url
