"""sources.yaml: what a source says (type inferred, patterns, refresh, bounds) and a clear error naming the
entry and field for a bad file; refresh intervals; which sources are due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.errors import ConfigError
from assistant.search.source_state import SourceRow
from ingest.web.registry import is_due
from ingest.web.sources import load_sources, parse_duration


def write(tmp_path, text: str):
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_sources_file_lists_web_sources_and_folders(tmp_path):
    (tmp_path / "guides").mkdir()
    sources = load_sources(
        write(
            tmp_path,
            """sources:
  - url: https://www.Example.org/sitemap.xml
    kind: guide
    include: ["/veiledning/*"]
    refresh: 12h
  - url: https://intranett.example.no/innkjop/
    type: site
    max_depth: 2
    language: nn
  - url: https://www.example.org/side#avsnitt
  - path: guides
""",
        )
    )
    sitemap, site, page, folder = sources
    assert (sitemap.key, sitemap.type, sitemap.kind, sitemap.include) == (
        "https://www.example.org/sitemap.xml", "sitemap", "guide", ("/veiledning/*",),
    )  # fmt: skip
    assert sitemap.refresh_seconds == 12 * 3600 and sitemap.origin == "file"
    assert (site.type, site.max_depth, site.language, site.prefix) == (
        "site", 2, "nn", "https://intranett.example.no/innkjop/",
    )  # fmt: skip
    assert (page.key, page.type) == ("https://www.example.org/side", "page")
    assert folder.type == "folder" and folder.path == tmp_path / "guides"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: nope", "needs a list under `sources:`"),
        ("sources:\n  - url: ftp://example.org/\n", "source 1: url: not an http(s) URL"),
        ("sources:\n  - url: https://e.org/\n    refresh: 1m\n", "refresh must be at least 5 minutes"),
        ("sources:\n  - url: https://e.org/\n    refresh: soon\n", "not a duration"),
        ("sources:\n  - url: https://e.org/\n    type: feed\n", "source 1: type"),
        ("sources:\n  - url: https://e.org/\n    colour: red\n", "colour: Extra inputs"),
        ("sources:\n  - url: https://e.org/\n    path: x\n", "either url or path"),
        ("sources:\n  - url: https://e.org/a\n  - url: https://E.org/a\n", "listed twice"),
        ("sources: [\n", "not valid YAML"),
    ],
)
def test_a_bad_sources_file_names_the_entry_and_the_problem(tmp_path, text, message):
    with pytest.raises(ConfigError) as error:
        load_sources(write(tmp_path, text))
    assert message in error.value.message and "sources.yaml" in error.value.message


def test_durations_and_due_sources():
    assert [parse_duration(v) for v in ("30m", "12h", "1d", "2w", 900)] == [1800, 43200, 86400, 1209600, 900]
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    row = SourceRow(key="k", type="page", refresh_seconds=3600, refresh_requested=False)
    assert is_due(None, now) and is_due(row, now)  # never refreshed
    row.refreshed_at = now - timedelta(minutes=30)
    assert not is_due(row, now)
    row.refreshed_at = now - timedelta(minutes=61)
    assert is_due(row, now)
    row.refreshed_at, row.refresh_requested = now, True  # an admin asked
    assert is_due(row, now)
