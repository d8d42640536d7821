"""BM25 over stemmed Norwegian/English tokens (bm25s + PyStemmer), persisted beside the vector store.

Owns tokenisation, so that index and queries always tokenise the same way, and the document
frequencies used to judge how much of a question the corpus covers at all.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from assistant.search.glossary import EQUIVALENTS


@dataclass(frozen=True)
class Term:
    """One search term of a question: stems that count as the same term, and its weight (idf); `unknown`
    holds the question's word when the corpus never uses it (not even as a compound part or one edit away;
    a word found only by its first compound element is unknown too, as the head that carries its meaning is
    not the corpus's: "arbeidsgiverperioden" is searched as "arbeidsgiverorganisasjon", but is not it);
    `time_frame` marks a word of a phrase that sets the question's time ("i dag"), not its subject."""

    alternatives: frozenset[str]
    weight: float
    unknown: str = ""
    time_frame: bool = False


@dataclass(frozen=True)
class _Vocabulary:
    """The corpus stems sorted (for prefix look-ups) and grouped by first two letters and length."""

    ordered: list[str]
    by_head: dict[tuple[str, int], list[str]]


_WORD = re.compile(r"[\wæøåÆØÅ§]+(?:[.,]\d+)*", re.UNICODE)

_STOPWORD_TEXT = """
    god gode godt bra fin fint beste best
    og i jeg det at en et den til er som på de med han av ikke der så var meg seg men ett har om vi min
    mitt ha hadde hun nå over da ved fra du ut sin dem oss opp man kan hans hvor eller hva skal selv sjøl
    her alle vil bli ble blitt kunne inn når være kom noen noe ville dere deres kun ja etter ned skulle
    denne for deg si sine sitt mot å meget hvorfor dette disse uten hvordan ingen din ditt blir samme
    hvilken hvilke sånn inni mellom vår hver hvem vors hvis både bare enn fordi før mange også slik vært
    båe begge siden dykk dykkar dei deira deires deim di då eg ein eit eitt elles honom hjå ho hoe henne
    hennar hennes hoss hossen ikkje ingi inkje korleis korso kva kvar kvarhelst kven kvi kvifor me medan mi
    mine mykje no nokon noka nokor noko nokre sia sidan so somt somme um upp vere vore verte vort varte
    vart må bør gjør gjøre gjelder får the a an of to in on and or is are was were be been what which who
    whom when where why how do does did can could should would may might must shall will we you he she it
    they them our your their this that these those with from by as about into than then there here any all
    some not yes if my us hvilket egentlig omtrent cirka rundt lenge ofte mye stor store del deler tror
    lurer spørsmål takk hei
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Phrases that set the question's time frame, not its subject ("Og hva er den i dag?"): they stay search
# terms ("I dag er det DFØ som …"), but a follow-up made of them alone brings no new subject.
_TIME_FRAME = re.compile(
    r"\b(i dag|idag|i år|for tiden|for tida|no for tida|today|now|currently|at the moment|at present|"
    r"these days|this year)\b",
    re.IGNORECASE,
)
SPLIT_CACHE_SIZE = 20_000
STEMS_CACHE_SIZE = 65_536  # texts: chunks, their headings and titles, their answer units (≈ 4 per chunk)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("norwegian")


def tokenize(text: str) -> list[str]:
    """Lower-case words without stopwords, stemmed with the Norwegian Snowball stemmer."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
    return _stemmer().stemWords(words)


@lru_cache(maxsize=STEMS_CACHE_SIZE)
def stems(text: str) -> frozenset[str]:
    """`tokenize(text)` as a set, kept for the most recent texts: the answer core asks for the stems of the
    same chunks, headings and units on every question that retrieves them (a third of a new question's
    request CPU besides its embedding went to tokenising them again; issue 18)."""
    return frozenset(tokenize(text))


