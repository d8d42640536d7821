"""The polite fetcher and what it reads, against the local test site on 127.0.0.1: robots.txt rules, per-host
delay, timeouts, size and type limits, redirects, conditional GET; sitemaps (index, gzip, hostile XML); a
fetched page's text, anchors, language and noindex."""

from __future__ import annotations

import gzip
import time

import pytest
from web_site import FURNITURE, Site, default_site, page, running

from assistant.errors import IngestError, InputError
from ingest.loaders import Limits
from ingest.web import pages, robots, sitemap
from ingest.web.fetch import Fetcher, FetchPolicy
from ingest.web.urls import matches, normalise, prefix_of, wanted

UA = "innkjopsassistent/0.1 (tests)"


def fetcher(**overrides) -> Fetcher:
    values = {"delay": 0.0, "timeout": 1.0, "max_bytes": 1_000_000, "max_redirects": 3} | overrides
    return Fetcher(FetchPolicy(UA, **values))


# ---- robots.txt ---------------------------------------------------------------------------------------


def test_robots_longest_rule_wins_and_allow_wins_a_tie():
    rules = robots.parse(
        "User-agent: *\nDisallow: /a\nAllow: /a/b\nDisallow: /c\nAllow: /c\n", "innkjopsassistent"
    )
    assert not rules.allowed("/a/x") and rules.allowed("/a/b/page") and rules.allowed("/c")


def test_robots_our_own_group_replaces_the_star_group():
    text = "User-agent: *\nDisallow: /\n\nUser-agent: Innkjopsassistent\nDisallow: /intern/\nCrawl-delay: 2\n"
    ours = robots.parse(text, "innkjopsassistent")
    assert ours.allowed("/veiledning/") and not ours.allowed("/intern/x") and ours.crawl_delay == 2.0
    assert not robots.parse(text, "otherbot").allowed("/veiledning/")


def test_robots_wildcards_and_end_anchor():
    rules = robots.parse("User-agent: *\nDisallow: /*.pdf$\nDisallow: /*?print=\n", "innkjopsassistent")
    assert not rules.allowed("/dok/a.pdf") and rules.allowed("/dok/a.pdf.html")
    assert not rules.allowed("/side?print=1") and rules.allowed("/side?lang=en")
    assert robots.parse("User-agent: *\nDisallow:\n", "x").allowed("/anything")


# ---- URLs ---------------------------------------------------------------------------------------------


def test_urls_are_normalised_and_patterns_match_path_or_url():
    assert normalise("HTTP://Example.ORG:80/a?x=1#frag") == "http://example.org/a?x=1"
    assert normalise("https://example.org") == "https://example.org/"
    for bad in ("ftp://example.org/", "file:///etc/passwd", "http://", "http://host:99999/"):
        with pytest.raises(InputError):
            normalise(bad)
    assert prefix_of("https://e.org/veiledning/index.html") == "https://e.org/veiledning/"
    url = "https://e.org/veiledning/miljo/print"
    assert matches(url, ["/veiledning/*"]) and matches(url, ["*/print"]) and not matches(url, ["/tema/*"])
    assert wanted(url, [], []) and not wanted(url, ["/veiledning/*"], ["*/print"])


# ---- sitemaps -----------------------------------------------------------------------------------------

URLSET = (
    b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<url><loc>https://e.org/a</loc><lastmod>2024-01-01</lastmod></url><url><loc>https://e.org/b#x</loc></url>"
    b"<url><loc>https://e.org/a</loc></url><url><loc>mailto:x@e.org</loc></url></urlset>"
)


def test_sitemap_pages_index_and_gzip():
    assert sitemap.parse(URLSET, "https://e.org/sitemap.xml").pages == ["https://e.org/a", "https://e.org/b"]
    assert sitemap.parse(gzip.compress(URLSET), "https://e.org/s.xml.gz").pages[0] == "https://e.org/a"
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/s1.xml</loc></sitemap></sitemapindex>'
    assert sitemap.parse(index, "https://e.org/sitemap.xml").sitemaps == ["https://e.org/s1.xml"]
    assert sitemap.is_sitemap_url("https://e.org/sitemap_index.xml") and not sitemap.is_sitemap_url(
        "https://e.org/a"
    )


def test_sitemap_refuses_what_is_not_one_and_resolves_no_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPPHEMMELIG", encoding="utf-8")
    hostile = (
        f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://e.org/&x;</loc></url></urlset>'
    ).encode()
    try:
        found = sitemap.parse(hostile, "https://e.org/")
    except IngestError:
        found = sitemap.Sitemap()
    assert not any("TOPPHEMMELIG" in url for url in found.pages)
    for body in (b"<html><body>no</body></html>", b"not xml at all", b"\x1f\x8bbroken"):
        with pytest.raises(IngestError):
            sitemap.parse(body, "https://e.org/")


# ---- fetching -----------------------------------------------------------------------------------------


