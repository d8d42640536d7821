"""Does the sealed gate catch a degraded core? Runs tests/eval/sealed.jsonl with one part of the core
neutralised at a time and prints which configurations fail the sealed gate (issue "Tests that catch what
matters"). The sealed set is never used to choose a constant; this only checks the gate has teeth.

Run: python benchmarks/degraded_gate.py     (≈ 1 min per configuration on two cores)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.core import answer as core  # noqa: E402
from assistant.core import extractive  # noqa: E402
from assistant.evaluation.run import evaluate, load_questions, passes  # noqa: E402
from assistant.search import retrieval  # noqa: E402
from ingest.pipeline import run  # noqa: E402
from tests.integration.test_answer_quality import SEALED, SEALED_GATES  # noqa: E402

# name → (settings overrides, (module, constant, value) patches)
DEGRADED = {
    "as built": ({}, []),
    "answer_sentences=1": ({"answer_sentences": 1}, []),
    "refusal_threshold=0.35": ({"refusal_threshold": 0.35}, []),
    "no outdated demotion": ({}, [(retrieval, "OUTDATED_PENALTY", 1.0)]),
    "no reference demotion": ({}, [(retrieval, "REFERENCE_PENALTY", 1.0)]),
    "no near-tie rules": ({}, [(extractive, "NEAR_TIE", 1.0)]),
    # both guards of "today's figure over the outdated one": each alone costs little (docs/testing.md)
    "no outdated demotion, no near ties": (
        {},
        [(retrieval, "OUTDATED_PENALTY", 1.0), (extractive, "NEAR_TIE", 1.0)],
    ),
    "every other chunk adds a unit": (
        {},
        [(extractive, "SUPPORT_SHARE", 0.0), (extractive, "MULTI_PART_SHARE", 0.0)],
    ),
    "no heading credit": ({}, [(extractive, "HEADING_CREDIT", 0.0), (extractive, "TITLE_CREDIT", 0.0)]),
    "confidence from one chunk": ({}, [(core, "CONTEXT_CHUNKS", 1)]),
    "dense only": ({"lexical_weight": 0.0}, []),
    "BM25 only": ({"dense_weight": 0.0}, []),
}


def main() -> None:
    items = load_questions(SEALED)
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings(_env_file=None, data_dir=Path(tmp), corpus_dirs=[ROOT / "corpus"])
        run(base, [ROOT / "corpus"])
        for name, (overrides, patches) in DEGRADED.items():
            saved = [(module, constant, getattr(module, constant)) for module, constant, _ in patches]
            for module, constant, value in patches:
                setattr(module, constant, value)
            try:
                deps = core.build_deps(base.model_copy(update=overrides))
                metrics, _ = asyncio.run(evaluate(items, deps))
            finally:
                for module, constant, value in saved:
                    setattr(module, constant, value)
            verdict = passes(metrics, SEALED_GATES)
            failing = [m for m, ok in verdict.items() if not ok]
            figures = " ".join(f"{m}={metrics[m]:.2f}" for m in SEALED_GATES)
            print(
                f"{name:<32} {'FAILS ' + ','.join(failing) if failing else 'passes':<40} {figures}",
                flush=True,
            )


if __name__ == "__main__":
    main()
