"""Known advisories for every installed distribution the project depends on, runtime and extras, transitive.

`pip-audit` asks PyPI's per-version JSON (`/pypi/NAME/VERSION/json`); this machine's PyPI proxy answers 404
there, so pip-audit skips every package and still prints "No known vulnerabilities found". The project JSON
(`/pypi/NAME/json`) does answer, and its `vulnerabilities` list is the one for the *latest* release. So:

- installed == latest: the list applies exactly; each advisory is a finding for the installed version;
- installed older: an advisory listed for the latest release is marked fixed only when one of its
  `fixed_in` versions is ≤ installed in the same release series; otherwise "not verifiable here". Advisories
  fixed between the installed and the latest release are not listed at all: an older version is never
  reported clean, only "not at latest".

    python benchmarks/audit_deps.py [--pip-audit] [--out benchmarks/results/audit.json]

The closure starts at the `innkjopsassistent` distribution with all its extras and follows
`importlib.metadata` requirements whose markers hold here (with the extras each requirement asks for).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT_DISTRIBUTION = "innkjopsassistent"
PYPI = "https://pypi.org/pypi/{name}/json"


def closure(root: str = ROOT_DISTRIBUTION, *, with_extras: bool = True) -> dict[str, dict]:
    """Every distribution reachable from the root (with all its extras): name → version, required_by, extras."""
    found: dict[str, dict] = {}
    root_dist = metadata.distribution(root)
    root_extras = set(root_dist.metadata.get_all("Provides-Extra") or []) if with_extras else set()
    queue = [(root_dist, root_extras)]
    while queue:
        dist, extras = queue.pop()
        for line in dist.requires or []:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker and not any(marker.evaluate({"extra": e}) for e in (extras or {""})):
                continue
            name = canonicalize_name(requirement.name)
            entry = found.setdefault(name, {"required_by": dist.metadata["Name"], "extras": set()})
            new_extras = set(requirement.extras) - entry["extras"]
            if "version" in entry and not new_extras:
                continue
            entry["extras"] |= new_extras
            try:
                child = metadata.distribution(name)
            except metadata.PackageNotFoundError:
                entry["version"] = None  # an extra's dependency that is not installed here
                continue
            entry["version"] = child.version
            queue.append((child, entry["extras"]))
    found.pop(canonicalize_name(root), None)
    return found


def project_json(name: str) -> dict | str:
    try:
        with urllib.request.urlopen(PYPI.format(name=name), timeout=30) as response:
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"


def advisory_status(installed: Version, latest: Version, fixed_in: list[str]) -> str:
    if installed == latest:
        return "affected"  # listed for exactly this release
    for fixed in fixed_in:
        try:
            version = Version(fixed)
        except InvalidVersion:
            continue
        if version <= installed and version.release[:2] == installed.release[:2]:
            return "fixed"
    return "not verifiable here"


def merge_aliases(vulnerabilities: list[dict]) -> list[dict]:
    """One entry per advisory: PyPI lists the same issue under its GHSA and PYSEC ids."""
    merged: list[dict] = []
    for vulnerability in vulnerabilities:
        keys = {vulnerability["id"], *(vulnerability.get("aliases") or [])}
        same = next((m for m in merged if keys & ({m["id"], *m["aliases"]})), None)
        if same is None:
            merged.append({**vulnerability, "aliases": sorted(keys - {vulnerability["id"]})})
        else:
            same["aliases"] = sorted((set(same["aliases"]) | keys) - {same["id"]})
            same["fixed_in"] = sorted(
                set(same.get("fixed_in") or []) | set(vulnerability.get("fixed_in") or [])
            )
    return merged


def audit(name: str, entry: dict) -> dict:
    row = {
        "name": name,
        "installed": entry["version"],
        "required_by": entry["required_by"],
        "runtime": entry["runtime"],
    }
    if entry["version"] is None:
        return row | {"status": "not installed"}
    data = project_json(name)
    if isinstance(data, str):
        return row | {"status": "lookup failed", "error": data}
    installed, latest = Version(entry["version"]), Version(data["info"]["version"])
    installed = Version(installed.public)  # torch 2.13.0+cpu is the 2.13.0 release
    advisories = [
        {
            "id": v["id"],
            "aliases": v.get("aliases") or [],
            "summary": (v.get("summary") or v.get("details") or "").strip().split("\n")[0][:300],
            "fixed_in": v.get("fixed_in") or [],
            "link": v.get("link"),
            "installed": advisory_status(installed, latest, v.get("fixed_in") or []),
        }
        for v in merge_aliases([v for v in data.get("vulnerabilities") or [] if not v.get("withdrawn")])
    ]
    at_latest = installed >= latest
    if any(a["installed"] == "affected" for a in advisories):
        status = "affected"
    elif at_latest:
        status = "ok"
    else:
        status = "not verifiable here (older than latest)"
    return row | {"latest": str(latest), "at_latest": at_latest, "status": status, "advisories": advisories}


def run_pip_audit() -> dict:
    """What pip-audit itself reports on this machine (the whole environment, not only the closure)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pip_audit", "-f", "json", "--progress-spinner", "off"],
            capture_output=True,
            text=True,
            timeout=900,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"ran": False, "error": str(exc)}
    result: dict = {"ran": True, "exit_status": done.returncode, "stderr_tail": done.stderr.strip()[-300:]}
    try:
        dependencies = json.loads(done.stdout)["dependencies"]
    except (ValueError, KeyError):
        return result | {"stdout_head": done.stdout[:300]}
    skipped = [d for d in dependencies if d.get("skip_reason")]
    return result | {
        "dependencies": len(dependencies),
        "skipped": len(skipped),
        "audited": len(dependencies) - len(skipped),
        "vulnerabilities": sum(len(d.get("vulns") or []) for d in dependencies),
        "example_skip_reason": skipped[0]["skip_reason"] if skipped else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/audit.json"))
    parser.add_argument("--pip-audit", action="store_true", help="also run pip-audit and record its outcome")
    args = parser.parse_args()
    found = closure()
    runtime = closure(with_extras=False)
    for name, entry in found.items():
        entry["runtime"] = name in runtime  # needed without any extra
    with ThreadPoolExecutor(max_workers=4) as pool:
        rows = list(pool.map(lambda item: audit(*item), sorted(found.items())))
    installed = [r for r in rows if r["status"] != "not installed"]
    summary = {
        "distributions": len(installed),
        "direct": sum(r["required_by"] == ROOT_DISTRIBUTION for r in installed),
        "runtime": sum(r["runtime"] for r in installed),
        "at_latest": sum(bool(r.get("at_latest")) for r in installed),
        "older_than_latest": [
            f"{r['name']} {r['installed']} < {r['latest']}" + ("" if r["runtime"] else " (extras only)")
            for r in installed
            if r.get("at_latest") is False
        ],
        "affected": [r["name"] for r in installed if r["status"] == "affected"],
        "lookup_failed": [r["name"] for r in installed if r["status"] == "lookup failed"],
        "not_installed": [r["name"] for r in rows if r["status"] == "not installed"],
    }
    report = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "root": ROOT_DISTRIBUTION,
        "summary": summary,
        "pip_audit": run_pip_audit() if args.pip_audit else None,
        "distributions": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print_summary(report)
    return 1 if summary["affected"] or summary["lookup_failed"] else 0


def print_summary(report: dict) -> None:
    summary = report["summary"]
    print(
        f"{summary['distributions']} installed distributions in the closure ({summary['direct']} direct, "
        f"{summary['runtime']} needed without extras), {summary['at_latest']} at their latest release"
    )
    for row in report["distributions"]:
        for advisory in row.get("advisories", []):
            aliases = ", ".join(advisory["aliases"])
            print(
                f"  {row['name']} {row['installed']} (latest {row['latest']}): {advisory['id']} ({aliases}) "
                f"fixed in {advisory['fixed_in'] or 'no release'} → {advisory['installed']}: "
                f"{advisory['summary'][:140]}"
            )
    for line in summary["older_than_latest"]:
        print(f"  older than latest, advisories fixed since are not visible here: {line}")
    for key in ("lookup_failed", "not_installed"):
        if summary[key]:
            print(f"  {key.replace('_', ' ')}: {', '.join(summary[key])}")
    if report["pip_audit"]:
        print(f"  pip-audit: {json.dumps(report['pip_audit'], ensure_ascii=False)}")


if __name__ == "__main__":
    sys.exit(main())
