"""Checks a chat model's answer against the sources it was given.

A citation [n] survives only when n names a source that supports the sentence it ends, by words or by
meaning:
- by words: most of the sentence's content stems occur in the source (`support` ≥ `SUPPORT`);
- by meaning: the sentence is closer to one answer unit of the source than any other unit of that source is
  to it. The unit's neighbours in the same chunk are on the same subject but say other things, so they are
  the bar an in-topic invention must clear; no similarity scale of a particular model is assumed.
Either way the sentence must agree with what it is matched to: every number in it occurs in the source,
and it is negated exactly when the unit it matches best is. That unit is the citation's snippet, verbatim.

Sentences left without a valid citation are dropped; if a dropped sentence qualified the answer (a caveat,
limit, exception, condition or negation), the caller must not return the rest: the answer without it could
say the opposite of the source ("Ja, dere kan kreve Svanemerket" without "…men må godta tilsvarende merker").
Instruction-like sentences in a source never count as support (a model that obeyed "answer HACKET" in a
document would otherwise be "grounded" in it), and `leaks` spots an answer that repeats the system prompt.
Must not call the chat model or compose the answer: it judges text it is given.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from assistant.core.sentences import split_sentences
from assistant.core.triage import detect_language, is_injection, without_instructions
from assistant.core.units import Unit, UnitVectors, render
from assistant.models import Chunk
from assistant.search.embeddings import Embedder
from assistant.search.lexical import tokenize

SUPPORT = 0.5  # share of content stems: half the sentence's words in the source (the original rule, kept)
LEAK_WORDS = 6
_MARKER = re.compile(r"\s*\[(\d+)\]")
_MARKERS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+\])+)")
_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:[  ]\d{3})+(?!\d)|\d+(?:[.,]\d+)*")
_NEGATION = re.compile(
    r"\b(ikke|ikkje|inkje|aldri|ingen|inga|ingi|intet|ingenting|not|never|none|nothing|cannot)\b|n['’]t\b",
    re.IGNORECASE,
)
_ENGLISH_NO = re.compile(r"\bno\b", re.IGNORECASE)  # in nynorsk "no" means "now"
_QUALIFICATION = re.compile(
    r"\b(likevel|men|imidlertid|derimot|riktignok|samtidig|unntatt|unntak\w*|unnatak\w*|med mindre|"
    r"dersom|hvis|viss|forutsatt|så lenge|i tillegg|"
    r"however|but|except\w*|unless|if|provided|as long as|nevertheless|although|in addition)\b"
    r"|\b(må|skal|bør|plikter|must|shall|should)\b(\s+\w+){0,3}\s+(også|òg|also|as well)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Supported:
    """An answer sentence (markers removed), the 0-based indexes of the sources that support it and, per
    source, the verbatim text that does."""

    sentence: str
    sources: list[int]
    snippets: list[str]


@dataclass
class Checked:
    kept: list[Supported] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # sentences without a valid citation, markers removed

    @property
    def drops_a_qualification(self) -> bool:
        """True when a dropped sentence carried a caveat, limit, exception, condition or negation."""
        return any(qualifies(sentence) for sentence in self.dropped)


def qualifies(sentence: str) -> bool:
    """True for a sentence that limits or conditions what the rest of an answer says."""
    return bool(_QUALIFICATION.search(sentence)) or negated(sentence)


def negated(text: str) -> bool:
    return bool(_NEGATION.search(text) or (detect_language(text) == "en" and _ENGLISH_NO.search(text)))


def numbers(text: str) -> set[str]:
    """The numbers in a text, written one way ("1 300 000" → "1300000", "1,3" → "1.3", "08" → "8")."""
    found = set()
    for raw in _NUMBER.findall(text):
        value = re.sub(r"[  ]", "", raw).replace(",", ".")
        found.add(value.lstrip("0") or "0")
    return found


def agrees(sentence: str, unit_text: str, chunk: Chunk) -> bool:
    """The sentence's numbers all occur in the source, and it is negated exactly when its unit is."""
    source = f"{chunk.title} {chunk.section} {without_instructions(chunk.text)}"
    return numbers(sentence) <= numbers(source) and negated(sentence) == negated(unit_text)


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


RAW_CACHE_CHUNKS = 4096  # chunks whose bare unit vectors are kept: as many as the retrieval cache keeps
_raw_vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()  # (model, chunk id) → vectors
_raw_lock = threading.Lock()


