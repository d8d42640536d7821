"""A small web site the source tests start on 127.0.0.1 (never any other address): guidance pages wrapped in
menus, cookie banners, breadcrumbs and footers, a sitemap index, robots.txt with a Disallow, ETag and
Last-Modified with real 304s, a redirect, a page that is gone (410), a slow page, a huge page, a binary file
served as text/html, and a PDF. Tests change it while it runs (`site.pages[...]`, `site.gone`, `site.listed`)
and read what was asked of it (`site.requests`).

Every text here was written for these tests; the facts are the public thresholds and rules the corpus states.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MENU = (
    '<div class="cookie-banner" id="cookie-consent"><p>Vi bruker informasjonskapsler for å måle trafikken på '
    "nettstedet. Du kan når som helst trekke samtykket tilbake.</p><button>Godta alle</button>"
    "<button>Avvis</button></div>"
    '<header><nav class="hovedmeny"><ul><li><a href="/">Forside</a></li><li><a href="/veiledning/">'
    'Veiledning</a></li><li><a href="/kurs">Kurs og arrangementer</a></li><li><a href="/minside">Logg inn på '
    'Min side</a></li></ul></nav></header><nav class="breadcrumb"><a href="/">Forside</a> › <a href="/veiledning/">'
    "Veiledning</a></nav>"
)
FOOTER = (
    "<footer><p>Innkjøpskontoret Fjordbyen · Strandgata 17 · 9999 Fjordbyen</p><p>Sentralbord 11 22 33 44 – "
    'åpent hverdager 08–15.30</p><p><a href="/personvern">Personvernerklæring</a> <a href="/tilgjengelighet">'
    "Tilgjengelighetserklæring</a></p></footer>"
)
FURNITURE = (
    "informasjonskapsler", "samtykket", "Godta", "Kurs og arrangementer", "Min side", "Strandgata",
    "Sentralbord", "Personvernerklæring", "Tilgjengelighetserklæring", "Innkjøpskontoret Fjordbyen",
)  # fmt: skip


def page(title: str, body: str, *, published: str = "2024-03-01", lang: str = "nb", links: str = "") -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title} | Fjordbyen innkjøp'
        f'</title><meta property="article:modified_time" content="{published}T09:00:00+01:00"></head><body>'
        f"{MENU}<main><article><h1>{title}</h1>{body}</article>{links}</main>{FOOTER}</body></html>"
    )


TERSKEL = page(
    "Terskelverdier for innkjøp",
    "<p>Terskelverdiene avgjør hvilke regler i anskaffelsesregelverket en kommune må følge.</p>"
    '<h2 id="nasjonal">Nasjonal terskelverdi</h2><p>Den nasjonale terskelverdien for offentlige anskaffelser '
    "er 1,3 millioner kroner eksklusive merverdiavgift. Under denne verdien gjelder bare de grunnleggende "
    'prinsippene i anskaffelsesloven.</p><h2 id="eos">EØS-terskelverdier</h2><p>For kommuner og '
    "fylkeskommuner er EØS-terskelverdien for varer og tjenester 2,3 millioner kroner eksklusive "
    "merverdiavgift. Over denne verdien skal konkurransen kunngjøres i hele EØS-området.</p>",
)
MILJO = page(
    "Klima og miljø i konkurranser",
    '<h2 id="vekting">Vekting av klima og miljø</h2><p>Når klima og miljø brukes som tildelingskriterium, '
    "skal kriteriet vektes med minst 30 prosent av den samlede vurderingen. Regelen står i forskrift om "
    'offentlige anskaffelser § 7-9.</p><h2 id="krav">Krav i kravspesifikasjonen</h2><p>I stedet for å vekte '
    "klima og miljø kan oppdragsgiveren stille klima- og miljøkrav i kravspesifikasjonen når det gir en "
    "bedre klimaeffekt.</p>",
    published="2024-02-10",
)
KJORETOY = page(
    "Kjøp av kjøretøy",
    '<h2 id="personbiler">Nye personbiler</h2><p>Nye personbiler som en kommune kjøper eller leaser skal '
    "være nullutslippskjøretøy. Kravet gjelder fra 2022 etter forskriften om rene kjøretøy.</p>",
    published="2024-01-15",
)
GAMMEL = page(
    "Gammel veileder om papirinnkjøp",
    "<p>Papirleverandører ble i den gamle veilederen bedt om å levere kopipapir med svanemerket bleking "
    "innen 14 dager etter bestillingen.</p>",
)
INTERN = page(
    "Intern arbeidsgruppe",
    "<p>Arbeidsgruppen for lisensforhandlinger møtes i rom Blåklokke hver tredje torsdag.</p>",
)
NY_SIDE = page(
    "Innkjøpsplan for kommunen",
    '<h2 id="plan">Plan for innkjøp</h2><p>Kommunen lager hvert år en innkjøpsplan som viser hvilke '
    "avtaler som skal fornyes og hvilke konkurranser som skal lyses ut.</p>",
)
INDEX = page(
    "Veiledning",
    "<p>Her finner du veiledning om innkjøp i kommunen.</p>",
    links='<ul class="lenker"><li><a href="/veiledning/terskelverdier">Terskelverdier</a></li>'
    '<li><a href="/veiledning/miljokrav">Klima og miljø</a></li><li><a href="/veiledning/kjoretoy">Kjøretøy'
    '</a></li><li><a href="/intern/arbeidsgruppe">Intern</a></li><li><a href="/annet/utenfor">Utenfor</a>'
    "</li></ul>",
)
SLOW_SECONDS = 3.0  # the tests' fetch timeout is 1 s: this page always times out
HUGE_BYTES = 3_000_000  # the tests' fetch_max_bytes is 1 MB; sent in chunks without Content-Length


def pdf_bytes() -> bytes:
    import fpdf

    pdf = fpdf.FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title("Veileder om rammeavtaler")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "Veileder om rammeavtaler", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    for line in (
        "En rammeavtale mellom en kommune og en leverandør kan som hovedregel vare i høyst fire år.",
        "Avtalen fastsetter vilkårene for kontraktene som tildeles i avtaleperioden.",
    ):
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class Site:
    """The site's state; tests change it between runs."""

    pages: dict[str, str] = field(default_factory=dict)  # path → HTML
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # path → (content type, body)
    gone: set[str] = field(default_factory=set)  # paths answering 410
    listed: list[str] = field(default_factory=list)  # paths in sitemap-pages.xml
    redirects: dict[str, str] = field(default_factory=dict)
    robots: str | None = "User-agent: *\nDisallow: /intern/\n"  # None: 503, "": 404
    broken_sitemap: bool = False  # sitemap-pages.xml is not XML
    modified: dict[str, float] = field(default_factory=dict)  # path → Last-Modified time
    requests: list[Request] = field(default_factory=list)
    base: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set_page(self, path: str, html: str) -> None:
        with self.lock:
            self.pages[path] = html
            self.modified[path] = time.time()

    def asked(self, prefix: str = "/") -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()


