"""The regions of the support service (today's counties plus "nasjonal") and their staff contacts.

Read from a YAML settings file (`regions_file`, or the packaged `assistant/regions.yaml`). A region is
referred to by its id, a lower-case slug of its name ("Møre og Romsdal" → "more-og-romsdal"); whatever a
channel gives (the widget's `data-region`, a Slack channel mapping, the user's choice) is turned into that
id by `region_id`, so "Vestland" and "vestland" are the same region. Pure data; no I/O beyond the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from assistant.errors import ConfigError

NATIONAL = "nasjonal"
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "é": "e"})


def region_id(value: str | None) -> str | None:
    """The id for a region name or id as a channel gives it; None for nothing."""
    if not value or not value.strip():
        return None
    return re.sub(r"[^a-z0-9]+", "-", value.strip().lower().translate(_FOLD)).strip("-")[:64] or None


@dataclass(frozen=True)
class Region:
    id: str
    name: str
    email: str | None = None
    slack_channel: str | None = None
    teams_conversation: str | None = None


class Regions:
    """The configured regions, in file order."""

    def __init__(self, regions: list[Region]) -> None:
        self.all = regions
        self._by_id = {r.id: r for r in regions}

    def __contains__(self, value: str | None) -> bool:
        return region_id(value) in self._by_id

    def get(self, value: str | None) -> Region | None:
        return self._by_id.get(region_id(value) or "")

    def name(self, value: str | None) -> str:
        """Display name; unknown or missing regions show as given (or as the national service)."""
        region = self.get(value)
        if region:
            return region.name
        return value or self._by_id.get(NATIONAL, Region(NATIONAL, "Nasjonal")).name

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.all]


def load_regions(path: Path | None = None) -> Regions:
    """Regions from `path`, or the packaged default file."""
    try:
        if path is None:
            text = resources.files("assistant").joinpath("regions.yaml").read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read the regions file {path}: {exc}") from exc
    items = data.get("regions") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ConfigError(f"The regions file {path or 'regions.yaml'} has no `regions:` list.")
    regions = []
    for item in items:
        if not isinstance(item, dict) or not item.get("name"):
            raise ConfigError(f"A region needs at least a name: {item!r}")
        regions.append(
            Region(
                id=region_id(str(item.get("id") or item["name"])) or "",
                name=str(item["name"]),
                email=item.get("email") or None,
                slack_channel=item.get("slack_channel") or None,
                teams_conversation=item.get("teams_conversation") or None,
            )
        )
    return Regions(regions)
