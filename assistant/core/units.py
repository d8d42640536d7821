"""Answer units of a chunk: the pieces an extractive answer may quote.

A unit is a sentence, a lead-in ending in ":" together with the list that follows it, or one table row
("Header: value; Header: value" as ingest writes them). Each unit is a verbatim substring of the chunk's
text, so it is its own citation snippet. What is not an answer is never a unit: headings, a lead-in whose
list is missing (one that is a whole statement over the text that follows stays: "Fra 2024 er § 7-9 endret:"),
link labels, menu and other fragments that do not read as a sentence, and instruction-like
text a document addresses to the assistant.

`UnitVectors` gives the units of a chunk with their vectors: looked up in what ingest stored with the
published generation (keyed by a hash of each unit's embedding text), embedded with the configured model
only when not found there (a chunk ingested before units were stored, or units split another way since),
and kept in memory: a chunk's text never changes under its id, and buyers ask about the same chunks again.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.core.sentences import split_sentences
from assistant.core.triage import is_injection
from assistant.errors import StoreError
from assistant.models import Chunk
from assistant.platform.lru import LruCache
from assistant.search.embeddings import Embedder
from assistant.search.unit_table import unit_key

log = logging.getLogger(__name__)
StoredVectors = Callable[[list[str]], dict[str, np.ndarray]]  # unit keys → the vectors stored for them

_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")
_TABLE_ROW = re.compile(r"^[^:\n]{1,60}: [^\n]+;[^\n]*$")  # "Header: value; Header: value"
_CLOSERS = '»"”’)]'  # closing quotes and brackets a sentence's final stop may stand inside
# A sentence ends in a full stop, "!" or "…", perhaps inside closing quotes or brackets ("(bokmål)" does not).
_TERMINAL = re.compile(rf"[.!…][{re.escape(_CLOSERS)}]*$")
# Words no sentence ends on (infinitive marker, conjunctions, articles, prepositions, copulas): a line without
# a final stop ending in one is a lead-in cut from its list, or a fragment ("… fra mat er å").
_DANGLING = re.compile(
    r"\b(å|og|eller|men|som|at|er|var|blir|en|ei|et|ein|eit|den|det|de|i|til|for|av|på|med|om|fra|frå|ved|"
    r"the|a|an|and|or|but|that|is|are|was|were|to|of|in|on|for|with|by|from|as)$",
    re.IGNORECASE,
)
# Words pointing ahead to what a lead-in introduces: without it the lead-in says nothing.
_POINTING = re.compile(
    r"\b(følgende|fylgjande|disse|desse|dette|slik|sånn|these|this|following|below|nedenfor)$", re.IGNORECASE
)
MIN_WORDS = 4  # fewer words than this is a label or a fragment, not an answer
LABEL_WORDS = 10  # a line without a sentence's final punctuation and shorter than this is a heading or label
UNIT_CACHE_CHUNKS = 4096  # chunks whose unit vectors are kept (≈ 6 units × 384 floats each: ~40 MB)


@dataclass(frozen=True)
class Unit:
    text: str  # verbatim from the chunk's text
    position: int  # order within the chunk
    is_list: bool = False


def chunk_units(text: str) -> list[Unit]:
    """The answer units of a chunk's text, in document order."""
    lines = text.split("\n")
    units: list[Unit] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        if _TABLE_ROW.match(line):
            units.append(Unit(line, len(units)))
            continue
        if _LIST_ITEM.match(line) and not (units and units[-1].is_list):
            line = _LIST_ITEM.sub("", line)  # a list without a lead-in: each item is read as a sentence
        sentences = split_sentences(line)
        for n, sentence in enumerate(sentences):
            last = n == len(sentences) - 1
            if last and (sentence.endswith(":") or _leads_into_list(sentence, lines, i)):
                items = []
                while i < len(lines) and (not lines[i].strip() or _LIST_ITEM.match(lines[i])):
                    if lines[i].strip():
                        items.append(lines[i].strip())
                    i += 1
                if items:  # the lead-in brings its list: one unit, verbatim from the lead-in to the last item
                    start = text.index(sentence)
                    end = text.index(items[-1], start) + len(items[-1])
                    units.append(Unit(text[start:end], len(units), is_list=True))
                elif _introduces_text(sentence, lines, i):
                    units.append(Unit(sentence, len(units)))
                continue  # a lead-in whose list is elsewhere (another chunk, a dropped menu) is not one
            if is_answer_text(sentence):
                units.append(Unit(sentence, len(units)))
    return units


