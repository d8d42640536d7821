"""Evaluation on a question set (`../shared/eval/README.md` defines the metrics).

recall@5: every key-fact group occurs in the top five retrieved chunks taken together (answerable questions).
accuracy: an answerable question is answered (not refused) and every group occurs in the answer text.
refusal: share of `refuse` questions refused without any `must_not` string in the answer.
false refusal: share of answerable questions refused.
citation validity: share of non-refused answers whose citations (at least one) all name a retrieved chunk
and whose snippet occurs in that chunk's text (whitespace-normalised).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.answer import Deps, answer
from assistant.errors import InputError
from assistant.models import Answer, Conversation, Turn


def norm(text: str) -> str:
    return " ".join(text.lower().split())


def has_fact(text: str, group: list[str]) -> bool:
    haystack = norm(text)
    return any(norm(alt) in haystack for alt in group)


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
    result = None
    for text in turns:
        result = await answer(text, conversation, deps=deps)
        conversation.turns += [Turn(role="user", text=text), Turn(role="assistant", text=result.answer)]
    seconds = time.perf_counter() - started
    expect = item.get("expect", "answer")
    groups = item.get("key_facts", [])
    forbidden = any(norm(s) in norm(result.answer) for s in item.get("must_not", []))
    missing = [g for g in groups if not has_fact(result.answer, g)]
    if expect == "refuse":
        correct, recall = result.refused and not forbidden, None
    else:
        correct = not result.refused and not missing and not forbidden
        top5 = " ".join(r.text for r in result.retrieved[:5])
        recall = all(has_fact(top5, g) for g in groups)
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
    )


def metrics(outcomes: list[Outcome]) -> dict[str, float]:
    answerable = [o for o in outcomes if o.expect == "answer"]
    refusable = [o for o in outcomes if o.expect == "refuse"]
    answered = [o for o in outcomes if not o.refused]

    def share(items: list, test) -> float:
        return round(sum(1 for o in items if test(o)) / len(items), 4) if items else 1.0

    seconds = sorted(o.seconds for o in outcomes)
    return {
        "questions": len(outcomes),
        "recall@5": share(answerable, lambda o: o.recall),
        "accuracy": share(answerable, lambda o: o.correct),
        "refusal": share(refusable, lambda o: o.correct),
        "false_refusal": share(answerable, lambda o: o.refused),
        "citation_validity": share(answered, lambda o: o.citations_ok),
        "p50_seconds": round(seconds[len(seconds) // 2], 4) if seconds else 0.0,
    }


async def evaluate(items: list[dict], deps: Deps) -> tuple[dict[str, float], list[Outcome]]:
    outcomes = [await evaluate_one(item, deps) for item in items]
    return metrics(outcomes), outcomes


def failures(outcomes: list[Outcome]) -> list[dict]:
    return [asdict(o) for o in outcomes if not o.correct or o.recall is False or o.citations_ok is False]
