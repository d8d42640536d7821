"""Teams text in and Adaptive Cards out: the question a buyer typed (without the bot's @mention), and an
`Answer` rendered as a card with numbered source links, 👍 / 👎 and «Spør en veileder»; a staff adviser's
verified answer as a card of its own. Pure functions over
plain data; no HTTP, no database, no answer logic.

Card buttons are `Action.Submit` with object data, so a click arrives as a `message` activity whose `value`
is that data: `{"action": "feedback" | "escalate" | "ask", ...}` (see `parse_submit`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import quote

from assistant.models import Answer, Citation

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"  # rendered by Teams desktop, web and mobile, Web Chat and the Emulator

FEEDBACK = "feedback"
ESCALATE = "escalate"
ASK = "ask"

SNIPPET_CHARS = 180
URL_SAFE = ":/?#@!$&'*+,;=%~-._"  # everything but parentheses and spaces, which would end a markdown link

EXAMPLE_QUESTIONS = [
    "Hvilke miljøkrav kan vi stille i en anskaffelse?",
    "Hva er terskelverdiene for offentlige anskaffelser?",
    "Hva sier handlingsplanen fra 2007 om samfunnsansvar?",
]
WELCOME = (
    "Hei! Jeg svarer på spørsmål om miljø- og samfunnsansvar i offentlige anskaffelser, med kilder du kan "
    "sjekke. Skriv et spørsmål, eller prøv et av disse:"
)
WELCOME_CHANNEL_HINT = "I kanaler og gruppechatter: nevn meg med @ foran spørsmålet."
FEEDBACK_THANKS = "Takk for tilbakemeldingen!"
FEEDBACK_DOWN_HINT = " Trenger du hjelp fra et menneske, trykk «Spør en veileder»."
FEEDBACK_REPEATED = "Du har allerede vurdert dette svaret."
ESCALATED = "Takk! Spørsmålet ditt er sendt til en veileder, som tar kontakt med deg."
ESCALATION_REPEATED = "Dette spørsmålet er allerede sendt til en veileder."
UNKNOWN_ANSWER = "Jeg fant ikke dette svaret lenger."
ERROR_TEXT = "Beklager, noe gikk galt hos oss, så jeg fikk ikke svart. Prøv igjen om litt."

LABELS = {
    "nb": {"sources": "Kilder", "escalate": "Spør en veileder", "up": "👍 Nyttig", "down": "👎 Ikke nyttig"},
    "en": {"sources": "Sources", "escalate": "Ask an adviser", "up": "👍 Helpful", "down": "👎 Not helpful"},
}

_AT_TAG = re.compile(r"<at\b[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_HTTP_URL = re.compile(r"^https?://[^\s<>\"]+$")


# ---- Teams text in -----------------------------------------------------------------------------------


def question_from_activity(activity: dict) -> str:
    """The text of a message without the bot's @mention; other people's mentions keep their name."""
    text = activity.get("text") or ""
    bot_id = (activity.get("recipient") or {}).get("id")
    for entity in activity.get("entities") or []:
        mentioned = entity.get("mentioned") or {}
        if (
            entity.get("type") == "mention"
            and bot_id
            and mentioned.get("id") == bot_id
            and entity.get("text")
        ):
            text = text.replace(entity["text"], " ")
    text = _AT_TAG.sub(r"\1", text)
    return " ".join(html.unescape(text).split())


@dataclass(frozen=True)
class Submit:
    action: str
    message_id: str = ""
    rating: str = ""
    question: str = ""


def parse_submit(value: object) -> Submit | None:
    """The card button behind a submit activity's `value`, or None if it is not one of ours."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    fields = {k: value.get(k) for k in ("message_id", "rating", "question")}
    if action not in (FEEDBACK, ESCALATE, ASK) or not all(isinstance(v, str | None) for v in fields.values()):
        return None
    submit = Submit(action=action, **{k: (v or "").strip() for k, v in fields.items()})
    if action == FEEDBACK and (submit.rating not in ("up", "down") or not submit.message_id):
        return None
    if action == ESCALATE and not submit.message_id:
        return None
    if action == ASK and not submit.question:
        return None
    return submit


