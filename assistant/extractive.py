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
NEAR_TIE = 0.95  # sentences of the best chunk this close to the best score may start the passage
PASSAGE_EXTRA = 3  # the passage may run this many sentences past the answer_sentences setting
SUPPORT_FLOOR = 0.6  # a sentence from elsewhere must score this share of the best sentence
MULTI_PART_FLOOR = 0.35  # … or this share when it answers another part of a multi-part question
_SECOND_QUESTION = re.compile(
    r"[,;]\s*(og|and)\s+(hva|hvem|hvor|hvordan|hvorfor|hvilk\w*|når|what|who|where|how|why|which|when)\b",
    re.IGNORECASE,
)
# Questions whose answer is a number, an amount or a date: evidence without a digit does not answer them.
_ASKS_FOR_NUMBER = re.compile(
    r"\b(hvor (mye|mange|lenge)|hva koster|hvilket år|how (many|much|long)|what year|which year)\b"
    r"|(^|[,;]\s*(og|and)\s+)(når|when)\b",
    re.IGNORECASE,
)
_LISTED_PARTS = re.compile(r":\s*[^,?]+,[^?]*\b(og|and)\b", re.IGNORECASE)


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


def is_multi_part(question: str) -> bool:
    """A question that asks two things ("…, og når gjaldt den?") or lists what it wants ("…: a, b og c")."""
    return bool(_SECOND_QUESTION.search(question) or _LISTED_PARTS.search(question))


def answers_the_kind(question: str, chosen: list[Evidence]) -> bool:
    """False when the question asks for a number or a date and none of the chosen sentences has one
    ("Hva koster en elbil?" answered with the rules for electric cars is not an answer)."""
    if not _ASKS_FOR_NUMBER.search(question.strip()):
        return True
    return any(ch.isdigit() for item in chosen for ch in item.sentence)


def select(
    evidence: list[Evidence], limit: int, *, multi_part: bool = False, max_chars: int = 480
) -> list[Evidence]:
    """The best passage, then sentences from elsewhere that cover question terms not yet covered.

    The passage starts at the first sentence of the best chunk that scores nearly as well as the best one
    (so it reads in document order) and continues with the sentences that follow it (they usually carry the
    reason, the names, the numbers or the rest of a list). For a multi-part question, a sentence that covers
    a part the passage left out counts at a lower score.
    """
    if not evidence:
        return []
    best = evidence[0]
    sentences = split_sentences(best.hit.chunk.text)
    by_text = {e.sentence: e for e in evidence if e.hit is best.hit}
    start = next(
        (
            i
            for i, sentence in enumerate(sentences)
            if sentence in by_text and by_text[sentence].score >= best.score * NEAR_TIE
        ),
        None,
    )
    chosen = [by_text[sentences[start]]] if start is not None else [best]
    length = len(chosen[0].sentence)
    for sentence in sentences[start + 1 :] if start is not None else []:
        item = by_text.get(sentence)
        if item is None or len(chosen) >= limit + PASSAGE_EXTRA or length + len(sentence) > max_chars:
            break
        chosen.append(item)
        length += len(sentence)
    if best not in chosen:  # the passage ran out of room before the best sentence: lead with it instead
        chosen = [best]
    covered = set().union(*(e.covered for e in chosen))
    floor = best.score * (MULTI_PART_FLOOR if multi_part else SUPPORT_FLOOR)
    supporting = 0
    for item in evidence[1:]:
        if supporting >= max(1, limit - 1):
            break
        if item in chosen or item.score < floor or not (item.covered - covered):
            continue
        chosen.append(item)
        covered |= item.covered
        supporting += 1
    return chosen
