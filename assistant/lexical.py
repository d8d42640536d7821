"""BM25 over stemmed Norwegian/English tokens (bm25s + PyStemmer), persisted beside the vector store.

Owns tokenisation, so that index and queries always tokenise the same way, and the document
frequencies used to judge how much of a question the corpus covers at all.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_WORD = re.compile(r"[\wæøåÆØÅ§]+(?:[.,]\d+)*", re.UNICODE)

STOPWORDS = frozenset(
    [
        "og",
        "i",
        "jeg",
        "det",
        "at",
        "en",
        "et",
        "den",
        "til",
        "er",
        "som",
        "på",
        "de",
        "med",
        "han",
        "av",
        "ikke",
        "der",
        "så",
        "var",
        "meg",
        "seg",
        "men",
        "ett",
        "har",
        "om",
        "vi",
        "min",
        "mitt",
        "ha",
        "hadde",
        "hun",
        "nå",
        "over",
        "da",
        "ved",
        "fra",
        "du",
        "ut",
        "sin",
        "dem",
        "oss",
        "opp",
        "man",
        "kan",
        "hans",
        "hvor",
        "eller",
        "hva",
        "skal",
        "selv",
        "sjøl",
        "her",
        "alle",
        "vil",
        "bli",
        "ble",
        "blitt",
        "kunne",
        "inn",
        "når",
        "være",
        "kom",
        "noen",
        "noe",
        "ville",
        "dere",
        "deres",
        "kun",
        "ja",
        "etter",
        "ned",
        "skulle",
        "denne",
        "for",
        "deg",
        "si",
        "sine",
        "sitt",
        "mot",
        "å",
        "meget",
        "hvorfor",
        "dette",
        "disse",
        "uten",
        "hvordan",
        "ingen",
        "din",
        "ditt",
        "blir",
        "samme",
        "hvilken",
        "hvilke",
        "sånn",
        "inni",
        "mellom",
        "vår",
        "hver",
        "hvem",
        "vors",
        "hvis",
        "både",
        "bare",
        "enn",
        "fordi",
        "før",
        "mange",
        "også",
        "slik",
        "vært",
        "båe",
        "begge",
        "siden",
        "dykk",
        "dykkar",
        "dei",
        "deira",
        "deires",
        "deim",
        "di",
        "då",
        "eg",
        "ein",
        "eit",
        "eitt",
        "elles",
        "honom",
        "hjå",
        "ho",
        "hoe",
        "henne",
        "hennar",
        "hennes",
        "hoss",
        "hossen",
        "ikkje",
        "ingi",
        "inkje",
        "korleis",
        "korso",
        "kva",
        "kvar",
        "kvarhelst",
        "kven",
        "kvi",
        "kvifor",
        "me",
        "medan",
        "mi",
        "mine",
        "mykje",
        "no",
        "nokon",
        "noka",
        "nokor",
        "noko",
        "nokre",
        "si",
        "sia",
        "sidan",
        "so",
        "somt",
        "somme",
        "um",
        "upp",
        "vere",
        "vore",
        "verte",
        "vort",
        "varte",
        "vart",
        "må",
        "bør",
        "gjør",
        "gjøre",
        "gjelder",
        "får",
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "for",
        "on",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "how",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "may",
        "might",
        "must",
        "shall",
        "will",
        "we",
        "i",
        "you",
        "he",
        "she",
        "it",
        "they",
        "them",
        "our",
        "your",
        "their",
        "this",
        "that",
        "these",
        "those",
        "with",
        "from",
        "by",
        "as",
        "at",
        "about",
        "into",
        "than",
        "then",
        "there",
        "here",
        "any",
        "all",
        "some",
        "not",
        "no",
        "yes",
        "if",
        "me",
        "my",
        "us",
    ]
)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("norwegian")


def tokenize(text: str) -> list[str]:
    """Lower-case words without stopwords, stemmed with the Norwegian Snowball stemmer."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
    return _stemmer().stemWords(words)


class LexicalIndex:
    """A BM25 index over chunks in a fixed order, plus document frequencies per stem."""

    def __init__(self, bm25: bm25s.BM25, doc_freq: dict[str, int], size: int) -> None:
        self._bm25 = bm25
        self._vocab = bm25.vocab_dict
        self.doc_freq = doc_freq
        self.size = size

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
