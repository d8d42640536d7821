"""One refresh of web sources: list each source's pages, fetch them (conditionally where the index has them),
and tell the pipeline what is new, what stays as published, and what is gone.

Per page, by what the site answered:
    200            a fresh document (the pipeline embeds only chunks it has no vector for)
    304            unchanged: the published version stays, nothing is parsed or embedded
    404 / 410      gone: removed from the index
    robots.txt     Disallowed (or the page says noindex): removed, never fetched again while it says so
    anything else  an error for that URL (timeout, too large, wrong type, 5xx): the published version stays
A page the source no longer lists (out of the sitemap, no longer linked in a crawl) is removed — unless the
listing itself failed (sitemap unreadable, start page down), then every page of the source stays.

Fetch state is saved after the pipeline has published (`save`), so the ETag on record always belongs to the
text in the index. `changes` tells which cited pages changed or went, with a diff of their main text.
"""

from __future__ import annotations

import difflib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from assistant.errors import IngestError
from assistant.platform.db import Database, _now
from assistant.search.source_state import PageRow, SourceRow
from assistant.search.store import Snapshot
from ingest.loaders import Document, Limits
from ingest.web import pages, sitemap
from ingest.web.fetch import Counters, Fetched, Fetcher
from ingest.web.sources import Source
from ingest.web.urls import host, is_url, normalise, wanted, within

log = logging.getLogger(__name__)

MAX_SITEMAP_FILES = 100  # child sitemaps read from one index: a national site has a few dozen
MAX_DIFF_LINES = 200  # of a «kilde endret» diff shown to an adviser; the rest is summarised in one line
KEPT_OUTCOMES = ("not_modified", "error")
VALIDATOR_CHARS = 500  # source_pages.etag's length: real ETags are hashes, a few dozen characters
DATE_CHARS = 100  # source_pages.last_modified's length: an HTTP date is 29 characters


@dataclass
class PageResult:
    url: str
    outcome: str  # ok | not_modified | gone | blocked | error
    fetched: Fetched | None = None
    document: Document | None = None
    error: str | None = None
    links: list[str] = field(default_factory=list)


@dataclass
class SourceResult:
    source: Source
    pages: list[PageResult] = field(default_factory=list)
    listed: bool = True  # False: the listing failed, so nothing of the source is removed this time
    listing_error: str | None = None
    counters: Counters = field(default_factory=Counters)
    indexed: set[str] = field(default_factory=set)  # its pages in the index before this run

    @property
    def errors(self) -> list[tuple[str, str]]:
        found = [(self.source.key, self.listing_error)] if self.listing_error else []
        return found + [(p.url, p.error or "error") for p in self.pages if p.outcome == "error"]

    @property
    def notes(self) -> list[tuple[str, str, str]]:
        """(removed | skipped, url, why) for pages left out on purpose (gone, disallowed, noindex) and pages
        no longer listed: "removed" when the index had them."""
        found = [
            ("removed" if p.url in self.indexed else "skipped", p.url, p.error or p.outcome)
            for p in self.pages
            if p.outcome in ("gone", "blocked")
        ]
        if self.listed:
            seen = {p.url for p in self.pages}
            unlisted = sorted(self.indexed - seen)
            found += [("removed", url, "no longer listed by the source") for url in unlisted]
        return found


@dataclass
class PageChange:
    """A page whose indexed text changed or that left the index; `diff` is a unified diff of its main text."""

    url: str
    source: str  # the URL cited (after redirects)
    change: str  # changed | removed
    diff: str
    title: str = ""
    reason: str = ""


