"""What ingest reads: sources from `sources.yaml` (the setting `sources_file`), from the database (added on
the staff page «Kilder» or by `ingest URL`), or the corpus folders when there is no sources file.

    sources:
      - url: https://www.example.org/sitemap.xml   # a page, a sitemap or a site prefix
        type: sitemap        # page | sitemap | site  (left out: sitemap for a …sitemap….xml URL, else page)
        name: Veiledning     # shown on «Kilder»; default: the URL
        kind: guide          # the documents' kind (default: document)
        language: nb         # when a page does not say (<html lang>); default: detected from the text
        include: ["/veiledning/*"]   # shell patterns: "/…" against the path, else the whole URL
        exclude: ["*/print/*"]
        refresh: 1d          # how often `--due` and `assistant serve` refresh it: 30m, 12h, 1d, 2w
        max_pages: 200       # at most this many pages (site and sitemap)
        max_depth: 3         # links followed from the start page (site)
      - path: corpus         # a folder or file, ingested as `ingest PATH` does
        refresh: 1d

Parsing and validation only (pydantic): a bad file is one `ConfigError` naming the entry and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import ConfigError, InputError
from ingest.scopes import scope_label
from ingest.web.sitemap import is_sitemap_url
from ingest.web.urls import normalise, prefix_of

SourceType = Literal["page", "sitemap", "site", "folder"]
DEFAULT_REFRESH = 86_400  # a day: guidance pages change on the scale of weeks; a daily 304 costs nothing
MIN_REFRESH = 300  # five minutes: more often would hammer the sites for pages that change monthly
DEFAULT_MAX_PAGES = 200  # a guidance section of a site; raise it per source for a whole site
DEFAULT_MAX_DEPTH = 3  # start page → section → subsection → page: where a site's guidance lives
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


def parse_duration(value: str | int | float) -> int:
    """Seconds of "30m", "12h", "1d", "2w" or a number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ValueError(f"not a duration: {value!r} (use e.g. 30m, 12h, 1d, 2w)")
        seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds < MIN_REFRESH:
        raise ValueError(f"refresh must be at least {MIN_REFRESH // 60} minutes")
    return int(seconds)


@dataclass(frozen=True)
class Source:
    """One source, however it was given. `key` names it everywhere (the scope of its documents in the store,
    its row in the database): the normalised URL, or the folder's scope label (`ingest.scopes.scope_label`;
    the store may know the folder by another label, `Plan.roots`)."""

    key: str
    type: SourceType
    name: str = ""
    kind: str = "document"
    language: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    refresh_seconds: int = DEFAULT_REFRESH
    max_pages: int = DEFAULT_MAX_PAGES
    max_depth: int = DEFAULT_MAX_DEPTH
    origin: str = "file"  # file | staff | cli | corpus
    path: Path | None = None  # folders only

    @property
    def is_web(self) -> bool:
        return self.type != "folder"

    @property
    def prefix(self) -> str:
        """Where a site crawl stays."""
        return prefix_of(self.key)

    @property
    def label(self) -> str:
        return self.name or self.key


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    path: Path | None = None
    type: Literal["page", "sitemap", "site"] | None = None
    name: str = Field("", max_length=200)
    kind: str = Field("document", min_length=1, max_length=40)
    language: str | None = Field(None, pattern=r"^(nb|nn|en)$")
    include: list[str] = []
    exclude: list[str] = []
    refresh: int = DEFAULT_REFRESH
    max_pages: int = Field(DEFAULT_MAX_PAGES, ge=1, le=100_000)
    max_depth: int = Field(DEFAULT_MAX_DEPTH, ge=0, le=20)

    @field_validator("refresh", mode="before")
    @classmethod
    def _refresh(cls, value):
        return parse_duration(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value):
        if value is None:
            return None
        try:
            return normalise(value)
        except InputError as exc:
            raise ValueError(exc.message) from exc

    @model_validator(mode="after")
    def _one_of(self):
        if (self.url is None) == (self.path is None):
            raise ValueError("give either url or path")
        if self.path is not None and self.type is not None:
            raise ValueError("type is for url sources only")
        return self


def web_source(url: str, *, type: str | None = None, origin: str = "cli", **values) -> Source:
    """A web source from a URL (type inferred when not given); raises InputError for a bad URL."""
    key = normalise(url)
    kind: SourceType = type or ("sitemap" if is_sitemap_url(key) else "page")  # type: ignore[assignment]
    if kind not in ("page", "sitemap", "site"):
        raise InputError(f"unknown source type {kind!r} (page, sitemap or site)")
    return Source(key=key, type=kind, origin=origin, **values)


def folder_source(path: Path, *, origin: str = "corpus", refresh_seconds: int = DEFAULT_REFRESH) -> Source:
    return Source(
        key=scope_label(path), type="folder", path=path, origin=origin, refresh_seconds=refresh_seconds
    )


def load_sources(path: Path) -> list[Source]:
    """The sources listed in a sources file; ConfigError naming the problem when the file is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the sources file {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"the sources file {path} is not valid YAML: {exc}") from exc
    entries = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f"the sources file {path} needs a list under `sources:`")
    sources: list[Source] = []
    for number, raw in enumerate(entries, 1):
        try:
            entry = _Entry.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: "
                f"{err['msg'].removeprefix('Value error, ')}"
                for err in exc.errors()
            )
            raise ConfigError(f"{path}, source {number}: {problems}") from exc
        if entry.path is not None:
            folder = entry.path if entry.path.is_absolute() else path.parent / entry.path
            sources.append(folder_source(folder, origin="file", refresh_seconds=entry.refresh))
            continue
        sources.append(
            web_source(
                entry.url or "",
                type=entry.type,
                origin="file",
                name=entry.name,
                kind=entry.kind,
                language=entry.language,
                include=tuple(entry.include),
                exclude=tuple(entry.exclude),
                refresh_seconds=entry.refresh,
                max_pages=entry.max_pages,
                max_depth=entry.max_depth,
            )
        )
    keys = [s.key for s in sources]
    duplicate = next((k for k in keys if keys.count(k) > 1), None)
    if duplicate:
        raise ConfigError(f"{path}: the source {duplicate} is listed twice")
    return sources
