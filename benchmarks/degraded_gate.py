"""Does the sealed gate catch a degraded core? Runs tests/eval/sealed.jsonl with one part of the core
neutralised at a time and prints, per configuration, the whole-set gate and each capability slice
(tests/eval/sealed_kinds.json) against its gate (issue "Tests that catch what matters"). The sealed set is never
used to choose a constant of the core; this only checks that the gates have teeth.

Run: python benchmarks/degraded_gate.py                  (≈ 1 min per configuration on two cores)
     python benchmarks/degraded_gate.py --sets public,buyers,field --only "no heading credit"
                                                          (the other gating sets: does a part matter there?)
     --json PATH writes every configuration's per-question outcomes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.core import answer as core  # noqa: E402
from assistant.core import extractive  # noqa: E402
from assistant.evaluation.run import GATES, evaluate, load_questions, passes  # noqa: E402
from assistant.search import retrieval  # noqa: E402
from ingest.pipeline import run  # noqa: E402
from tests.conftest import FIELD, PUBLIC_EVAL  # noqa: E402
from tests.integration.test_answer_quality import (  # noqa: E402
    BUYERS,
    BUYERS_GATES,
    FIELD_GATES,
    FIELD_SETS,
    SEALED,
    SEALED_GATES,
    slice_figures,
    slices_below_their_gates,
)

# name → (settings overrides, (module, constant, value) patches)
DEGRADED = {
    "as built": ({}, []),
    "answer_sentences=1": ({"answer_sentences": 1}, []),
    "refusal_threshold=0.35": ({"refusal_threshold": 0.35}, []),
    "no outdated demotion": ({}, [(retrieval, "OUTDATED_PENALTY", 1.0)]),
    "no reference demotion": ({}, [(retrieval, "REFERENCE_PENALTY", 1.0)]),
    "no near-tie rules": ({}, [(extractive, "NEAR_TIE", 1.0)]),
    # both guards of "today's figure over the outdated one"
    "no outdated demotion, no near ties": (
        {},
        [(retrieval, "OUTDATED_PENALTY", 1.0), (extractive, "NEAR_TIE", 1.0)],
    ),
    "every other chunk adds a unit": (
        {},
        [(extractive, "SUPPORT_SHARE", 0.0), (extractive, "MULTI_PART_SHARE", 0.0)],
    ),
    # the opposite of the row above: a two-part question gets no lower bar (its second part goes unanswered
    # unless another chunk scores as well as for any question), or no further chunk adds a unit at all
    "multi-part questions as any other": ({}, [(extractive, "MULTI_PART_SHARE", extractive.SUPPORT_SHARE)]),
    "no unit from a further chunk": (
        {},
        [(extractive, "SUPPORT_SHARE", 10.0), (extractive, "MULTI_PART_SHARE", 10.0)],
    ),
    "no heading credit": ({}, [(extractive, "HEADING_CREDIT", 0.0), (extractive, "TITLE_CREDIT", 0.0)]),
    "confidence from one chunk": ({}, [(core, "CONTEXT_CHUNKS", 1)]),
    "dense only": ({"lexical_weight": 0.0}, []),
    "BM25 only": ({"dense_weight": 0.0}, []),
}
# the other gating sets: (questions, gates, corpus)
OTHER_SETS = {
    "public": ([PUBLIC_EVAL], GATES, ROOT / "corpus"),
    "buyers": ([BUYERS], BUYERS_GATES, ROOT / "corpus"),
    "field": (FIELD_SETS, FIELD_GATES, FIELD / "docs"),
}


def patched(patches):
    """Apply (module, constant, value) patches; returns the undo list."""
    saved = [(module, constant, getattr(module, constant)) for module, constant, _ in patches]
    for module, constant, value in patches:
        setattr(module, constant, value)
    return saved


def run_config(base: Settings, items: list[dict], overrides: dict, patches: list):
    saved = patched(patches)
    try:
        deps = core.build_deps(base.model_copy(update=overrides))
        return asyncio.run(evaluate(items, deps))
    finally:
        patched(saved)


def figures_line(metrics: dict, gates: dict) -> str:
    return " ".join(f"{m}={metrics[m]:.3f}" for m in gates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="sealed", help="comma-separated: sealed, public, buyers, field")
    parser.add_argument("--only", action="append", help="configuration name (repeatable); default all")
    parser.add_argument("--json", type=Path, help="write per-question outcomes here")
    args = parser.parse_args()
    names = args.only or list(DEGRADED)
    wanted = args.sets.split(",")
    dump: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpora: dict[Path, Settings] = {}

        def store_for(corpus: Path) -> Settings:
            if corpus not in corpora:
                data = Path(tmp) / f"store-{len(corpora)}"
                corpora[corpus] = Settings(_env_file=None, data_dir=data, corpus_dirs=[corpus])
                run(corpora[corpus], [corpus])
            return corpora[corpus]

        for set_name in wanted:
            if set_name == "sealed":
                paths, gates, corpus = [SEALED], SEALED_GATES, ROOT / "corpus"
            else:
                paths, gates, corpus = OTHER_SETS[set_name]
            items = [item for path in paths for item in load_questions(path)]
            base = store_for(corpus)
            print(f"== {set_name} ({len(items)} questions)", flush=True)
            for name in names:
                overrides, patches = DEGRADED[name]
                metrics, outcomes = run_config(base, items, overrides, patches)
                failing = [m for m, ok in passes(metrics, gates).items() if not ok]
                verdict = "FAILS " + ",".join(failing) if failing else "passes"
                print(f"{name:<36} {verdict:<34} {figures_line(metrics, gates)}", flush=True)
                if set_name == "sealed":
                    slices = slice_figures(outcomes)
                    low = slices_below_their_gates(slices)
                    shown = " ".join(f"{k}={v:.3f}" for k, v in slices.items())
                    print(
                        f"{'':<36} slices {'FAIL ' + ','.join(low) if low else 'hold'}: {shown}", flush=True
                    )
                dump[f"{set_name}/{name}"] = {
                    "metrics": metrics,
                    "outcomes": [asdict(o) for o in outcomes],
                }
    if args.json:
        args.json.write_text(json.dumps(dump, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