class LexicalIndex:
    """A BM25 index over chunks in a fixed order, plus document frequencies per stem."""

    def __init__(self, bm25: bm25s.BM25, doc_freq: dict[str, int], size: int) -> None:
        self._bm25 = bm25
        self._vocab = bm25.vocab_dict
        self.doc_freq = doc_freq
        self.size = size
        self._split_cache: dict[str, tuple[list[str], bool] | None] = {}
        self._vocabulary_index: _Vocabulary | None = None

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        # bm25s cannot index nothing; an empty index holds one placeholder and reports size 0.
        tokens = [tokenize(t) or [""] for t in texts] or [["\x00empty"]]
        bm25 = bm25s.BM25()
        bm25.index(tokens, show_progress=False)
        doc_freq = Counter(tok for doc in tokens for tok in set(doc) if tok)
        return cls(bm25, dict(doc_freq), len(texts))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._bm25.save(str(directory), show_progress=False)
        (directory / "doc_freq.json").write_text(
            json.dumps({"size": self.size, "doc_freq": self.doc_freq}), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        bm25 = bm25s.BM25.load(str(directory), show_progress=False)
        meta = json.loads((directory / "doc_freq.json").read_text(encoding="utf-8"))
        return cls(bm25, meta["doc_freq"], meta["size"])

    def terms(self, text: str, scale: float = 1.0) -> list[Term]:
        """The question's search terms: each a set of stems that count as the same term, and a weight.

        Stems the corpus never uses are split into compound parts ("ministerbrevet" → "minist", "brev") or
        corrected when one edit away ("terskelvedi"); glossary equivalents are added ("threshold" →
        "terskelverdi"). A capitalised name the corpus never mentions ("Sverige") weighs double: a question
        about it is very likely one the corpus cannot answer.
        """
        stem = _stemmer().stemWord
        out: list[Term] = []
        frames = [m.span() for m in _TIME_FRAME.finditer(text)]
        for position, match in enumerate(_WORD.finditer(text)):
            word = match.group()
            lower = word.lower()
            if lower in STOPWORDS:
                continue
            token = stem(lower)
            if any(start <= match.start() < end for start, end in frames):
                out.append(Term(frozenset({token}), scale * self.idf(token), time_frame=True))
                continue
            alternatives = {token} | {stem(w) for e in EQUIVALENTS.get(lower, ()) for w in _WORD.findall(e)}
            known = {a for a in alternatives if a in self.doc_freq}
            if known:
                out.append(Term(frozenset(known), scale * max(self.idf(a) for a in known)))
                continue
            searchable = len(token) >= 5 and not token.isdigit()
            resolved = self._resolve(token) if searchable else None
            if resolved:
                parts, same_word = resolved
                unknown = "" if same_word else word
                out.extend(Term(frozenset({p}), scale * self.idf(p), unknown=unknown) for p in parts)
            else:
                proper = position > 0 and word[:1].isupper() and not token.isdigit()
                weight = scale * self.idf(token) * (2.0 if proper else 1.0)
                out.append(Term(frozenset({token}), weight, unknown="" if token.isdigit() else word))
        return out

    def _resolve(self, token: str) -> tuple[list[str], bool] | None:
        """Known stems to search for a stem the corpus never uses, and whether they are the same word (its
        compound parts, or a spelling one or two edits away) rather than one sharing only its first part."""
        if token not in self._split_cache:
            if len(self._split_cache) >= SPLIT_CACHE_SIZE:  # bounded: questions bring endless new words
                self._split_cache.clear()
            parts = self._decompound(token)
            self._split_cache[token] = (parts, True) if parts else self._nearest(token)
        return self._split_cache[token]

    def _decompound(self, token: str) -> list[str] | None:
        stem = _stemmer().stemWord
        best: tuple[int, list[str]] | None = None
        for i in range(3, len(token) - 2):
            left, right = token[:i], token[i:]
            for head in (left, left[:-1] if left[-1] in "se" and len(left) > 4 else None):
                if not head:
                    continue
                parts = [stem(head), stem(right)]
                if all(p in self.doc_freq for p in parts):
                    score = min(len(head), len(right))
                    if best is None or score > best[0]:
                        best = (score, parts)
        return best[1] if best else None

    def _nearest(self, token: str) -> tuple[list[str], bool] | None:
        """A known stem one or two edits away (same first two letters; the same word), else one sharing a
        long prefix (not the same word)."""
        vocabulary = self._vocabulary()
        limit = 1 if len(token) < 8 else 2
        candidates = (
            known
            for length in range(len(token) - limit, len(token) + limit + 1)
            for known in vocabulary.by_head.get((token[:2], length), ())
        )
        best = min(((_edit_distance(token, c, limit), c) for c in candidates), default=None)
        if best and best[0] <= limit:
            return [best[1]], True
        # Same first compound element ("publikasjonskode" ~ "publikasjonsnummer"): a long shared prefix.
        # In sorted order the longest shared prefix is with one of the token's two neighbours.
        need = max(8, int(len(token) * 0.6))
        at = bisect.bisect_left(vocabulary.ordered, token)
        neighbours = vocabulary.ordered[max(0, at - 1) : at + 1]
        prefix = max(neighbours, key=lambda known: _common_prefix(token, known), default=None)
        return ([prefix], False) if prefix and _common_prefix(token, prefix) >= need else None

    def _vocabulary(self) -> _Vocabulary:
        if self._vocabulary_index is None:
            by_head: dict[tuple[str, int], list[str]] = {}
            for known in self.doc_freq:
                by_head.setdefault((known[:2], len(known)), []).append(known)
            self._vocabulary_index = _Vocabulary(sorted(self.doc_freq), by_head)
        return self._vocabulary_index

    def idf(self, token: str) -> float:
        """Smoothed inverse document frequency; a stem the corpus never uses gets the maximum."""
        df = self.doc_freq.get(token, 0)
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self._vocab]
        if not known or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def search(self, query_tokens: list[str], k: int) -> list[tuple[int, float]]:
        """Positions of the best chunks with their BM25 scores, best first (zero scores dropped)."""
        scores = self.scores(query_tokens)
        if not scores.size:
            return []
        k = min(k, scores.size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once it must exceed the limit."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
