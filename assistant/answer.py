"""The one answer core every channel calls: `await answer(question, conversation, deps=deps)`.

Flow: validate → triage (language, takeover attempts, follow-ups) → hybrid retrieval → confidence →
refuse honestly, or answer from evidence only: extractive by default, a grounded chat-model answer when one
is configured (falling back to extractive when its output cannot be verified). Never imports a channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from assistant import extractive, grounding, llm
from assistant.blocking import run_blocking
from assistant.config import Settings
from assistant.embeddings import get_embedder
from assistant.errors import InputError, LLMError
from assistant.lexical import LexicalIndex, Term, tokenize
from assistant.models import Answer, Chunk, Citation, Conversation, Retrieved
from assistant.retrieval import Hit, Retriever
from assistant.store import open_store
from assistant.triage import (
    ENGLISH_LEAD,
    INJECTION_REFUSAL,
    REFUSAL,
    detect_language,
    is_follow_up,
    is_injection,
    is_task_request,
    without_instructions,
)

log = logging.getLogger(__name__)

HISTORY_WEIGHT = 0.5
DENSE_SHARE = 0.1
CONTEXT_CHUNKS = 3
RETRIEVED_SHOWN = 8
REMOVED_INSTRUCTION = "[instruksjonslignende tekst fjernet]"


@dataclass
class Deps:
    """What the core needs, built once per process by `build_deps` (tests build their own)."""

    settings: Settings
    retriever: Retriever
    chat_model: llm.ChatModel | None = None
    today: Callable[[], date] = field(default=date.today)


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
    previous = history[-1] if follow_up else None
    query = f"{previous} {question}" if previous else question
    hits, terms = await run_blocking(_retrieve, deps, query, question, previous)
    confidence = estimate_confidence(terms, hits)
    retrieved = [
        Retrieved(
            chunk_id=h.chunk.chunk_id,
            score=round(h.score, 6),
            title=h.chunk.title,
            text=h.chunk.text,
            section=h.chunk.section,
            source=h.chunk.source,
        )
        for h in hits[:RETRIEVED_SHOWN]
    ]
    refusal = Answer(
        answer=REFUSAL[language], refused=True, confidence=confidence, retrieved=retrieved, language=language
    )
    if is_injection(question):  # retrieval is still reported; nothing the question asks is obeyed
        return refusal.model_copy(update={"answer": INJECTION_REFUSAL[language], "confidence": 0.0})
    if not hits or confidence < deps.settings.refusal_threshold or is_task_request(question):
        return refusal
    composed = None
    if deps.chat_model is not None:
        composed = await _with_chat_model(deps.chat_model, question, hits, language)
    if composed is None:  # no chat model, or its answer could not be verified
        composed = _extractive(question, terms, hits, language, deps.settings.answer_sentences)
    text, citations = composed
    if not citations:
        return refusal
    return refusal.model_copy(update={"answer": text, "refused": False, "citations": citations})


def _retrieve(deps: Deps, query: str, question: str, previous: str | None) -> tuple[list[Hit], list[Term]]:
    """Search terms and hybrid retrieval in one blocking step (taking the snapshot may reload the index)."""
    terms = question_terms(question, previous, deps.retriever.store.snapshot().lexical)
    return deps.retriever.search(query, today=deps.today(), terms=terms), terms


def question_terms(question: str, previous: str | None, lexical: LexicalIndex) -> list[Term]:
    """Search terms of the question; for a follow-up, the previous question's terms count half."""
    earlier = lexical.terms(previous, scale=HISTORY_WEIGHT) if previous else []
    return lexical.terms(question) + earlier


def estimate_confidence(terms: list[Term], hits: list[Hit]) -> float:
    """How much of the question one of the best chunks covers (idf-weighted), tempered by dense similarity."""
    total = sum(t.weight for t in terms)
    if not hits or not total:
        return 0.0
    coverage = 0.0
    for hit in hits[:CONTEXT_CHUNKS]:
        stems = set(tokenize(f"{hit.chunk.title} {hit.chunk.section} {hit.chunk.text}"))
        coverage = max(coverage, sum(t.weight for t in terms if t.alternatives & stems) / total)
    dense = max(h.dense for h in hits[:CONTEXT_CHUNKS])
    dense_part = min(1.0, max(0.0, (dense - 0.2) / 0.5))
    return round(DENSE_SHARE * dense_part + (1 - DENSE_SHARE) * coverage, 4)


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
        )
    )
    return len(citations)


def _extractive(
    question: str, terms: list[Term], hits: list[Hit], language: str, limit: int
) -> tuple[str, list[Citation]]:
    evidence = extractive.score_sentences(terms, hits)
    chosen = extractive.select(evidence, limit, multi_part=extractive.is_multi_part(question))
    if not extractive.answers_the_kind(question, chosen):
        return "", []
    citations: list[Citation] = []
    parts = []
    for item in chosen:
        n = _number(citations, item.hit.chunk, item.sentence)
        parts.append(f"{' '.join(item.sentence.split())} [{n}]")
    text = " ".join(parts)
    if language == "en" and chosen and all(item.hit.chunk.language != "en" for item in chosen):
        text = ENGLISH_LEAD + text
    return text, citations


async def _with_chat_model(model: llm.ChatModel, question: str, hits: list[Hit], language: str):
    """A grounded chat-model answer, or None to fall back to extractive."""
    sources = [h.chunk for h in hits[: extractive.EVIDENCE_CHUNKS]]
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
    grounded = grounding.ground(output, sources)
    if not grounded:
        log.info("chat model answer not grounded in its sources; answering extractively")
        return None
    citations: list[Citation] = []
    parts = []
    for sentence, indexes in grounded:
        numbers = [
            _number(citations, sources[i], grounding.best_snippet(sentence, sources[i])) for i in indexes
        ]
        parts.append(sentence + " " + "".join(f"[{n}]" for n in numbers))
    return " ".join(parts), citations