class WebRefresh:
    """Refreshes a set of web sources with one fetcher; `scan` runs inside the pipeline's lock."""

    def __init__(
        self,
        sources: list[Source],
        fetcher: Fetcher,
        db: Database,
        limits: Limits,
        *,
        heartbeat: Callable[[], None] | None = None,
    ) -> None:
        self.sources = sources
        self.fetcher = fetcher
        self.db = db
        self.limits = limits
        self.heartbeat = heartbeat
        self.results: list[SourceResult] = []
        self.states: dict[str, PageRow] = {}

    # ---- fetching ------------------------------------------------------------------------------------

    def run(self, snapshot: Snapshot) -> list[SourceResult]:
        keys = [s.key for s in self.sources]
        with self.db.session() as s:
            self.states = {
                row.url: row for row in s.scalars(select(PageRow).where(PageRow.source_key.in_(keys)))
            }
        for source in self.sources:
            indexed = {doc_id for doc_id, entry in snapshot.documents.items() if entry.scope == source.key}
            before = _copy(self.fetcher.counters)
            result = SourceResult(source, indexed=indexed)
            started = time.perf_counter()
            try:
                self._refresh(source, result)
            except IngestError as exc:  # a listing problem the steps below did not catch: keep everything
                result.listed, result.listing_error = False, exc.message
            result.counters = _difference(self.fetcher.counters, before)
            result.counters.seconds = time.perf_counter() - started
            self.results.append(result)
            log.info(
                "source refreshed",
                extra={"source": source.key, "pages": len(result.pages), "errors": len(result.errors)},
            )
        return self.results

    def _refresh(self, source: Source, result: SourceResult) -> None:
        if source.type == "page":
            result.pages.append(self._page(source, source.key, result.indexed))
        elif source.type == "sitemap":
            listed = self._sitemap_pages(source, result)
            for url in listed or []:
                result.pages.append(self._page(source, url, result.indexed))
        else:
            self._crawl(source, result)

    def _sitemap_pages(self, source: Source, result: SourceResult) -> list[str] | None:
        queue, seen, found = deque([source.key]), set(), []
        while queue:
            url = queue.popleft()
            if url in seen:
                continue
            if len(seen) >= MAX_SITEMAP_FILES:
                result.listing_error = f"more than {MAX_SITEMAP_FILES} sitemap files; the rest were not read"
                result.listed = False
                break
            seen.add(url)
            fetched = self.fetcher.get(url, accept=("xml", "text"))
            self._beat()
            if fetched.outcome != "ok":
                result.listed, result.listing_error = (
                    False,
                    f"sitemap {url}: {fetched.error or fetched.outcome}",
                )
                return None
            try:
                if fetched.media == "text":  # the protocol's plain-text form: one URL a line
                    lines = fetched.body.decode("utf-8", errors="replace").split()
                    parsed = sitemap.Sitemap(pages=[normalise(u) for u in lines if is_url(u)])
                else:
                    parsed = sitemap.parse(fetched.body, fetched.final_url)
            except IngestError as exc:
                result.listed, result.listing_error = False, f"sitemap {url}: {exc.message}"
                return None
            # The protocol: a sitemap lists pages of its own host only (it must not send us elsewhere).
            found.extend(u for u in parsed.pages if host(u) == host(fetched.final_url))
            queue.extend(u for u in parsed.sitemaps if host(u) == host(fetched.final_url))
        unique = list(
            dict.fromkeys(u for u in found if wanted(u, list(source.include), list(source.exclude)))
        )
        return unique[: source.max_pages]

    def _crawl(self, source: Source, result: SourceResult) -> None:
        prefix = source.prefix
        queue: deque[tuple[str, int]] = deque([(source.key, 0)])
        seen = {source.key}
        include, exclude = list(source.include), list(source.exclude)
        while queue and len(result.pages) < source.max_pages:
            url, depth = queue.popleft()
            page = self._page(source, url, result.indexed, follow=prefix)
            result.pages.append(page)
            if url == source.key and page.outcome not in ("ok", "not_modified"):
                result.listed = False
                result.listing_error = f"the start page {url} could not be read: {page.error or page.outcome}"
                return
            if depth >= source.max_depth:
                continue
            for link in page.links:
                if link not in seen and within(link, prefix) and wanted(link, include, exclude):
                    seen.add(link)
                    queue.append((link, depth + 1))
        if queue:  # stopped at max_pages: what was not reached is not listed (so it goes), say so
            log.warning(
                "crawl stopped at max_pages", extra={"source": source.key, "max_pages": source.max_pages}
            )

    def _page(self, source: Source, url: str, indexed: set[str], follow: str | None = None) -> PageResult:
        state = self.states.get(url)
        conditional = state is not None and url in indexed
        fetched = self.fetcher.get(
            url,
            etag=state.etag if conditional else None,
            last_modified=state.last_modified if conditional else None,
        )
        self._beat()
        page = PageResult(url, fetched.outcome, fetched, error=fetched.error)
        if fetched.outcome == "ok":
            try:
                page.document = pages.document(
                    fetched, kind=source.kind, language=source.language, limits=self.limits
                )
            except IngestError as exc:
                page.outcome = "blocked" if exc.code == "noindex" else "error"
                page.error = exc.message
            if follow and fetched.media == "html":
                markup = pages.decode(fetched.body, fetched.charset)
                page.links = [link for link in pages.links(markup, fetched.final_url) if within(link, follow)]
        elif fetched.outcome in KEPT_OUTCOMES and state is not None:
            page.links = list(state.links or [])
        return page

    def _beat(self) -> None:
        if self.heartbeat:
            self.heartbeat()

    # ---- what the pipeline needs -----------------------------------------------------------------------

    def documents(self, result: SourceResult) -> list[Document]:
        return [p.document for p in result.pages if p.document is not None]

    def kept(self, result: SourceResult) -> set[str]:
        """Doc ids whose published version stays: unchanged (304), failed this time, or the listing failed."""
        fresh = {p.url for p in result.pages if p.document is not None}
        kept = {p.url for p in result.pages if p.outcome in KEPT_OUTCOMES and p.url in result.indexed}
        if not result.listed:
            kept |= result.indexed - fresh
        return kept

    def changes(self, updated: list[str], removed: list[str]) -> list[PageChange]:
        """The web pages among the plan's updated and removed documents, with what changed."""
        by_url = {p.url: p for r in self.results for p in r.pages}
        notes = {url: reason for r in self.results for _, url, reason in r.notes}
        found: list[PageChange] = []
        for url in updated:
            page, state = by_url.get(url), self.states.get(url)
            if page is None or page.document is None:
                continue
            old = (state.text if state else "") or ""
            found.append(
                PageChange(
                    url, page.document.source, "changed", diff(old, page.document.text), page.document.title
                )
            )
        for url in removed:
            state = self.states.get(url)
            if url not in notes and state is None:
                continue
            old = (state.text if state else "") or ""
            title = state.title if state else ""
            source = (state.final_url if state else "") or url
            found.append(PageChange(url, source, "removed", diff(old, ""), title, notes.get(url, "")))
        return found

    # ---- after publishing ----------------------------------------------------------------------------

    def save(self, live_by_scope: dict[str, int]) -> None:
        """Record every page's fetch state and each source's last refresh (after the index is published)."""
        now = _now()
        with self.db.session() as s, s.begin():
            for result in self.results:
                seen: set[str] = set()
                for page in result.pages:
                    seen.add(page.url)
                    row = s.get(PageRow, page.url) or PageRow(url=page.url, source_key=result.source.key)
                    _record(row, page, now)
                    row.source_key = result.source.key
                    s.add(row)
                if result.listed:
                    for row in s.scalars(select(PageRow).where(PageRow.source_key == result.source.key)):
                        if row.url not in seen and row.gone_at is None:
                            row.outcome, row.gone_at, row.etag, row.last_modified = (
                                "unlisted",
                                now,
                                None,
                                None,
                            )
                source = s.get(SourceRow, result.source.key)
                if source is not None:
                    counters = result.counters
                    source.refreshed_at, source.refresh_requested = now, False
                    source.status = "failed" if not result.listed else ("errors" if result.errors else "ok")
                    source.error = "; ".join(f"{url}: {why}" for url, why in result.errors[:5]) or None
                    source.pages = live_by_scope.get(result.source.key, 0)
                    source.requests, source.not_modified = counters.requests, counters.not_modified
                    source.bytes, source.seconds = counters.bytes, round(counters.seconds, 3)