def default_site() -> Site:
    site = Site()
    for path, html in {
        "/veiledning/": INDEX,
        "/veiledning/terskelverdier": TERSKEL,
        "/veiledning/miljokrav": MILJO,
        "/veiledning/kjoretoy": KJORETOY,
        "/veiledning/gammel": GAMMEL,
        "/veiledning/ny-side": NY_SIDE,
        "/intern/arbeidsgruppe": INTERN,
    }.items():
        site.pages[path] = html
        site.modified[path] = time.time() - 86_400
    site.files["/dokumenter/rammeavtaler.pdf"] = ("application/pdf", pdf_bytes())
    # a PNG's header served as a web page: must be refused, not parsed
    site.files["/veiledning/bilde"] = (
        "text/html; charset=utf-8",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,
    )
    site.redirects["/veiledning/flyttet"] = "/veiledning/ny-side"
    site.listed = [
        "/veiledning/terskelverdier",
        "/veiledning/miljokrav",
        "/veiledning/kjoretoy",
        "/veiledning/gammel",
        "/veiledning/flyttet",
        "/intern/arbeidsgruppe",
        "/veiledning/treg",
        "/veiledning/stor",
        "/veiledning/bilde",
        "/dokumenter/rammeavtaler.pdf",
    ]
    return site


class _Handler(BaseHTTPRequestHandler):
    site: Site
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        status = self._serve()
        with self.site.lock:
            self.site.requests.append(Request(self.path, dict(self.headers.items()), status))

    def _serve(self) -> int:
        site, path = self.site, self.path.split("?", 1)[0]
        if path == "/robots.txt" and site.robots is None:
            return self._send(503, "text/plain", b"Vedlikehold")
        if path == "/robots.txt" and site.robots:
            return self._send(200, "text/plain; charset=utf-8", site.robots.encode())
        if path == "/sitemap.xml":
            index = f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>{site.base}/sitemap-pages.xml</loc></sitemap></sitemapindex>'
            return self._send(200, "application/xml", index.encode())
        if path == "/sitemap-pages.xml" and site.broken_sitemap:
            return self._send(200, "application/xml", b"<urlset><url><loc>")
        if path == "/sitemap-pages.xml":
            urls = "".join(f"<url><loc>{site.base}{p}</loc></url>" for p in site.listed)
            body = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            return self._send(200, "application/xml", body.encode())
        if path in site.gone:
            return self._send(410, "text/html; charset=utf-8", b"<html><body><p>Borte</p></body></html>")
        if path in site.redirects:
            self.send_response(301)
            self.send_header("Location", site.redirects[path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return 301
        if path == "/veiledning/treg":
            time.sleep(SLOW_SECONDS)
            return self._send(200, "text/html; charset=utf-8", TERSKEL.encode())
        if path == "/veiledning/stor":
            return self._huge()
        if path in site.files:
            kind, body = site.files[path]
            return self._send(200, kind, body, conditional=path)
        if path in site.pages:
            return self._send(200, "text/html; charset=utf-8", site.pages[path].encode(), conditional=path)
        return self._send(404, "text/html; charset=utf-8", b"<html><body><p>Finnes ikke</p></body></html>")

    def _send(self, status: int, kind: str, body: bytes, *, conditional: str | None = None) -> int:
        headers = {"Content-Type": kind}
        if conditional:
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            modified = formatdate(self.site.modified.get(conditional, 0.0), usegmt=True)
            headers |= {"ETag": etag, "Last-Modified": modified}
            if self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        try:
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the fetcher gave up (the slow page's timeout)
            self.close_connection = True
        return status

    def _huge(self) -> int:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = ("<p>" + "Fyll " * 2000 + "</p>").encode()
        sent = 0
        try:
            opening = b"<html><body>"
            self.wfile.write(f"{len(opening):x}\r\n".encode() + opening + b"\r\n")
            while sent < HUGE_BYTES:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):  # the fetcher gave up at its limit, as it should
            pass
        self.close_connection = True
        return 200


@contextmanager
def running(site: Site | None = None) -> Iterator[Site]:
    """Serve the site on a free port of 127.0.0.1 for the duration of the block."""
    site = site or default_site()
    handler = type("Handler", (_Handler,), {"site": site})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
