"""Extractive answers: choose the chunk and the units of it that answer the question, and compose them.

The second stage reorders the retrieved chunks by two things with equal weight: how much of the question the
chunk covers (idf-weighted stems, its heading counting for the text below it) and the first stage's fused
score (meaning and words over the whole chunk, relative to the best). Within a chunk every unit
(sentence, lead-in with its list, table row; see `assistant.core.units`) is scored by its own coverage and its
closeness in meaning to the question (cosine of the configured model, rescaled over the chunk's units, so no
model-specific scale is assumed); with `answer_choice = "lexical"` no unit is embedded and a unit scores by
its coverage alone, as the first core chose sentences. Then the answer is composed:
- the best chunk anchors it, unless a near tie does better on what the question asks: the follow-up's new
  part, the kind of fact (a list; a number, a date or an amount of money, without which nothing answers),
  and for a question about now the newest source (by its date, or else the latest year it names; the
  answer then says from when, when the source is dated);
- the anchor's units give the passage, in document order (the best window when they do not all fit);
- units from further chunks are added while they cover a part of the question the passage left out;
- in a follow-up, nothing the previous answer already said is said again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from assistant.core.triage import MONTHS
from assistant.core.units import Unit, UnitVectors, chunk_units, render
from assistant.search.lexical import Term, stems
from assistant.search.retrieval import Hit, asks_about_the_past

EVIDENCE_CHUNKS = 8  # chunks the second stage reorders: the first stage's top_k
# A question term found only in the heading counts three quarters (the text is about it), only in the document
# title a quarter (the title covers many sections); carried over from the first core, where they were set.
HEADING_CREDIT = 0.75
TITLE_CREDIT = 0.25
# A chunk beyond the anchor adds a unit only when it scores this share of the anchor, or the second share when
# it answers another part of a multi-part question: the first core's 0.6 / 0.35 (set on the own sets) raised a
# step because the anchor now brings its whole passage; not tuned again.
SUPPORT_SHARE = 0.7
MULTI_PART_SHARE = 0.4
# A candidate answering at least this share as well as the best is a near tie; among near ties the one that
# answers the follow-up's new part, gives the kind of fact asked for (a list) and is newest (for a question
# about now) wins. Four fifths: a clear step below the best, taken as the size of the doubt, not tuned.
NEAR_TIE = 0.8
MAX_CHARS = 1000  # longest extractive answer: one whole chunk (chunk_size 900) and a short complement
_SECOND_QUESTION = re.compile(
    r"[,;]\s*(og|and)\s+(hva|hvem|hvor|hvordan|hvorfor|hvilk\w*|når|kva|kven|kvar|korleis|"
    r"what|who|where|how|why|which|when)\b",
    re.IGNORECASE,
)
# Questions whose answer is an amount of money: evidence without one does not answer them.
_ASKS_FOR_MONEY = re.compile(
    r"\b(hva koster|kva kostar|hva er prisen|kva er prisen|prisen på|how much (does|do|is|are)\b.*\bcost|"
    r"what (does|do)\b.*\bcost|price of|what is the price)",
    re.IGNORECASE,
)
_MONEY = re.compile(
    r"\d[\d .,]*\s*(kr\b|kroner|nok\b|mill|mrd|milliard|billion|million)|\b(nok|kr\.?)\s*\d", re.I
)
# Questions whose answer is a number or an amount: evidence without a digit does not answer them.
_ASKS_FOR_NUMBER = re.compile(
    r"\b(hvor (mye|mange|lenge|stor\w*|høy\w*)|kor (mykje|mange|lenge|stor\w*|høg\w*)|"
    r"how (many|much|long|high))\b",
    re.IGNORECASE,
)
# Questions whose answer is a point in time: "når" with a verb in the past or a coming-into-force verb (not
# "Når er det forbudt å …?", which asks for a condition), a year or a date asked for outright.
_ASKS_FOR_TIME = re.compile(
    r"(^|[,;]\s*(og|and)\s+)(når|kva tid|when)\s+(ble|vart|var|kom|trådte|trer|tok|gikk|fikk|"
    r"startet|starta|begynte|lanserte|was|were|did|\w+(ede|ete|et|te|de|ed))\b"
    r"|\b(hvilket år|kva år|what year|which year|fra når|frå når|fra hvilken dato|frå kva dato|"
    r"since when|from when|from what date)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_NB_MONTHS, _EN_MONTHS = ("|".join(MONTHS[language]) for language in ("nb", "en"))
# A point in time in an answer: a year, or a day and month.
_TIME = re.compile(
    rf"{_YEAR.pattern}|\b\d{{1,2}}\.\s*({_NB_MONTHS})|\b({_EN_MONTHS})\s+\d{{1,2}}\b|\b\d{{1,2}}\s+({_EN_MONTHS})\b",
    re.IGNORECASE,
)
_ASKS_FOR_LIST = re.compile(
    r"\b(hvilke|kva for (nokre|noen)|kva slags|which|what are|what were|list)\b", re.IGNORECASE
)
# A number written as a word answers "how many" as well as a digit does ("fire områder", "eight conventions");
# not "to" (two), which in English is a preposition.
_NUMBER = re.compile(
    r"\d|\b(tre|fire|fem|seks|sju|syv|åtte|ni|ti|elleve|tolv|tjue|hundre|tusen|"
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|hundred|thousand)\b",
    re.IGNORECASE,
)
_LISTED_PARTS = re.compile(r":\s*[^,?]+,[^?]*\b(og|and)\b", re.IGNORECASE)


@dataclass
class Evidence:
    """One unit of a candidate chunk, with how well it answers the question on its own."""

    unit: Unit
    hit: Hit
    score: float
    covered: frozenset[int]
    similarity: float

    @property
    def sentence(self) -> str:
        return self.unit.text

    @property
    def text(self) -> str:
        return render(self.unit)


@dataclass
class Candidate:
    """A retrieved chunk as the second stage judges it: how well the chunk answers the question."""

    hit: Hit
    rank: int
    units: list[Evidence]  # in document order
    coverage: float  # share of the question's terms (idf-weighted) the chunk covers, headings included
    similarity: float  # the best unit's cosine to the question (0.0 when units are chosen by coverage alone)
    score: float = 0.0

    @property
    def has_figure(self) -> bool:
        return has_figure(self.units)


def has_figure(units: list[Evidence]) -> bool:
    """True when one of the units holds a digit (a figure, a year, an amount)."""
    return any(ch.isdigit() for e in units for ch in e.sentence)


def is_multi_part(question: str) -> bool:
    """A question that asks two things ("…, og når gjaldt den?") or lists what it wants ("…: a, b og c")."""
    return bool(_SECOND_QUESTION.search(question) or _LISTED_PARTS.search(question))


def answers_the_kind(question: str, chosen: list[Evidence]) -> bool:
    """False when the question asks for an amount of money, a point in time or a number and none of the
    chosen units has one ("Hva koster en elbil?" answered with the rules for electric cars is not an
    answer, nor "Når ble det startet?" with "29 partnere")."""
    question = question.strip()
    if _ASKS_FOR_MONEY.search(question):
        return any(_MONEY.search(e.sentence) for e in chosen)
    if _ASKS_FOR_TIME.search(question):
        return any(_TIME.search(e.sentence) for e in chosen)
    if _ASKS_FOR_NUMBER.search(question):
        return any(_NUMBER.search(e.sentence) for e in chosen)
    return True


def _coverage(
    terms: list[Term], words: frozenset[str], section: frozenset[str], title: frozenset[str]
) -> tuple[float, set]:
    """The idf-weighted share of the question's subject the text covers, and the indexes of the terms it
    has. A time frame ("i dag") is not the subject, so it weighs nothing (a page saying "trer i kraft i
    dag" is not for that reason about today), but a unit having it still answers that part ("…, og hvem
    eier det i dag?")."""
    covered = {i for i, t in enumerate(terms) if t.alternatives & words}
    subject = [(i, t) for i, t in enumerate(terms) if not t.time_frame]
    total = sum(t.weight for _, t in subject) or 1.0
    value = sum(t.weight for i, t in subject if i in covered)
    for i, term in subject:  # a heading names what the text below it is about
        if i not in covered:
            value += term.weight * (HEADING_CREDIT if term.alternatives & section else 0.0)
            value += term.weight * (TITLE_CREDIT if term.alternatives & title - section else 0.0)
    return value / total, covered


def _rescaled(values: list[float]) -> list[float]:
    """Values mapped onto 0..1 over this question's candidates: no model-specific scale is assumed."""
    low, high = min(values), max(values)
    return [(v - low) / (high - low) if high > low else 1.0 for v in values]


def candidates(
    terms: list[Term], hits: list[Hit], query_vector: np.ndarray, unit_vectors: UnitVectors | None
) -> list[Candidate]:
    """The top chunks, reordered by how well each answers (coverage and the first stage's score), best first.

    A unit scores by its coverage and its meaning (equal weight); without `unit_vectors` by coverage alone."""
    top = hits[:EVIDENCE_CHUNKS]
    found = unit_vectors.get([h.chunk for h in top]) if unit_vectors is not None else None
    result: list[Candidate] = []
    for rank, hit in enumerate(top):
        if found is None:
            units, vectors = chunk_units(hit.chunk.text), None
        else:
            units, vectors = found[hit.chunk.chunk_id]
        section, title = stems(hit.chunk.section), stems(hit.chunk.title)
        when = source_date(hit)
        if when:  # a document dated 2017 is about 2017, whether or not its text repeats the year
            title = title | {str(when.year)}
        if vectors is None:
            similarities = [0.0] * len(units)
        else:
            similarities = [float(v) for v in vectors @ query_vector] if units else []
        headings = _headings(hit)  # a plain-text page's title line is a unit of its text, not an answer
        kept = [(u, s) for u, s in zip(units, similarities, strict=True) if _folded(u.text) not in headings]
        similarities = [s for _, s in kept]
        evidence = []
        for unit, similarity in kept:
            value, covered = _coverage(terms, stems(unit.text), section, title)
            evidence.append(Evidence(unit, hit, value, frozenset(covered), similarity))
        if not evidence:
            continue
        if vectors is not None:
            for e, meaning in zip(evidence, _rescaled(similarities), strict=True):
                e.score = (e.score + meaning) / 2
        coverage, _ = _coverage(terms, stems(hit.chunk.text), section, title)
        result.append(Candidate(hit, rank, evidence, coverage, max(similarities)))
    if not result:
        return []
    fused = max(c.hit.score for c in result) or 1.0
    for c in result:  # the first stage's fused rank (meaning and words over the whole chunk), and coverage
        c.score = (c.coverage + c.hit.score / fused) / 2
    result.sort(key=lambda c: c.score, reverse=True)
    return result


def _headings(hit: Hit) -> set[str]:
    """The chunk's title and the headings of its section path, normalised: never an answer sentence."""
    parts = [hit.chunk.title, *hit.chunk.section.split(">")]
    return {_folded(p) for p in parts if p.strip()}


def _folded(text: str) -> str:
    """Text compared as a reader would: lower case, whitespace runs as one space."""
    return " ".join(text.lower().split())


def reranked(found: list[Candidate]) -> list[Hit]:
    return [c.hit for c in found]


def source_date(hit: Hit) -> date | None:
    return hit.chunk.published or hit.chunk.valid_from


def recency(hit: Hit, today: date) -> date | None:
    """How recent a source is, for choosing between sources that disagree: its own date, else the latest
    year up to this one that its text, heading, title or address names (a page naming 2024 was written in
    2024 or later; most pages on the web carry no date a loader can read). Never shown as its date."""
    if when := source_date(hit):
        return when
    chunk = hit.chunk
    named = " ".join((chunk.text, chunk.section, chunk.title, chunk.source))
    years = [int(y) for y in _YEAR.findall(named) if int(y) <= today.year]
    return date(max(years), 1, 1) if years else None


def _unsaid(found: list[Candidate], said: str) -> dict[int, list[Evidence]]:
    """Each candidate's units (by id of the candidate) that the previous answer `said` does not hold."""
    said_key = _folded(said)

    def new(e: Evidence) -> bool:
        return not said or _folded(e.text) not in said_key

    return {id(c): [e for e in c.units if new(e)] for c in found}


def choose(
    question: str,
    found: list[Candidate],
    unsaid: dict[int, list[Evidence]],
    new_terms: frozenset[int] | None = None,
    today: date | None = None,
) -> tuple[Candidate | None, Candidate | None]:
    """(the chunk the answer comes from, the older source it replaced) for the question.

    `unsaid`: each candidate's units not said before (`_unsaid`); `new_terms`: in a follow-up, the indexes of
    the terms the follow-up itself brings."""
    fresh = [c for c in found if unsaid[id(c)]]
    if not fresh:
        return None, None
    # Only a near tie of the best may stand in for it when the best lacks the kind of fact asked for: a
    # price question about cars is not answered from a distant chunk that happens to hold an amount.
    ties = [
        c for c in fresh if c.score >= fresh[0].score * NEAR_TIE and answers_the_kind(question, unsaid[id(c)])
    ]
    if not ties:
        return None, None
    preferences = []
    if new_terms:
        preferences.append(lambda c: any(e.covered & new_terms for e in unsaid[id(c)]))
    if _ASKS_FOR_LIST.search(question):
        preferences.append(lambda c: any(e.unit.is_list for e in unsaid[id(c)]))
    for prefer in preferences:
        ties = [c for c in ties if prefer(c)] or ties
    best = ties[0]
    today = today or date.today()
    best_date = recency(best.hit, today)
    if asks_about_the_past(question, today) or best_date is None:
        return best, None
    newer = [
        c
        for c in ties[1:]
        if c.hit.chunk.doc_id != best.hit.chunk.doc_id
        and (d := recency(c.hit, today)) is not None
        and d > best_date
        and (not best.has_figure or c.has_figure)
    ]
    if not newer:
        return best, None
    return max(newer, key=lambda c: (recency(c.hit, today), c.score)), best


def passage(units: list[Evidence], limit: int, max_chars: int = MAX_CHARS) -> list[Evidence]:
    """The chunk's units in document order; when they do not all fit, the window that answers best."""
    best: tuple[float, int, int] | None = None
    for start in range(len(units)):
        length, end = 0, start
        while end < len(units) and end - start < limit and length + len(units[end].text) <= max_chars:
            length += len(units[end].text)
            end += 1
        if end == start:
            end = start + 1  # one long unit still answers
        value = sum(e.score for e in units[start:end])
        if best is None or value > best[0] + 1e-9:
            best = (value, start, end)
    assert best is not None
    return units[best[1] : best[2]]


def select(
    question: str,
    found: list[Candidate],
    limit: int,
    *,
    said: str = "",
    new_terms: frozenset[int] | None = None,
    today: date | None = None,
) -> tuple[list[Evidence], Candidate | None]:
    """The units of the answer in reading order, and the older source a newer one replaced (if any).

    In a follow-up, `said` is the previous answer (what it said is not said again) and `new_terms` the
    indexes of the terms the follow-up brings (the answer should be about them)."""
    unsaid = _unsaid(found, said)
    anchor, replaced = choose(question, found, unsaid, new_terms, today)
    if anchor is None:
        return [], None
    chosen = passage(unsaid[id(anchor)], limit)
    covered = set().union(*(e.covered for e in chosen))
    length = sum(len(e.text) for e in chosen)
    share = MULTI_PART_SHARE if is_multi_part(question) else SUPPORT_SHARE
    older = {replaced.hit.chunk.doc_id} if replaced else set()
    for other in found:
        if other is anchor or other.score < anchor.score * share or other.hit.chunk.doc_id in older:
            continue
        extra = max(unsaid[id(other)], key=lambda e: (len(e.covered - covered), e.score), default=None)
        if extra is None or not (extra.covered - covered) or length + len(extra.text) > MAX_CHARS:
            continue
        chosen.append(extra)
        covered |= extra.covered
        length += len(extra.text)
        if len(chosen) > limit:
            break
    return chosen, replaced
