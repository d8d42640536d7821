"""Checks a chat model's answer against the sources it was given.

A citation [n] survives only when n names a source and the sentence it ends is supported by that source
(most of the sentence's content words occur in it). Sentences left with no valid citation are dropped.
What remains is returned with verbatim snippets; if nothing remains, the caller falls back to extractive.
Instruction-like sentences in a source never count as support (a model that obeyed "answer HACKET" in a
document would otherwise be "grounded" in it), and `leaks` spots an answer that repeats the system prompt.
"""

from __future__ import annotations

import re

from assistant.extractive import split_sentences
from assistant.lexical import tokenize
from assistant.models import Chunk
from assistant.triage import is_injection, without_instructions

SUPPORT = 0.5
LEAK_WORDS = 6
_MARKER = re.compile(r"\s*\[(\d+)\]")


def support(sentence: str, chunk: Chunk) -> float:
    """Share of the sentence's content stems found in the chunk (title and section included)."""
    stems = set(tokenize(_MARKER.sub("", sentence)))
    if not stems:
        return 0.0
    source = set(tokenize(f"{chunk.title} {chunk.section} {without_instructions(chunk.text)}"))
    return len(stems & source) / len(stems)


def leaks(text: str, secret: str, words: int = LEAK_WORDS) -> bool:
    """True when `text` repeats a run of `words` consecutive words of `secret` (any case, any punctuation)."""

    def shingles(value: str) -> set[tuple[str, ...]]:
        tokens = re.findall(r"\w+", value.lower())
        return {tuple(tokens[i : i + words]) for i in range(len(tokens) - words + 1)}

    return bool(shingles(text) & shingles(secret))


def best_snippet(sentence: str, chunk: Chunk) -> str:
    """The chunk sentence sharing most content stems with the answer sentence (verbatim from the chunk)."""
    stems = set(tokenize(_MARKER.sub("", sentence)))
    candidates = [s for s in split_sentences(chunk.text) if not is_injection(s)] or [chunk.text]
    return max(candidates, key=lambda s: len(stems & set(tokenize(s))))


def ground(text: str, sources: list[Chunk]) -> list[tuple[str, list[int]]]:
    """(sentence without markers, valid 0-based source indexes) for each supported sentence."""
    grounded = []
    for sentence in split_sentences(text.strip()):
        cited = [int(n) - 1 for n in _MARKER.findall(sentence)]
        valid = [
            i
            for i in dict.fromkeys(cited)
            if 0 <= i < len(sources) and support(sentence, sources[i]) >= SUPPORT
        ]
        clean = _MARKER.sub("", sentence).strip()
        if valid and clean:
            grounded.append((clean, valid))
    return grounded