def test_pages_the_rules_allow_are_fetched_and_the_rest_refused_with_a_reason():
    with running() as site, fetcher() as web:
        outcomes = {path: web.get(site.base + path) for path in site.listed}
    assert outcomes["/veiledning/terskelverdier"].outcome == "ok"
    assert outcomes["/dokumenter/rammeavtaler.pdf"].media == "pdf"
    assert outcomes["/intern/arbeidsgruppe"].outcome == "blocked"
    assert not any(r.path.startswith("/intern/") for r in site.requests)  # never even asked
    moved = outcomes["/veiledning/flyttet"]
    assert moved.outcome == "ok" and moved.final_url == f"{site.base}/veiledning/ny-side"
    assert "timed out" in outcomes["/veiledning/treg"].error
    assert "limit of 1,000,000 bytes" in outcomes["/veiledning/stor"].error
    assert "binary content served as text/html" in outcomes["/veiledning/bilde"].error
    assert all(r.headers.get("User-Agent") == UA for r in site.requests)


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    site = default_site()
    site.files["/stor.pdf"] = ("application/pdf", b"%PDF-1.4\n" + b"0" * 200_000)
    with running(site), fetcher(max_bytes=100_000) as web:
        result = web.get(site.base + "/stor.pdf")
    assert result.outcome == "error" and "200,009 bytes, more than the limit" in result.error


def test_conditional_get_gets_a_304_and_keeps_the_validators():
    with running() as site, fetcher() as web:
        first = web.get(site.base + "/veiledning/miljokrav")
        again = web.get(
            site.base + "/veiledning/miljokrav", etag=first.etag, last_modified=first.last_modified
        )
    assert first.etag and first.last_modified
    assert (again.outcome, again.status, again.body, again.etag) == ("not_modified", 304, b"", first.etag)
    assert site.requests[-1].headers["If-None-Match"] == first.etag


def test_requests_to_one_host_keep_the_delay():
    with running() as site, fetcher(delay=0.3) as web:
        started = time.monotonic()
        for path in ("/veiledning/terskelverdier", "/veiledning/miljokrav", "/veiledning/kjoretoy"):
            assert web.get(site.base + path).outcome == "ok"
        elapsed = time.monotonic() - started
    assert elapsed >= 0.9  # robots.txt and three pages: three pauses of 0.3 s at least


def test_redirect_loops_and_redirects_into_disallowed_paths_are_refused():
    site = default_site()
    site.redirects |= {"/loop-a": "/loop-b", "/loop-b": "/loop-a", "/til-intern": "/intern/arbeidsgruppe"}
    with running(site), fetcher() as web:
        loop = web.get(site.base + "/loop-a")
        hidden = web.get(site.base + "/til-intern")
    assert loop.outcome == "error" and "more than 3 redirects" in loop.error
    assert hidden.outcome == "blocked" and not any(r.path.startswith("/intern/") for r in site.requests)


def test_missing_robots_txt_allows_all_and_unreadable_fetches_nothing_but_removes_nothing():
    site = default_site()
    site.robots = ""  # 404: no rules
    with running(site), fetcher() as web:
        assert web.get(site.base + "/intern/arbeidsgruppe").outcome == "ok"
    site = default_site()
    site.robots = None  # 503: nothing may be fetched, and nothing is "blocked" (which would remove it)
    with running(site), fetcher() as web:
        result = web.get(site.base + "/veiledning/miljokrav")
    assert result.outcome == "error" and result.error == "robots.txt answered HTTP 503"
    assert [r.path for r in site.requests] == ["/robots.txt"]
    with fetcher(timeout=0.5) as web:  # nothing listens on this port
        result = web.get("http://127.0.0.1:9/veiledning/")
    assert result.outcome == "error" and "robots.txt could not be read" in result.error


def test_only_html_pdf_and_docx_are_accepted():
    site = default_site()
    site.files |= {
        "/data.json": ("application/json", b'{"a": 1}'),
        "/falsk.pdf": ("application/pdf", b"<html>not a pdf</html>"),
        "/last-ned": ("application/octet-stream", open_pdf(site)),
    }
    with running(site), fetcher() as web:
        json_page = web.get(site.base + "/data.json")
        fake = web.get(site.base + "/falsk.pdf")
        sniffed = web.get(site.base + "/last-ned")
    assert "'application/json' is not one we read" in json_page.error
    assert "not a PDF" in fake.error
    assert sniffed.outcome == "ok" and sniffed.media == "pdf"


def open_pdf(site: Site) -> bytes:
    return site.files["/dokumenter/rammeavtaler.pdf"][1]


# ---- pages --------------------------------------------------------------------------------------------


def test_a_fetched_page_gives_main_text_title_date_language_and_heading_anchors():
    with running() as site, fetcher() as web:
        fetched = web.get(site.base + "/veiledning/terskelverdier")
    doc = pages.document(fetched, kind="guide", language=None, limits=Limits())
    assert doc.doc_id == doc.source == f"{site.base}/veiledning/terskelverdier"
    assert (doc.title, doc.kind, doc.language, doc.published.isoformat()) == (
        "Terskelverdier for innkjøp", "guide", "nb", "2024-03-01",
    )  # fmt: skip
    assert doc.extra["anchors"] == {"nasjonal terskelverdi": "nasjonal", "eøs-terskelverdier": "eos"}
    assert "1,3 millioner kroner" in doc.text
    assert not [word for word in FURNITURE if word in doc.text]


def test_noindex_pages_and_empty_pages_are_refused():
    site = default_site()
    site.pages["/skjult"] = page("Skjult", "<p>Denne siden skal ikke i søk.</p>").replace(
        "<head>", '<head><meta name="robots" content="noindex, follow">'
    )
    site.pages["/tom"] = page("Tom", "")
    with running(site), fetcher() as web:
        hidden, empty = web.get(site.base + "/skjult"), web.get(site.base + "/tom")
    with pytest.raises(IngestError) as refused:
        pages.document(hidden, kind="document", language=None, limits=Limits())
    assert refused.value.code == "noindex"
    with pytest.raises(IngestError, match="no text"):
        pages.document(empty, kind="document", language=None, limits=Limits())
