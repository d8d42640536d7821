"""URLs as ingest compares them: normalised, without fragments, tested against a site prefix and patterns.

A page's identity (its document id and the key of its fetch state) is its normalised URL: scheme and host in
lower case, the default port and the fragment dropped, an empty path made "/". The query string stays (it
can select a different page). Pure functions; no network.
"""

from __future__ import annotations

import fnmatch
from urllib.parse import urljoin, urlsplit, urlunsplit

from assistant.errors import InputError

WEB_SCHEMES = ("http", "https")
MAX_URL_CHARS = (
    2000  # longer URLs are almost always session or tracking junk; browsers and sitemaps cap near it
)


def is_url(text: str) -> bool:
    """True for an absolute http(s) URL (what `ingest` treats as a web source rather than a path)."""
    return text.lower().startswith(("http://", "https://"))


def normalise(url: str) -> str:
    """The canonical form used as a page's id; raises InputError for anything but an absolute http(s) URL."""
    text = url.strip()
    if len(text) > MAX_URL_CHARS:
        raise InputError(f"the URL is longer than {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:  # "http://host:port/" with a bad port, unbalanced IPv6 brackets
        raise InputError(f"not a valid URL: {text!r}") from exc
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES or not parts.hostname:
        raise InputError(f"not an http(s) URL: {text!r}")
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port and port != (443 if scheme == "https" else 80):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


def resolve(base: str, link: str) -> str | None:
    """A link on a page as a normalised absolute URL; None for mailto:, javascript:, bad URLs and the like."""
    try:
        absolute = urljoin(base, link.strip())
        return normalise(absolute) if is_url(absolute) else None
    except (InputError, ValueError):
        return None


def origin(url: str) -> str:
    """scheme://host[:port] of a normalised URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def host(url: str) -> str:
    return urlsplit(url).netloc


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def fragment(url: str) -> str:
    return urlsplit(url).fragment


def prefix_of(url: str) -> str:
    """The part of the site a crawl stays in: the URL up to its last "/" ("…/veiledning/" for
    "…/veiledning/index.html" and for "…/veiledning/")."""
    normal = normalise(url)
    parts = urlsplit(normal)
    folder = parts.path[: parts.path.rfind("/") + 1] or "/"
    return urlunsplit((parts.scheme, parts.netloc, folder, "", ""))


def within(url: str, prefix: str) -> bool:
    """Same scheme and host as the prefix and a path below it."""
    return url.startswith(prefix)


def matches(url: str, patterns: list[str]) -> bool:
    """Shell-style patterns: one starting with "/" is matched against the path (with its query), any other
    against the whole URL. `*` crosses "/" (fnmatch), so "/veiledning/*" covers every page below it."""
    path = path_of(url)
    return any(fnmatch.fnmatchcase(path if p.startswith("/") else url, p) for p in patterns)


def wanted(url: str, include: list[str], exclude: list[str]) -> bool:
    """Included (no include patterns: everything) and not excluded."""
    return (not include or matches(url, include)) and not matches(url, exclude)
