"""Evaluation configurations: a named preset or `key=value` setting overrides, for side-by-side comparison.

`assistant eval FILE --compare dense --compare hybrid` or `--compare dense_weight=0,rrf_k=60`.
Retrieval settings only need new deps over the same store; settings that change what is stored
(chunking, embedding model) re-ingest the corpus into a temporary store that lives as long as the comparison.
Owns configuration handling only; scoring is `evaluation.run`, plots are `evaluation.report`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from assistant.config import Settings
from assistant.errors import InputError

PRESETS: dict[str, dict[str, str]] = {
    "hybrid": {},
    "dense": {"lexical_weight": "0", "dense_weight": "1"},
    "bm25": {"dense_weight": "0", "lexical_weight": "1"},
    "semantic-answer": {"answer_choice": "semantic"},
    "lexical-answer": {"answer_choice": "lexical"},
}
# Settings that change the stored chunks or vectors: comparing them needs a fresh ingest.
REINGEST = frozenset({"chunk_size", "chunk_overlap", "embedding_model", "embedding_batch_size"})
# Settings a comparison may not change (where data lives, servers, secrets).
FORBIDDEN = frozenset({"data_dir", "chroma_url", "database_url", "collection"})


@dataclass
class Config:
    """One configuration to evaluate: its label and its setting overrides (already validated)."""

    name: str
    overrides: dict[str, object] = field(default_factory=dict)

    @property
    def needs_ingest(self) -> bool:
        return bool(REINGEST & self.overrides.keys())


def parse(spec: str) -> Config:
    """A preset name (`hybrid`, `dense`, `bm25`, `semantic-answer`, `lexical-answer`) or comma-separated
    `setting=value` pairs."""
    spec = spec.strip()
    if spec in PRESETS:
        raw = PRESETS[spec]
    elif "=" in spec:
        raw = {}
        for pair in spec.split(","):
            key, sep, value = pair.partition("=")
            if not sep or not key.strip():
                raise InputError(f"Not a setting=value pair: {pair!r}")
            raw[key.strip()] = value.strip()
    else:
        raise InputError(f"Unknown configuration {spec!r}: use {', '.join(PRESETS)} or setting=value,…")
    return Config(spec, {key: _coerce(key, value) for key, value in raw.items()})


def _coerce(key: str, value: str) -> object:
    field_info = Settings.model_fields.get(key)
    if field_info is None or key in FORBIDDEN:
        raise InputError(f"{key!r} is not a setting a comparison can change.")
    adapter = TypeAdapter(field_info.annotation)
    try:
        return adapter.validate_python(value)
    except ValidationError:
        try:
            return adapter.validate_json(value)
        except ValidationError as exc:
            raise InputError(f"Bad value for {key}: {value!r}") from exc


def configs(specs: list[str]) -> list[Config]:
    """The configurations to run: with one spec, the current settings are compared against it."""
    parsed = [parse(s) for s in specs]
    if len(parsed) == 1:
        parsed.insert(0, Config("current"))
    names = [c.name for c in parsed]
    if len(set(names)) != len(names):
        raise InputError("Each compared configuration must be different.")
    return parsed


@contextmanager
def settings_for(base: Settings, config: Config) -> Iterator[Settings]:
    """Settings for one configuration; re-ingests the corpus into a temporary store when needed."""
    settings = base.model_copy(update=config.overrides)
    if not config.needs_ingest:
        yield settings
        return
    from ingest.pipeline import run

    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        settings = settings.model_copy(
            update={"data_dir": Path(tmp), "chroma_url": None, "database_url": None}
        )
        report = run(settings, list(settings.corpus_dirs))
        if report.plan.errors:
            raise InputError(f"Re-ingest for {config.name!r} failed: {report.plan.errors[0]}")
        yield settings
