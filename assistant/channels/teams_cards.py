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

from assistant.core.texts import EXAMPLE_QUESTIONS, say
from assistant.models import Answer, Citation

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.4"  # rendered by Teams desktop, web and mobile, Web Chat and the Emulator

FEEDBACK = "feedback"
ESCALATE = "escalate"
ASK = "ask"

SNIPPET_CHARS = 180
URL_SAFE = ":/?#@!$&'*+,;=%~-._"  # everything but parentheses and spaces, which would end a markdown link


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
    language = result.language
    body = [_text(inert(result.answer))]
    if result.citations:
        body.append(_text(say("sources", language), weight="Bolder", spacing="Medium"))
        for number, citation in enumerate(result.citations, 1):
            body.append(_text(source_line(number, citation), spacing="Small"))
            snippet = " ".join(citation.snippet.split())
            if len(snippet) > SNIPPET_CHARS:
                snippet = snippet[: SNIPPET_CHARS - 1].rstrip() + "…"
            body.append(_text(f"«{inert(snippet)}»", isSubtle=True, size="Small", spacing="None"))
    up, down = "👍 " + say("up", language), "👎 " + say("down", language)
    actions = [
        _submit(up, {"action": FEEDBACK, "rating": "up", "message_id": message_id}),
        _submit(down, {"action": FEEDBACK, "rating": "down", "message_id": message_id}),
        _submit(say("escalate", language), {"action": ESCALATE, "message_id": message_id}),
    ]
    return attachment(body, actions)


def staff_answer_card(
    *, region: str, question: str, answer: str, links: list[str], language: str = "nb"
) -> dict:
    """A verified answer from a procurement adviser to a question the buyer asked earlier, with its links
    as buttons. Sent proactively, in reply to the buyer's question."""
    asked = say("you_asked_quoted", language, question=inert(" ".join(question.split())))
    body = [
        _text(say("staff_answer_title", language, region=region), weight="Bolder", size="Medium"),
        _text(asked, isSubtle=True, spacing="Small"),
        _text(inert(answer)),
    ]
    actions = [
        {"type": "Action.OpenUrl", "title": link if len(link) <= 60 else link[:59] + "…", "url": link}
        for link in links
        if _HTTP_URL.match(link)
    ]
    return attachment(body, actions)


def welcome_card(*, in_channel: bool = False, language: str = "nb") -> dict:
    """What the bot says when it is added: what it does, and example questions one click away."""
    body = [_text(say("app_name", language), weight="Bolder", size="Medium"), _text(say("welcome", language))]
    if in_channel:
        body.append(_text(say("welcome_channel_hint", language), isSubtle=True))
    examples = EXAMPLE_QUESTIONS["en" if language == "en" else "nb"]
    actions = [_submit(question, {"action": ASK, "question": question}) for question in examples]
    return attachment(body, actions)
