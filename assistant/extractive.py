"""Extractive answers: pick the evidence sentences that best answer the question from the retrieved chunks.

No model is needed. Sentences are scored by how much of the question (idf-weighted stems) they cover,
plus how well their chunk ranked; each chosen sentence is a verbatim substring of its chunk, so it is
its own citation snippet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.lexical import Term, tokenize
from assistant.retrieval import Hit
from assistant.triage import is_injection

# A sentence ends at . ! ? followed by space and an upper-case letter, digit or quote, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"«(A-ZÆØÅ0-9§])|\n+")
_ABBREVIATIONS = re.compile(
    r"\b(nr|ca|bl\.a|f\.eks|jf|kr|mill|mrd|pkt|St\.meld|dvs|osv|mv|inkl|ekskl|e\.l)\.$"
)
EVIDENCE_CHUNKS = 5
MIN_WORDS = 4
RANK_BONUS = 0.15


@dataclass
class Evidence:
    sentence: str
    hit: Hit
    rank: int
    score: float
    covered: frozenset[int]


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


def score_sentences(terms: list[Term], hits: list[Hit]) -> list[Evidence]:
    """Every sentence of the top chunks with its score, best first."""
    total = sum(t.weight for t in terms) or 1.0
    evidence: list[Evidence] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits[:EVIDENCE_CHUNKS]):
        section = set(tokenize(hit.chunk.section))
        title = set(tokenize(hit.chunk.title))
        for sentence in split_sentences(hit.chunk.text):
            key = " ".join(sentence.lower().split())
            if key in seen or len(sentence.split()) < MIN_WORDS or sentence.startswith("#"):
                continue
            if is_injection(sentence):  # a document's instruction to the assistant is not evidence
                continue
            seen.add(key)
            stems = set(tokenize(sentence))
            covered = frozenset(i for i, t in enumerate(terms) if t.alternatives & stems)
            coverage = sum(terms[i].weight for i in covered)
            for i, term in enumerate(terms):  # a heading names what every sentence below it is about
                if i not in covered:
                    coverage += term.weight * (0.75 if term.alternatives & section else 0.0)
                    coverage += term.weight * (0.25 if term.alternatives & title - section else 0.0)
            score = (coverage / total + RANK_BONUS / (rank + 1)) * (0.5 if hit.chunk.is_reference else 1.0)
            evidence.append(Evidence(sentence, hit, rank, score, covered))
    evidence.sort(key=lambda e: e.score, reverse=True)
    return evidence


def select(evidence: list[Evidence], limit: int, *, max_chars: int = 480) -> list[Evidence]:
    """The best sentence with the sentences that follow it in its chunk (they usually carry the reason,
    the names or the numbers), then sentences from other chunks that cover question terms not yet covered.
    """
    if not evidence:
        return []
    anchor = evidence[0]
    chosen = [anchor]
    sentences = split_sentences(anchor.hit.chunk.text)
    following = sentences[sentences.index(anchor.sentence) + 1 :] if anchor.sentence in sentences else []
    by_text = {e.sentence: e for e in evidence if e.hit is anchor.hit}
    length = len(anchor.sentence)
    for sentence in following:
        item = by_text.get(sentence)
        if item is None or len(chosen) >= limit + 1 or length + len(sentence) > max_chars:
            break
        chosen.append(item)
        length += len(sentence)
    covered = set().union(*(e.covered for e in chosen))
    for item in evidence[1:]:
        if len(chosen) >= limit + 1:
            break
        if item in chosen or item.score < anchor.score * 0.6 or not (item.covered - covered):
            continue
        chosen.append(item)
        covered |= item.covered
    return chosen
