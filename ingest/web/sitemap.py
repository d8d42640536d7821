"""Sitemaps (sitemaps.org): a `<urlset>` lists pages, a `<sitemapindex>` lists further sitemaps.

Parsed with an XML parser that resolves no entities and reads nothing from the network (no XXE, no billion
laughs); gzip-compressed sitemaps are unpacked up to a size limit. Pure functions on bytes.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field

from assistant.errors import IngestError
from ingest.web.urls import resolve

MAX_SITEMAP_URLS = 50_000  # the protocol's own limit per sitemap file
MAX_UNPACKED_BYTES = 50_000_000  # ditto: 50 MB uncompressed


@dataclass
class Sitemap:
    pages: list[str] = field(default_factory=list)  # normalised page URLs, in file order, no duplicates
    sitemaps: list[str] = field(default_factory=list)  # child sitemaps of an index


def is_sitemap_url(url: str) -> bool:
    """What `ingest URL` takes for a sitemap unless told: a name like sitemap.xml or sitemap_index.xml."""
    name = url.rsplit("/", 1)[-1].split("?", 1)[0].lower()
    return "sitemap" in name and name.endswith((".xml", ".xml.gz"))


def parse(body: bytes, base: str) -> Sitemap:
    """The pages and child sitemaps listed in a sitemap; raises IngestError when it is not one."""
    from lxml import etree

    if body[:2] == b"\x1f\x8b":
        body = _gunzip(body)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise IngestError(f"the sitemap is not valid XML: {exc}") from exc
    kind = etree.QName(root).localname
    if kind not in {"urlset", "sitemapindex"}:
        raise IngestError(f"not a sitemap: the root element is <{kind}>")
    found: list[str] = []
    seen: set[str] = set()
    for loc in root.iter("{*}loc"):
        url = resolve(base, (loc.text or "").strip())
        if url and url not in seen:
            seen.add(url)
            found.append(url)
        if len(found) >= MAX_SITEMAP_URLS:
            break
    return Sitemap(pages=found) if kind == "urlset" else Sitemap(sitemaps=found)


def _gunzip(body: bytes) -> bytes:
    with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
        try:
            data = fh.read(MAX_UNPACKED_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise IngestError(f"the sitemap is not valid gzip: {exc}") from exc
    if len(data) > MAX_UNPACKED_BYTES:
        raise IngestError(f"the sitemap unpacks to more than {MAX_UNPACKED_BYTES:,} bytes")
    return data
