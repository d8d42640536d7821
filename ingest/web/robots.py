"""robots.txt for our user agent, read the way RFC 9309 says: the group naming our product token (else the
`*` group), the longest matching rule wins, `Allow` wins a tie, `*` and `$` work as wildcards. A `Crawl-delay`
(not in the RFC, but many sites set it) is honoured as the least delay between two requests to the host.

Python's `urllib.robotparser` takes the first matching rule instead of the longest, so `Allow: /a/b` after
`Disallow: /a` would never apply: hence this small reader. What to do when robots.txt cannot be read is the
fetcher's decision (`Robots.allow_all` / `Robots.deny_all`). Pure functions on text; no network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

MAX_ROBOTS_BYTES = 500_000  # RFC 9309 asks crawlers to read at least 500 KiB; the rest is ignored


@dataclass
class Robots:
    rules: list[tuple[bool, re.Pattern[str], int]] = field(default_factory=list)  # (allow, pattern, length)
    crawl_delay: float | None = None
    deny_everything: bool = False

    @classmethod
    def allow_all(cls) -> Robots:
        return cls()

    @classmethod
    def deny_all(cls) -> Robots:
        return cls(deny_everything=True)

    def allowed(self, path: str) -> bool:
        """May a URL with this path (and query) be fetched? /robots.txt itself always may."""
        if path == "/robots.txt":
            return True
        if self.deny_everything:
            return False
        best: tuple[int, bool] | None = None
        target = unquote(path)
        for allow, pattern, length in self.rules:
            if pattern.match(target) and (best is None or (length, allow) > best):
                best = (length, allow)
        return True if best is None else best[1]


def parse(text: str, product: str) -> Robots:
    """The rules of robots.txt that apply to `product` (our user agent's product token)."""
    groups: list[tuple[list[str], list[tuple[str, str]]]] = []
    agents: list[str] = []
    rules: list[tuple[str, str]] = []
    for raw in text[:MAX_ROBOTS_BYTES].splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        name, value = (part.strip() for part in line.split(":", 1))
        name = name.lower()
        if name == "user-agent":
            if rules:  # a user-agent line after rules starts a new group
                groups.append((agents, rules))
                agents, rules = [], []
            agents.append(value.lower())
        elif name in {"allow", "disallow", "crawl-delay"} and agents:
            rules.append((name, value))
    if agents:
        groups.append((agents, rules))
    token = product.lower()
    mine = [rules for agents, rules in groups if any(a != "*" and a in token for a in agents)]
    chosen = mine or [rules for agents, rules in groups if "*" in agents]
    robots = Robots()
    for rules in chosen:  # several groups for one agent are merged (RFC 9309 § 2.2.1)
        for name, value in rules:
            if name == "crawl-delay":
                try:
                    robots.crawl_delay = max(robots.crawl_delay or 0.0, float(value))
                except ValueError:
                    continue
            elif value:  # an empty Disallow allows everything: no rule
                robots.rules.append((name == "allow", _pattern(value), len(value)))
    return robots


def _pattern(rule: str) -> re.Pattern[str]:
    anchored = rule.endswith("$")
    body = unquote(rule[:-1] if anchored else rule)
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""))