# ---- Adaptive Cards out ------------------------------------------------------------------------------


def attachment(card_body: list[dict], actions: list[dict]) -> dict:
    content = {"$schema": CARD_SCHEMA, "type": "AdaptiveCard", "version": CARD_VERSION, "body": card_body}
    if actions:
        content["actions"] = actions
    return {"contentType": CARD_CONTENT_TYPE, "content": content}


def _text(text: str, **style) -> dict:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def inert(text: str) -> str:
    """Text from a document or a user, made unable to act in a TextBlock: no markdown link (a `](` that
    would turn `[Klikk her](https://…)` into a disguised link; our own `[1]` markers stay) and no
    `{{DATE()}}`/`{{TIME()}}` function. Bold, italics and lists only change the look, so they are left."""
    return text.replace("](", "] (").replace("{{", "{ {")


def _submit(title: str, data: dict) -> dict:
    return {"type": "Action.Submit", "title": title, "data": data}


def _label(citation: Citation) -> str:
    label = citation.title + (f" – {citation.section}" if citation.section else "")
    return inert(label.replace("[", "(").replace("]", ")"))  # brackets would end the markdown link text


def source_line(number: int, citation: Citation) -> str:
    """`1. [Title – section](url)` for http(s) sources, the label alone for anything else."""
    label = _label(citation)
    source = (citation.source or "").strip()
    if _HTTP_URL.match(source):
        return f"{number}. [{label}]({quote(source, safe=URL_SAFE)})"
    return f"{number}. {label}" + (f" ({source})" if source else "")


def answer_card(result: Answer, message_id: str) -> dict:
    """The reply to a question: answer, numbered sources with a short quote each, and the buttons."""
    labels = LABELS.get(result.language, LABELS["nb"])
    body = [_text(inert(result.answer))]
    if result.citations:
        body.append(_text(labels["sources"], weight="Bolder", spacing="Medium"))
        for number, citation in enumerate(result.citations, 1):
            body.append(_text(source_line(number, citation), spacing="Small"))
            snippet = " ".join(citation.snippet.split())
            if len(snippet) > SNIPPET_CHARS:
                snippet = snippet[: SNIPPET_CHARS - 1].rstrip() + "…"
            body.append(_text(f"«{inert(snippet)}»", isSubtle=True, size="Small", spacing="None"))
    actions = [
        _submit(labels["up"], {"action": FEEDBACK, "rating": "up", "message_id": message_id}),
        _submit(labels["down"], {"action": FEEDBACK, "rating": "down", "message_id": message_id}),
        _submit(labels["escalate"], {"action": ESCALATE, "message_id": message_id}),
    ]
    return attachment(body, actions)


def staff_answer_card(*, region: str, question: str, answer: str, links: list[str]) -> dict:
    """A verified answer from a procurement adviser to a question the buyer asked earlier, with its links
    as buttons. Sent proactively, in reply to the buyer's question."""
    body = [
        _text(f"Svar fra en veileder i {region}", weight="Bolder", size="Medium"),
        _text(f"Du spurte: «{inert(' '.join(question.split()))}»", isSubtle=True, spacing="Small"),
        _text(inert(answer)),
    ]
    actions = [
        {"type": "Action.OpenUrl", "title": link if len(link) <= 60 else link[:59] + "…", "url": link}
        for link in links
        if _HTTP_URL.match(link)
    ]
    return attachment(body, actions)


def welcome_card(*, in_channel: bool = False) -> dict:
    """What the bot says when it is added: what it does, and example questions one click away."""
    body = [_text("Innkjøpsassistenten", weight="Bolder", size="Medium"), _text(WELCOME)]
    if in_channel:
        body.append(_text(WELCOME_CHANNEL_HINT, isSubtle=True))
    actions = [_submit(question, {"action": ASK, "question": question}) for question in EXAMPLE_QUESTIONS]
    return attachment(body, actions)