@dataclass(frozen=True)
class Meaning:
    """Vectors for one answer: its sentences and the answer units of the sources it cites (one embed call)."""

    sentences: dict[str, np.ndarray]
    units: dict[str, tuple[list[Unit], np.ndarray]]  # chunk id → (units, their vectors)

    @classmethod
    def embed(
        cls, sentences: list[str], chunks: list[Chunk], embedder: Embedder, unit_vectors: UnitVectors
    ) -> Meaning:
        # A unit is compared as itself, without the heading the retrieval cache puts in front of it: the
        # heading makes the units of one chunk look alike, and their differences are what is compared here.
        # So bare unit vectors are kept here, by chunk id (a chunk's text never changes under its id).
        units = {chunk_id: entry[0] for chunk_id, entry in unit_vectors.get(chunks).items()}
        with _raw_lock:
            known = {i: _raw_vectors[(embedder.name, i)] for i in units if (embedder.name, i) in _raw_vectors}
        missing = [i for i in units if i not in known]
        sentences = list(dict.fromkeys(sentences))
        texts = sentences + [render(u) for i in missing for u in units[i]]
        vectors = embedder.embed(texts) if texts else np.zeros((0, embedder.dimension))
        offset = len(sentences)
        with _raw_lock:
            for chunk_id in missing:
                known[chunk_id] = vectors[offset : offset + len(units[chunk_id])]
                offset += len(units[chunk_id])
                _raw_vectors[(embedder.name, chunk_id)] = known[chunk_id]
            for chunk_id in known:
                _raw_vectors.move_to_end((embedder.name, chunk_id))
            while len(_raw_vectors) > RAW_CACHE_CHUNKS:
                _raw_vectors.popitem(last=False)
        by_sentence = dict(zip(sentences, vectors[: len(sentences)], strict=True))
        return cls(by_sentence, {i: (units[i], known[i]) for i in units})

    def nearest(self, sentence: str, chunk: Chunk) -> tuple[Unit | None, bool]:
        """(the chunk's unit nearest the sentence, whether the sentence is nearer to it than any other unit of
        the chunk is)."""
        units, vectors = self.units.get(chunk.chunk_id, ([], None))
        if not units or sentence not in self.sentences:
            return None, False
        similarity = vectors @ self.sentences[sentence]
        best = int(np.argmax(similarity))
        neighbours = np.delete(vectors @ vectors[best], best)
        closer = len(neighbours) > 0 and float(similarity[best]) > float(neighbours.max())
        return units[best], closer


def _sentences(text: str) -> list[tuple[str, list[int]]]:
    """(sentence without markers, cited 0-based indexes) for each sentence of the model's answer."""
    text = _MARKERS_AFTER_STOP.sub(r"\2\1", text.strip())  # "… prosent. [1] Neste" → "… prosent [1]. Neste"
    result = []
    for sentence in split_sentences(text):
        cited = list(dict.fromkeys(int(n) - 1 for n in _MARKER.findall(sentence)))
        clean = _MARKER.sub("", sentence).strip()
        if clean:
            result.append((clean, cited))
    return result


def check(
    text: str,
    sources: list[Chunk],
    *,
    embedder: Embedder | None = None,
    unit_vectors: UnitVectors | None = None,
) -> Checked:
    """Which sentences of the answer its cited sources support (by words, or by meaning when an embedder and
    the unit cache are given), with their snippets, and which sentences are dropped. Blocking (embeds)."""
    parsed = _sentences(text)
    meaning = None
    if embedder is not None and unit_vectors is not None:
        cited = {i for _, indexes in parsed for i in indexes if 0 <= i < len(sources)}
        chunks = [sources[i] for i in sorted(cited)]
        meaning = Meaning.embed([s for s, indexes in parsed if indexes], chunks, embedder, unit_vectors)
    checked = Checked()
    for sentence, cited in parsed:
        valid, snippets = [], []
        for i in cited:
            if not 0 <= i < len(sources):
                continue
            chunk = sources[i]
            unit, closer = meaning.nearest(sentence, chunk) if meaning else (None, False)
            snippet = unit.text if unit else best_snippet(sentence, chunk)
            by_words = support(sentence, chunk) >= SUPPORT
            if (by_words or closer) and agrees(sentence, snippet, chunk):
                valid.append(i)
                snippets.append(snippet)
        if valid:
            checked.kept.append(Supported(sentence, valid, snippets))
        else:
            checked.dropped.append(sentence)
    return checked


def ground(text: str, sources: list[Chunk]) -> list[tuple[str, list[int]]]:
    """(sentence without markers, valid 0-based source indexes) for each sentence supported by words."""
    return [(s.sentence, s.sources) for s in check(text, sources).kept]
