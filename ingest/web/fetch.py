"""One polite HTTP client for ingest: every request goes through `Fetcher.get`.

Rules, in the order they apply:
- robots.txt of each site is read once per fetcher (with our user agent); a Disallowed URL is not fetched
  (`blocked`). robots.txt missing (4xx) allows everything; unreadable (5xx, timeout) allows nothing this time,
  which is an `error` for the page (kept in the index), not a `blocked` (removed).
- At most one request at a time, and per host at least `delay` seconds (or the site's Crawl-delay, capped)
  between the start of two requests.
- Each request has a deadline (`timeout`) for the whole exchange, so a page that trickles its bytes is
  abandoned too; a body over `max_bytes` is abandoned as soon as it is known (Content-Length) or read.
- Redirects are followed by hand, at most `max_redirects`, each hop checked against robots.txt.
- Only HTML, PDF and DOCX bodies are accepted, and the body must be what its type says: a binary body served
  as text/html, or a "PDF" without a PDF header, is refused. `application/octet-stream` is sniffed.
- Conditional GET: `etag` / `last_modified` from the previous fetch go out as If-None-Match /
  If-Modified-Since, and a 304 is `not_modified`.
Every failure is an outcome with a reason, never an exception: a refresh reports it per URL and carries on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Literal

import httpx

from ingest.web.robots import MAX_ROBOTS_BYTES, Robots, parse
from ingest.web.urls import host, origin, path_of, resolve

log = logging.getLogger(__name__)

Outcome = Literal["ok", "not_modified", "gone", "blocked", "error"]
Media = Literal["html", "pdf", "docx", "xml", "text"]

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DECLARED: dict[str, Media] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/pdf": "pdf",
    DOCX_TYPE: "docx",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/gzip": "xml",  # sitemap.xml.gz
    "application/x-gzip": "xml",
    "text/plain": "text",
}
SNIFFED = {
    "application/octet-stream",
    "binary/octet-stream",
    "application/x-download",
    "application/download",
}
PAGE_MEDIA: tuple[Media, ...] = ("html", "pdf", "docx")
# Magic numbers of formats that are never HTML (PDF, zip/DOCX, PNG, GIF, JPEG, gzip, ELF, WebP/RIFF).
BINARY_MAGIC = (
    b"%PDF",
    b"PK\x03\x04",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"\x7fELF",
    b"RIFF",
)
SNIFF_BYTES = 1024  # how much of a body the type checks look at; magic numbers sit in the first bytes
MAX_CRAWL_DELAY = 30.0  # a site's Crawl-delay above this would stall a refresh for hours: capped, and said so
GONE = {404, 410}
REDIRECTS = {301, 302, 303, 307, 308}
ACCEPT = "text/html,application/xhtml+xml,application/pdf,application/xml;q=0.9,*/*;q=0.1"
ACCEPT_LANGUAGE = "nb,no;q=0.9,nn;q=0.8,en;q=0.5"


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how far the fetcher goes (from the `fetch_*` settings)."""

    user_agent: str
    delay: float = 1.0
    timeout: float = 20.0
    max_bytes: int = 20_000_000
    max_redirects: int = 5

    @property
    def product(self) -> str:
        """The user agent's product token: the name robots.txt groups are matched against."""
        return self.user_agent.split("/", 1)[0].split()[0]

    @classmethod
    def from_settings(cls, settings) -> FetchPolicy:
        return cls(
            user_agent=settings.fetch_user_agent,
            delay=settings.fetch_delay_seconds,
            timeout=settings.fetch_timeout_seconds,
            max_bytes=settings.fetch_max_bytes,
            max_redirects=settings.fetch_max_redirects,
        )


@dataclass
class Fetched:
    url: str  # as asked for (normalised)
    outcome: Outcome
    final_url: str = ""
    status: int = 0  # HTTP status of the last response; 0 when none came
    body: bytes = b""
    media: Media | None = None
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None


@dataclass
class Counters:
    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    seconds: float = 0.0
    by_status: dict[int, int] = field(default_factory=dict)


class _Refused(Exception):
    """A response the fetcher will not use; the message is the reason reported for the URL."""