def _record(row: PageRow, page: PageResult, now) -> None:
    fetched = page.fetched
    row.fetched_at = now
    row.status = fetched.status if fetched else 0
    row.outcome, row.error = page.outcome, page.error
    if fetched is not None:
        row.final_url = fetched.final_url or row.final_url
    if page.outcome == "ok" and page.document is not None and fetched is not None:
        document = page.document
        if row.text != document.text:
            row.changed_at = now
        # validators longer than their columns are junk: then the next fetch is unconditional
        row.etag = fetched.etag if fetched.etag and len(fetched.etag) <= VALIDATOR_CHARS else None
        modified = fetched.last_modified
        row.last_modified = modified if modified and len(modified) <= DATE_CHARS else None
        row.title, row.text, row.media = document.title[:500], document.text, fetched.media
        row.canonical = str(document.extra.get("canonical") or "") or None
        row.bytes, row.links, row.gone_at = len(fetched.body), page.links, None
    elif page.outcome in ("gone", "blocked"):
        row.etag, row.last_modified, row.gone_at = None, None, row.gone_at or now
    # not_modified / error: the recorded version (ETag, text) stays the indexed one


def diff(old: str, new: str) -> str:
    """A unified diff of two main texts by line, at most MAX_DIFF_LINES lines."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "før", "etter", lineterm="", n=1))[
        2:
    ]  # the ---/+++ header says nothing an adviser needs
    if len(lines) > MAX_DIFF_LINES:
        rest = len(lines) - MAX_DIFF_LINES
        lines = [*lines[:MAX_DIFF_LINES], f"… (+{rest})"]
    return "\n".join(lines)


def _copy(counters: Counters) -> Counters:
    return Counters(
        counters.requests, counters.bytes, counters.not_modified, counters.seconds, dict(counters.by_status)
    )


def _difference(after: Counters, before: Counters) -> Counters:
    return Counters(
        after.requests - before.requests,
        after.bytes - before.bytes,
        after.not_modified - before.not_modified,
        0.0,
        {
            k: v - before.by_status.get(k, 0)
            for k, v in after.by_status.items()
            if v - before.by_status.get(k, 0)
        },
    )
