"""Checks a chat model's answer against the sources it was given.

A citation [n] survives only when n names a source and the sentence it ends is supported by that source
(most of the sentence's content words occur in it). Sentences left with no valid citation are dropped.
What remains is returned with verbatim snippets; if nothing remains, the caller falls back to extractive.
"""

from __future__ import annotations

import re

from assistant.extractive import split_sentences
from assistant.lexical import tokenize
from assistant.models import Chunk

SUPPORT = 0.5
_MARKER = re.compile(r"\s*\[(\d+)\]")


def support(sentence: str, chunk: Chunk) -> float:
    """Share of the sentence's content stems found in the chunk (title and section included)."""
    stems = set(tokenize(_MARKER.sub("", sentence)))
    if not stems:
        return 0.0
    source = set(tokenize(f"{chunk.title} {chunk.section} {chunk.text}"))
    return len(stems & source) / len(stems)


def best_snippet(sentence: str, chunk: Chunk) -> str:
    """The chunk sentence sharing most content stems with the answer sentence (verbatim from the chunk)."""
    stems = set(tokenize(_MARKER.sub("", sentence)))
    candidates = split_sentences(chunk.text) or [chunk.text]
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