class Fetcher:
    def __init__(self, policy: FetchPolicy, *, transport: httpx.BaseTransport | None = None) -> None:
        self.policy = policy
        self.counters = Counters()
        self._robots: dict[str, Robots] = {}
        self._robots_error: dict[str, str] = {}
        self._last_request: dict[str, float] = {}
        self._client = httpx.Client(
            headers={"User-Agent": policy.user_agent, "Accept": ACCEPT, "Accept-Language": ACCEPT_LANGUAGE},
            timeout=httpx.Timeout(policy.timeout),
            follow_redirects=False,
            transport=transport,
            trust_env=False,  # a proxy from the environment must not see (or reroute) intranet sources
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    # ---- robots.txt ----------------------------------------------------------------------------------

    def robots(self, url: str) -> Robots:
        site = origin(url)
        if site not in self._robots:
            self._robots[site] = self._read_robots(site)
        return self._robots[site]

    def robots_error(self, url: str) -> str | None:
        """Why robots.txt of the URL's site could not be read (then nothing there is fetched), or None."""
        self.robots(url)
        return self._robots_error.get(origin(url))

    def allowed(self, url: str) -> bool:
        return self.robots(url).allowed(path_of(url))

    def _read_robots(self, site: str) -> Robots:
        url = f"{site}/robots.txt"
        try:
            response, body, _ = self._follow(url, {}, limit=MAX_ROBOTS_BYTES, robots_check=False)
        except (_Refused, httpx.HTTPError) as exc:
            self._robots_error[site] = f"robots.txt could not be read ({_reason(exc, self.policy)})"
            return Robots.deny_all()
        if 400 <= response.status_code < 500:  # no robots.txt: everything is allowed
            return Robots.allow_all()
        if response.status_code >= 300:
            self._robots_error[site] = f"robots.txt answered HTTP {response.status_code}"
            return Robots.deny_all()
        robots = parse(body.decode("utf-8", errors="replace"), self.policy.product)
        if robots.crawl_delay and robots.crawl_delay > MAX_CRAWL_DELAY:
            log.warning("Crawl-delay capped", extra={"site": site, "asked": robots.crawl_delay})
        return robots

    # ---- pages ---------------------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: tuple[Media, ...] = PAGE_MEDIA,
    ) -> Fetched:
        """Fetch one URL under the rules above; never raises for a network or server problem."""
        blocked = self._robots_verdict(url)
        if blocked is not None:
            return blocked
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            response, body, final = self._follow(url, headers, limit=self.policy.max_bytes)
        except _Refused as exc:
            return self._verdict(url, str(exc))
        except httpx.HTTPError as exc:
            return Fetched(url, "error", final_url=url, error=_reason(exc, self.policy))
        status = response.status_code
        result = Fetched(url, "ok", final_url=final, status=status)
        if status == 304:
            self.counters.not_modified += 1
            result.outcome, result.etag, result.last_modified = "not_modified", etag, last_modified
            return result
        if status in GONE:
            result.outcome, result.error = "gone", f"HTTP {status}"
            return result
        if not 200 <= status < 300:
            result.outcome, result.error = "error", f"HTTP {status}"
            return result
        try:
            result.media, result.charset = classify(
                response.headers.get("content-type", ""), body, final, accept
            )
        except _Refused as exc:
            result.outcome, result.error = "error", str(exc)
            return result
        result.body = body
        result.etag = response.headers.get("etag")
        result.last_modified = response.headers.get("last-modified")
        return result

    def _robots_verdict(self, url: str) -> Fetched | None:
        problem = self.robots_error(url)
        if problem:
            return Fetched(url, "error", final_url=url, error=problem)
        if not self.allowed(url):
            return Fetched(url, "blocked", final_url=url, error="disallowed by robots.txt")
        return None

    def _verdict(self, url: str, reason: str) -> Fetched:
        if reason.startswith("redirected to a URL disallowed"):
            return Fetched(url, "blocked", final_url=url, error=reason)
        return Fetched(url, "error", final_url=url, error=reason)

    def _follow(
        self, url: str, headers: dict[str, str], *, limit: int, robots_check: bool = True
    ) -> tuple[httpx.Response, bytes, str]:
        """GET with redirects followed by hand; returns the last response, its body and its URL."""
        current = url
        for _ in range(self.policy.max_redirects + 1):
            response, body = self._request(current, headers, limit)
            location = response.headers.get("location")
            if response.status_code not in REDIRECTS or not location:
                return response, body, current
            target = resolve(current, location)
            if target is None:
                raise _Refused(f"redirected to an unusable address {location[:200]!r}")
            if robots_check:
                problem = self.robots_error(target)
                if problem:
                    raise _Refused(problem)
                if not self.allowed(target):
                    raise _Refused(f"redirected to a URL disallowed by robots.txt: {target}")
            current = target
        raise _Refused(f"more than {self.policy.max_redirects} redirects")

    def _request(self, url: str, headers: dict[str, str], limit: int) -> tuple[httpx.Response, bytes]:
        self._wait_turn(url)
        started = time.monotonic()
        deadline = started + self.policy.timeout
        self.counters.requests += 1
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                self.counters.by_status[status] = self.counters.by_status.get(status, 0) + 1
                if status in REDIRECTS or status == 304 or not 200 <= status < 300:
                    return response, b""  # no body wanted: do not read (or wait for) it
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise _Refused(
                        f"the response is {int(declared):,} bytes, more than the limit of {limit:,}"
                    )
                parts: list[bytes] = []
                size = 0
                for part in response.iter_bytes():
                    size += len(part)
                    self.counters.bytes += len(part)
                    if size > limit:
                        raise _Refused(f"the response is more than the limit of {limit:,} bytes")
                    if time.monotonic() > deadline:
                        raise _Refused(
                            f"timed out after {self.policy.timeout:g} s (the body came too slowly)"
                        )
                    parts.append(part)
                return response, b"".join(parts)
        finally:
            self.counters.seconds += time.monotonic() - started

    def _wait_turn(self, url: str) -> None:
        site = host(url)
        robots = self._robots.get(origin(url))
        delay = max(self.policy.delay, min(robots.crawl_delay or 0.0, MAX_CRAWL_DELAY) if robots else 0.0)
        last = self._last_request.get(site)
        if last is not None:
            pause = last + delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self._last_request[site] = time.monotonic()


