"""Plain data at the seams: chunks, citations, answers and conversations.

These models are the contract between ingest, the store, the answer core and every channel; the HTTP
schema is built from them so OpenAPI documents the real thing. No behaviour lives here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

REFERENCE_SECTIONS = frozenset(
    {"kilder", "kilde", "sources", "source", "references", "referanser", "lenker", "links"}
)


class Chunk(BaseModel):
    """One searchable piece of a document, with the document's metadata copied onto it."""

    chunk_id: str
    doc_id: str
    text: str
    title: str
    section: str = ""
    source: str = ""
    kind: str = "document"
    language: str = "nb"
    valid_from: date | None = None
    valid_to: date | None = None
    published: date | None = None  # the document's own date (front matter, page metadata or its text)
    position: int = 0

    @property
    def is_reference(self) -> bool:
        """A bibliography-like section ("Kilder", "Sources"): where to read more, not an answer."""
        last = self.section.rsplit(">", 1)[-1].strip().lower()
        return last in REFERENCE_SECTIONS

    def in_force(self, on: date) -> bool:
        """True when the chunk's content is valid on the given date."""
        if self.valid_from and on < self.valid_from:
            return False
        return not (self.valid_to and on > self.valid_to)


class Citation(BaseModel):
    """A numbered source behind an answer; `snippet` is a verbatim substring of the chunk's text."""

    chunk_id: str
    title: str
    section: str
    source: str
    snippet: str
    kind: str = "document"
    published: date | None = None


class Retrieved(BaseModel):
    """A chunk as retrieval ranked it, best first."""

    chunk_id: str
    score: float
    title: str
    text: str
    section: str = ""
    source: str = ""


class Answer(BaseModel):
    """What the core returns to every channel."""

    answer: str
    refused: bool
    confidence: float = Field(ge=0.0, le=1.0)
    citations: list[Citation] = []
    retrieved: list[Retrieved] = []
    language: Literal["nb", "en"] = "nb"


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    text: str


class Conversation(BaseModel):
    """Earlier turns of one conversation, oldest first; the core uses them for follow-up questions."""

    conversation_id: str | None = None
    turns: list[Turn] = []

    def last_user_questions(self, n: int = 2) -> list[str]:
        return [t.text for t in self.turns if t.role == "user"][-n:]

    def last_answer(self) -> str:
        """The assistant's most recent answer ("" before the first)."""
        return next((t.text for t in reversed(self.turns) if t.role == "assistant"), "")


class ChatRequest(BaseModel):
    question: str = Field(description="The buyer's question (1–2000 characters).")
    conversation_id: str | None = Field(None, max_length=64, description="Continue this conversation.")


class ChatResponse(Answer):
    conversation_id: str
    message_id: str


class DocumentInfo(BaseModel):
    doc_id: str
    title: str
    source: str
    kind: str
    language: str
    valid_from: date | None
    valid_to: date | None
    chunks: int


class WidgetChatRequest(ChatRequest):
    """`/v1/chat/stream`: a chat request plus what the widget knows about where it is embedded."""

    region: str | None = Field(None, max_length=64, description="The host page's region (data-region).")
    lang: Literal["nb", "en"] = Field("nb", description="UI language for status messages.")


class FeedbackRequest(BaseModel):
    message_id: str = Field(max_length=64, description="The answer being rated.")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=2000)


class EscalationRequest(BaseModel):
    message_id: str = Field(max_length=64, description="The answer the buyer wants a person to look at.")
    region: str | None = Field(None, max_length=64)
    contact: str | None = Field(None, max_length=200, description="E-mail or phone for a reply (optional).")
    note: str | None = Field(None, max_length=2000)


class Stored(BaseModel):
    """Receipt for a stored feedback or escalation row."""

    id: int


class StaffAnswer(BaseModel):
    """A verified answer a support adviser wrote to this question (shown to the buyer on return)."""

    answer: str
    region: str
    date: date
    links: list[str] = []


class StoredMessage(BaseModel):
    """One question and its answer as stored."""

    message_id: str
    question: str
    answer: str
    refused: bool
    confidence: float
    citations: list[Citation]
    created_at: datetime
    staff_answer: StaffAnswer | None = None


class ConversationHistory(BaseModel):
    conversation_id: str
    messages: list[StoredMessage]
