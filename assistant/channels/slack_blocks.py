"""Slack text in and Block Kit out: turns Slack's message markup into a plain question, and an `Answer`
into the blocks of a reply, a help text or a hand-off to staff. Pure functions over plain data; no Slack
client, no database, no answer logic.

Everything we did not write ourselves (the user's question, corpus titles, snippets, answers) goes
through `escape` before it reaches mrkdwn, so `<!channel>`, `<@U…>` or `<https://evil|link>` in a
question or a document is shown as text and never pings anyone or becomes a link.
"""

from __future__ import annotations

import html
import re

from assistant.core.texts import EXAMPLE_QUESTIONS, STAFF_HANDOFF, say
from assistant.models import Answer, Citation

FEEDBACK_UP = "innkjop_feedback_up"
FEEDBACK_DOWN = "innkjop_feedback_down"
ESCALATE = "innkjop_escalate"

SECTION_LIMIT = 2900  # Slack rejects section text over 3000 characters
CONTEXT_ELEMENTS = 10  # Slack's maximum per context block

_SLACK_ID = re.compile(r"^[A-Z0-9]{2,}$")
_USER_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^<>]*)?>")
_CHANNEL_REF = re.compile(r"<#[A-Z0-9]+\|([^<>]*)>")
_SPECIAL = re.compile(r"<![^<>]*>")
_LABELLED_LINK = re.compile(r"<([^<>|]+)\|([^<>]*)>")
_BARE_LINK = re.compile(r"<([^<>]+)>")
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


# ---- Slack markup in ---------------------------------------------------------------------------------


def question_from_slack(text: str | None) -> str:
    """The question a buyer typed, without mentions, Slack's link markup or its HTML entities."""
    text = text or ""
    text = _USER_MENTION.sub(" ", text)
    text = _CHANNEL_REF.sub(r"#\1", text)
    text = _SPECIAL.sub(" ", text)
    text = _LABELLED_LINK.sub(r"\2", text)
    text = _BARE_LINK.sub(r"\1", text)
    return " ".join(html.unescape(text).split())


# ---- mrkdwn out --------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text safe for mrkdwn: Slack's three control characters escaped, broadcast words defused."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub("@\u200b\\1", text)


def _truncate(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in escape(text).splitlines() or [""])


def _link(url: str, label: str) -> str:
    """`<url|label>` for http(s) URLs, the escaped label alone for anything else."""
    if not re.match(r"^https?://\S+$", url or ""):
        return escape(label)
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{escape(label)}>"


def _mention(kind: str, slack_id: str | None) -> str:
    """`<@U…>` / `<#C…>` for real Slack ids only; anything else is shown as text."""
    if slack_id and _SLACK_ID.match(slack_id):
        return f"<{kind}{slack_id}>"
    return escape(slack_id or STAFF_HANDOFF["unknown"])


def source_label(n: int, citation: Citation) -> str:
    title = f"{citation.title} — {citation.section}" if citation.section else citation.title
    return f"[{n}] {title}"


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def _button(label: str, action_id: str, value: str, accessibility: str) -> dict:
    return {
        "type": "button",
        "action_id": action_id,
        "text": _plain(label),
        "value": value,
        "accessibility_label": accessibility,
    }


# ---- replies -----------------------------------------------------------------------------------------


def answer_blocks(result: Answer, message_id: str, *, question: str | None = None) -> list[dict]:
    """The reply: (the question, when the user's own message is not visible), the answer, its numbered
    sources as links, and the feedback / hand-off buttons carrying the stored message id."""
    blocks: list[dict] = []
    language = result.language
    if question:
        asked = say("you_asked", language, question=f"_{escape(_truncate(question, 300))}_")
        blocks.append({"type": "context", "elements": [_mrkdwn(asked)]})
    blocks.append({"type": "section", "text": _mrkdwn(escape(_truncate(result.answer)))})
    sources = [
        _mrkdwn(_link(c.source, source_label(n, c)))
        for n, c in enumerate(result.citations[:CONTEXT_ELEMENTS], 1)
    ]
    if sources:
        blocks.append({"type": "context", "block_id": "innkjop_sources", "elements": sources})
    blocks.append(
        {
            "type": "actions",
            "block_id": "innkjop_actions",
            "elements": [
                _button("👍", FEEDBACK_UP, message_id, say("up_long", language)),
                _button("👎", FEEDBACK_DOWN, message_id, say("down_long", language)),
                _button(say("escalate", language), ESCALATE, message_id, say("escalate_long", language)),
            ],
        }
    )
    return blocks


def answer_text(result: Answer) -> str:
    """Notification / screen-reader fallback for the blocks."""
    return escape(_truncate(result.answer))


def help_blocks(language: str = "nb") -> list[dict]:
    examples = "\n".join(f"• {escape(q)}" for q in EXAMPLE_QUESTIONS["nb"])
    return [{"type": "section", "text": _mrkdwn(say("help_slack", language, examples=examples))}]


def text_blocks(text: str) -> list[dict]:
    """A reply that is only our own text (limits, problems), escaped like any other."""
    return [{"type": "section", "text": _mrkdwn(escape(text))}]


def suggested_prompts() -> list[dict[str, str]]:
    return [{"title": q, "message": q} for q in EXAMPLE_QUESTIONS["nb"]]


# ---- hand-off to staff -------------------------------------------------------------------------------


def escalation_blocks(
    *,
    question: str,
    answer: str,
    refused: bool,
    user_id: str | None,
    channel_id: str | None,
    region: str | None,
    permalink: str | None,
) -> list[dict]:
    """The message a regional staff channel gets when a buyer presses «Spør en veileder»."""
    words = STAFF_HANDOFF
    where = _link(permalink, words["open_thread"]) if permalink else words["private"]
    answered = words["refused"] if refused else words["answer"]
    return [
        {"type": "header", "text": _plain(words["title"])},
        {
            "type": "section",
            "fields": [
                _mrkdwn(f"*{words['from']}:* {_mention('@', user_id)}"),
                _mrkdwn(f"*{words['channel']}:* {_mention('#', channel_id)}"),
                _mrkdwn(f"*{words['region']}:* {escape(region or words['no_region'])}"),
            ],
        },
        {"type": "section", "text": _mrkdwn(f"*{words['question']}:*\n{_quote(_truncate(question, 1500))}")},
        {"type": "section", "text": _mrkdwn(f"*{answered}*\n{_quote(_truncate(answer, 2000))}")},
        {"type": "context", "elements": [_mrkdwn(where)]},
    ]


def escalation_text(question: str) -> str:
    return f"{STAFF_HANDOFF['title']}: {escape(_truncate(question, 200))}"
