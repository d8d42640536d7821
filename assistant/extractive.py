"""Extractive answers: pick the evidence sentences that best answer the question from the retrieved chunks.

No model is needed. Sentences are scored by how much of the question (idf-weighted stems) they cover,
plus how well their chunk ranked; each chosen sentence is a verbatim substring of its chunk, so it is
its own citation snippet.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.lexical import tokenize
from assistant.retrieval import Hit

# A sentence ends at . ! ? followed by space and an upper-case letter, digit or quote, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"«(A-ZÆØÅ0-9§])|\n+")
_ABBREVIATIONS = re.compile(
    r"\b(nr|ca|bl\.a|f\.eks|jf|kr|mill|mrd|pkt|St\.meld|dvs|osv|mv|inkl|ekskl|e\.l)\.$"
)
EVIDENCE_CHUNKS = 5
MIN_WORDS = 4


@dataclass
class Evidence:
    sentence: str
    hit: Hit
    rank: int
    score: float
    covered: frozenset[str]


def split_sentences(text: str) -> list[str]:
    """Sentences of a chunk, each a verbatim substring of it; abbreviations do not end a sentence."""
    pieces: list[str] = []
    for part in _SENTENCE_END.split(text):
        part = part.strip()
        if not part:
            continue
        if pieces and _ABBREVIATIONS.search(pieces[-1]) and (pieces[-1] + " " + part) in text:
            pieces[-1] = pieces[-1] + " " + part
        else:
            pieces.append(part)
    return [p.lstrip("-*•> ").strip() for p in pieces]


def score_sentences(
    query_weights: dict[str, float], hits: list[Hit], idf: Callable[[str], float]
) -> list[Evidence]:
    """Every sentence of the top chunks with its score, best first."""
    total = sum(query_weights.values()) or 1.0
    evidence: list[Evidence] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits[:EVIDENCE_CHUNKS]):
        context = set(tokenize(f"{hit.chunk.title} {hit.chunk.section}"))
        for sentence in split_sentences(hit.chunk.text):
            key = " ".join(sentence.lower().split())
            if key in seen or len(sentence.split()) < MIN_WORDS or sentence.startswith("#"):
                continue
            seen.add(key)
            stems = set(tokenize(sentence))
            covered = frozenset(t for t in query_weights if t in stems)
            in_context = {t for t in query_weights if t in context and t not in covered}
            coverage = sum(query_weights[t] for t in covered) + 0.5 * sum(
                query_weights[t] for t in in_context
            )
            score = coverage / total + 0.25 / (rank + 1)
            evidence.append(Evidence(sentence, hit, rank, score, covered))
    evidence.sort(key=lambda e: e.score, reverse=True)
    return evidence


def select(evidence: list[Evidence], query_weights: dict[str, float], limit: int) -> list[Evidence]:
    """The best sentence, then further sentences only while they add something the question asked."""
    chosen: list[Evidence] = []
    covered: set[str] = set()
    for item in evidence:
        if len(chosen) >= limit:
            break
        new = item.covered - covered
        if chosen and not new and item.score < chosen[0].score * 0.8:
            continue
        if chosen and item.score < chosen[0].score * 0.5:
            continue
        chosen.append(item)
        covered |= item.covered
    return chosen
