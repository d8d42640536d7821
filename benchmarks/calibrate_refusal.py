"""Fit the refusal confidence: a logistic regression of "the corpus answers this question" on the two
evidence features the core computes (coverage of the question by the best chunks, and the best unit's
cosine to the question), on the TUNING question sets only.

Tuning sets (may choose constants): tests/eval/heldout.jsonl, followups.jsonl, near_domain.jsonl over corpus/.
Gating sets (never used here): tests/eval/sealed.jsonl, public.jsonl, tests/eval/field/*.jsonl.

Run: python benchmarks/calibrate_refusal.py [--model NAME]   → prints the coefficients for
assistant/core/answer.py's CALIBRATION table (one entry per embedding model).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.core import answer as core  # noqa: E402
from assistant.evaluation.run import evaluate_one, load_questions  # noqa: E402
from ingest.pipeline import run  # noqa: E402

TUNING = ["heldout.jsonl", "followups.jsonl", "near_domain.jsonl"]


def features(model: str, corpus: Path) -> tuple[list[tuple[float, float]], list[bool]]:
    rows: list[tuple[float, float]] = []
    labels: list[bool] = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp), embedding_model=model, refusal_threshold=0.0)
        run(settings, [corpus])
        deps = core.build_deps(settings)
        seen: list[tuple[float, float]] = []
        original = core.estimate_confidence

        def spy(found):
            seen.append(core.confidence_features(found))
            return original(found)

        core.estimate_confidence = spy
        try:
            for name in TUNING:
                for item in load_questions(ROOT / "tests" / "eval" / name):
                    seen.clear()
                    asyncio.run(evaluate_one(item, deps))
                    rows.append(seen[-1] if seen else (0.0, 0.0))
                    labels.append(item.get("expect", "answer") == "answer")
        finally:
            core.estimate_confidence = original
    return rows, labels


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=Settings(_env_file=None).embedding_model)
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="the corpus the sets are about")
    args = parser.parse_args()
    from sklearn.linear_model import LogisticRegression

    rows, labels = features(args.model, args.corpus)
    fit = LogisticRegression(C=10.0).fit(rows, labels)  # C: light regularisation, ~100 points
    (coverage, similarity), intercept = fit.coef_[0], fit.intercept_[0]
    print(
        f'"{args.model}": ({coverage:.2f}, {similarity:.2f}, {intercept:.2f}),  # coverage, similarity, bias'
    )
    alone = LogisticRegression(C=10.0).fit([[c] for c, _ in rows], labels)
    print(
        f"COVERAGE_ONLY = ({alone.coef_[0][0]:.2f}, 0.0, {alone.intercept_[0]:.2f})  # any model without a fit"
    )
    predicted = fit.predict_proba(rows)[:, 1]
    answerable = [p for p, y in zip(predicted, labels, strict=True) if y]
    refusable = [p for p, y in zip(predicted, labels, strict=True) if not y]
    print(
        f"on the tuning sets at 0.5: false refusal {sum(p < 0.5 for p in answerable) / len(answerable):.3f}, "
        f"refusal {sum(p < 0.5 for p in refusable) / len(refusable):.3f}"
    )


if __name__ == "__main__":
    main()
