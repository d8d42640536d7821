"""Evaluation on a question set (the metrics as the public evaluation set defines them).

recall@5: every key-fact group occurs in the top five retrieved chunks taken together (answerable questions).
MRR: mean over answerable questions of 1/rank, where rank is the smallest k whose top-k retrieved chunks taken
together hold every key-fact group (0 when the retrieved chunks never do) — recall@5 is "rank ≤ 5".
accuracy: an answerable question is answered (not refused) and every group occurs in the answer text.
refusal: share of `refuse` questions refused without any `must_not` string in the answer.
false refusal: share of answerable questions refused.
citation validity: share of non-refused answers whose citations (at least one) all name a retrieved chunk
and whose snippet occurs in that chunk's text (whitespace-normalised).
citation focus: share of the accurate answers (to questions with key facts) whose every citation bears on
the answer: its chunk holds a key fact, or it comes from a document of which a cited chunk does. A citation
of another document that holds none (a sentence about Fairtrade towns in an answer about the climate
footprint) is off topic: accuracy cannot see it, as every key fact is still there, but the buyer reads it.
follow-up accuracy: accuracy over the answerable questions asked as the last turn of a conversation; a
follow-up whose answer repeats the previous turn's answer is never correct.
p50/p95: latency per question (all turns of a conversation), in seconds.

Owns scoring only; the report (plots) lives in `evaluation.report`, configuration comparison in
`evaluation.compare`.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.core.answer import Deps, answer
from assistant.errors import InputError
from assistant.models import Answer, Citation, Conversation, Turn

# Quality gates (issue "Foundation"): metric → (comparison, threshold). CI holds both question sets to them.
GATES: dict[str, tuple[str, float]] = {
    "recall@5": ("≥", 0.95),
    "accuracy": ("≥", 0.90),
    "refusal": ("≥", 0.90),
    "false_refusal": ("≤", 0.05),
    "citation_validity": ("≥", 1.0),
}


def passes(metrics: dict[str, float], gates: dict[str, tuple[str, float]] = GATES) -> dict[str, bool]:
    """Each gated metric: does it hold its gate?"""
    return {
        name: metrics[name] >= limit if op == "≥" else metrics[name] <= limit
        for name, (op, limit) in gates.items()
    }


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def has_fact(text: str, group: list[str]) -> bool:
    haystack = norm(text)
    return any(norm(alt) in haystack for alt in group)


def off_topic_citations(result: Answer, groups: list[list[str]]) -> int:
    """Citations that bear on none of the key facts: the cited chunk holds none of them, and no cited chunk
    of the same document (title and source) does."""
    texts = {r.chunk_id: r.text for r in result.retrieved}

    def holds(citation: Citation) -> bool:
        return any(has_fact(texts.get(citation.chunk_id, citation.snippet), g) for g in groups)

    answering = {(c.title, c.source) for c in result.citations if holds(c)}
    return sum(1 for c in result.citations if not holds(c) and (c.title, c.source) not in answering)


def citations_valid(result: Answer) -> bool:
    if not result.citations:
        return False
    retrieved = {r.chunk_id: norm(r.text) for r in result.retrieved}
    return all(c.chunk_id in retrieved and norm(c.snippet) in retrieved[c.chunk_id] for c in result.citations)


@dataclass
class Outcome:
    id: str
    question: str
    expect: str
    refused: bool
    correct: bool
    recall: bool | None
    citations_ok: bool | None
    answer: str
    missing: list[list[str]] = field(default_factory=list)
    seconds: float = 0.0
    rank: int | None = None
    confidence: float = 0.0
    turns: int = 1
    off_topic: int | None = None  # citations bearing on no key fact (answered answerable questions only)


def load_questions(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}") from exc
    items = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(item, dict) or not ("question" in item or "turns" in item):
                raise InputError(f"{path}:{number}: needs a 'question' (or 'turns')")
            items.append(item)
    return items


async def evaluate_one(item: dict, deps: Deps) -> Outcome:
    turns = item.get("turns") or [item["question"]]
    conversation = Conversation()
    started = time.perf_counter()
    result = previous = None
    for text in turns:
        previous = result
        result = await answer(text, conversation, deps=deps)
        conversation.turns += [Turn(role="user", text=text), Turn(role="assistant", text=result.answer)]
    seconds = time.perf_counter() - started
    expect = item.get("expect", "answer")
    groups = item.get("key_facts", [])
    forbidden = any(norm(s) in norm(result.answer) for s in item.get("must_not", []))
    missing = [g for g in groups if not has_fact(result.answer, g)]
    rank = off_topic = None
    # A follow-up answered with the previous turn's answer again is a defect, whatever it contains.
    repeated = previous is not None and not result.refused and norm(previous.answer) == norm(result.answer)
    if expect == "refuse":
        correct, recall = result.refused and not forbidden, None
    else:
        correct = not result.refused and not missing and not forbidden and not repeated
        rank = full_recall_rank([r.text for r in result.retrieved], groups)
        recall = rank is not None and rank <= 5
        if groups and not result.refused:
            off_topic = off_topic_citations(result, groups)
    return Outcome(
        id=str(item.get("id", "")),
        question=turns[-1],
        expect=expect,
        refused=result.refused,
        correct=correct,
        recall=recall,
        citations_ok=None if result.refused else citations_valid(result),
        answer=result.answer,
        missing=missing,
        seconds=seconds,
        rank=rank,
        confidence=result.confidence,
        turns=len(turns),
        off_topic=off_topic,
    )


def full_recall_rank(texts: list[str], groups: list[list[str]]) -> int | None:
    """Smallest k such that the first k texts together hold every group; None if they never do."""
    if not groups:
        return 1
    for k in range(1, len(texts) + 1):
        joined = " ".join(texts[:k])
        if all(has_fact(joined, g) for g in groups):
            return k
    return None


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of the values; 0.0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


def metrics(outcomes: list[Outcome]) -> dict[str, float]:
    answerable = [o for o in outcomes if o.expect == "answer"]
    refusable = [o for o in outcomes if o.expect == "refuse"]
    answered = [o for o in outcomes if not o.refused]
    focused = [o for o in answerable if o.correct and o.off_topic is not None]

    def share(items: list, test, *, empty: float = 1.0) -> float:
        """Share of items passing the test; `empty` when there are none (nothing to get right or wrong)."""
        return round(sum(1 for o in items if test(o)) / len(items), 4) if items else empty

    seconds = sorted(o.seconds for o in outcomes)
    reciprocal = [1 / o.rank if o.rank else 0.0 for o in answerable]
    return {
        "questions": len(outcomes),
        "recall@5": share(answerable, lambda o: o.recall),
        "accuracy": share(answerable, lambda o: o.correct),
        "refusal": share(refusable, lambda o: o.correct),
        "false_refusal": share(answerable, lambda o: o.refused, empty=0.0),
        "followup_accuracy": share([o for o in answerable if o.turns > 1], lambda o: o.correct),
        "citation_validity": share(answered, lambda o: o.citations_ok),
        "citation_focus": share(focused, lambda o: o.off_topic == 0),
        "p50_seconds": round(seconds[len(seconds) // 2], 4) if seconds else 0.0,
        "mrr": round(sum(reciprocal) / len(reciprocal), 4) if reciprocal else 1.0,
        "p95_seconds": round(percentile(seconds, 95), 4),
    }


async def evaluate(items: list[dict], deps: Deps) -> tuple[dict[str, float], list[Outcome]]:
    outcomes = [await evaluate_one(item, deps) for item in items]
    return metrics(outcomes), outcomes


def failed(outcome: Outcome) -> bool:
    return not outcome.correct or outcome.recall is False or outcome.citations_ok is False


def failures(outcomes: list[Outcome]) -> list[dict]:
    return [asdict(o) for o in outcomes if failed(o)]


def results(outcomes: list[Outcome]) -> list[dict]:
    """One row per question, for the per-question table and `--json`."""
    return [
        {
            "id": o.id,
            "expect": o.expect,
            "ok": not failed(o),
            "refused": o.refused,
            "correct": o.correct,
            "recall@5": o.recall,
            "rank": o.rank,
            "citations_ok": o.citations_ok,
            "confidence": o.confidence,
            "ms": round(o.seconds * 1000, 1),
            "question": o.question,
        }
        for o in outcomes
    ]