def classify(content_type: str, body: bytes, url: str, accept: tuple[Media, ...]) -> tuple[Media, str | None]:
    """The body's media kind and charset, checked against what it claims; raises _Refused otherwise."""
    declared, _, params = content_type.partition(";")
    declared = declared.strip().lower()
    charset = next(
        (
            p.split("=", 1)[1].strip().strip("\"'")
            for p in params.split(";")
            if p.strip().lower().startswith("charset=")
        ),
        None,
    )
    head = body[:SNIFF_BYTES]
    media = DECLARED.get(declared)
    if media is None and (declared in SNIFFED or not declared):
        media = _sniff(head, url)
    if media is None or media not in accept:
        wanted = ", ".join(m.upper() for m in accept)
        raise _Refused(f"the content type {declared or '(none)'!r} is not one we read ({wanted})")
    gzipped = media == "xml" and head.startswith(b"\x1f\x8b")  # sitemap.xml.gz
    if media in {"html", "xml", "text"} and not gzipped and _looks_binary(head):
        raise _Refused(f"binary content served as {declared or 'text'} (refused)")
    if media == "pdf" and b"%PDF-" not in head:
        raise _Refused("served as PDF but the body is not a PDF")
    if media == "docx" and not head.startswith(b"PK\x03\x04"):
        raise _Refused("served as DOCX but the body is not a zip archive")
    return media, charset


def _sniff(head: bytes, url: str) -> Media | None:
    if head.lstrip().startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") and url.lower().split("?", 1)[0].endswith(".docx"):
        return "docx"
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "html"
    return None


def _looks_binary(head: bytes) -> bool:
    stripped = head.lstrip()
    if stripped.startswith(BINARY_MAGIC) or b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return controls > max(3, len(head) // 20)


def _reason(exc: Exception, policy: FetchPolicy) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {policy.timeout:g} s"
    if isinstance(exc, httpx.HTTPError):
        return f"cannot connect: {type(exc).__name__}: {exc}"[:300]
    return str(exc)