def _leads_into_list(sentence: str, lines: list[str], i: int) -> bool:
    """True for a sentence left open before a list ("Disse er å" then "1. kjøpe …"): a lead-in without its
    colon, which web pages often drop. It must read as a sentence cut off (ending on a word no sentence ends
    on) or be a sentence's length: a heading or a menu's label over a list is neither."""
    if _TERMINAL.search(sentence) or _is_question(sentence):
        return False
    if not _DANGLING.search(sentence) and len(sentence.split()) < LABEL_WORDS:
        return False
    following = next((line for line in lines[i:] if line.strip()), "")
    return bool(_LIST_ITEM.match(following))


def _introduces_text(sentence: str, lines: list[str], i: int) -> bool:
    """True for a lead-in that is a whole statement and introduces text, not a list, that the chunk goes on
    with ("Fra og med 1. januar 2024 er § 7-9 endret:" over the provision's wording). One pointing ahead
    ("… er:", "… følgende:") says nothing on its own, and one at the chunk's end lost its list."""
    statement = sentence.rstrip(":").rstrip()
    if _DANGLING.search(statement) or _POINTING.search(statement) or not is_answer_text(statement + "."):
        return False
    return any(line.strip() for line in lines[i:])


def is_answer_text(sentence: str) -> bool:
    """True for text that reads as a statement: not a heading, label, fragment or instruction."""
    words = sentence.split()
    if len(words) < MIN_WORDS or not re.search(r"[a-zæøå]", sentence):
        return False
    if not _TERMINAL.search(sentence) and (len(words) < LABEL_WORDS or _DANGLING.search(sentence)):
        return False
    if _is_question(sentence):  # an FAQ heading, a rhetorical question: it answers nothing
        return False
    return not is_injection(sentence)


def _is_question(sentence: str) -> bool:
    return sentence.rstrip().rstrip(_CLOSERS).endswith("?")


def render(unit: Unit) -> str:
    """The unit as answer text: whitespace joined, list items after their lead-in separated by ";"."""
    if not unit.is_list:
        return " ".join(unit.text.split())
    head, *items = [line.strip() for line in unit.text.split("\n") if line.strip()]
    items = [_LIST_ITEM.sub("", item).rstrip(".;,") for item in items]
    return " ".join(head.split()) + " " + "; ".join(items) + "."


def embedding_text(chunk: Chunk, unit: Unit) -> str:
    """What is embedded for a unit: the nearest heading gives a short answer its subject."""
    heading = chunk.section.rsplit(">", 1)[-1].strip() or chunk.title
    return f"{heading}: {render(unit)}"


class UnitVectors:
    """Units and their vectors per chunk id, computed on first use, kept for the most recent chunks.
    `stored` looks vectors up by unit key (`Store.unit_vectors`); `embedded` counts the units embedded
    here."""

    def __init__(
        self, embedder: Embedder, max_chunks: int = UNIT_CACHE_CHUNKS, stored: StoredVectors | None = None
    ) -> None:
        self.embedder = embedder
        self.stored = stored
        self.embedded = 0
        self._cache: LruCache[tuple[list[Unit], np.ndarray]] = LruCache(max_chunks)
        self._lock = threading.Lock()  # guards `embedded`

    def get(self, chunks: list[Chunk]) -> dict[str, tuple[list[Unit], np.ndarray]]:
        """(units, unit vectors) for each chunk; the units of all chunks not seen yet in one embed call."""
        found = {c.chunk_id: entry for c in chunks if (entry := self._cache.get(c.chunk_id)) is not None}
        missing = list({c.chunk_id: c for c in chunks if c.chunk_id not in found}.values())
        if missing:
            per_chunk = [chunk_units(c.text) for c in missing]
            texts = [embedding_text(c, u) for c, units in zip(missing, per_chunk, strict=True) for u in units]
            vectors = self._vectors(texts)
            offset = 0
            for chunk, units in zip(missing, per_chunk, strict=True):
                entry = (units, vectors[offset : offset + len(units)])
                offset += len(units)
                found[chunk.chunk_id] = entry
                self._cache.put(chunk.chunk_id, entry)
        return found

    def _vectors(self, texts: list[str]) -> np.ndarray:
        """One row per text: the stored vector when there is one of the right size, else embedded now."""
        out = np.zeros((len(texts), self.embedder.dimension), dtype=np.float32)
        if not texts:
            return out
        keys = [unit_key(text) for text in texts]
        stored: dict[str, np.ndarray] = {}
        if self.stored is not None:
            try:
                stored = self.stored(keys)
            except StoreError:  # the answer can still be made: embed them here
                log.warning("stored unit vectors unavailable; embedding them", exc_info=True)
        missing = []
        for row, key in enumerate(keys):
            vector = stored.get(key)
            if vector is not None and vector.shape == (self.embedder.dimension,):
                out[row] = vector
            else:
                missing.append(row)
        if missing:
            out[missing] = self.embedder.embed([texts[row] for row in missing])
            with self._lock:
                self.embedded += len(missing)
        return out
