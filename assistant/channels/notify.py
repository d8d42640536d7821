"""Tell a buyer in their own channel that staff answered their question.

A Slack thread gets a reply through the Web API; a Teams conversation gets an Adaptive Card in reply to the
question, sent through the Bot Connector with the conversation reference logged with the question and the
running bot's cached token (`TeamsBot.tell`). The widget needs nothing: it shows the answer when the buyer
comes back. The app hands `tell_buyer` to the staff routes (`app.state.tell_buyer`), so the staff side never
imports a channel.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.core.texts import language_of, say
from assistant.staff.verified import StaffReply

if TYPE_CHECKING:
    from assistant.channels.teams import TeamsBot
    from assistant.staff.log import LogEntry

log = logging.getLogger(__name__)


def notice_text(question: str, reply: StaffReply) -> str:
    """The message to the buyer, in the language they asked in."""
    links = "".join(f"\n• {link}" for link in reply.links)
    return say(
        "staff_answer_message",
        language_of(question),
        region=reply.region,
        question=question,
        answer=reply.answer,
        links=links,
    )


async def tell_buyer(
    settings: Settings, entry: LogEntry, reply: StaffReply, *, teams: TeamsBot | None = None
) -> str | None:
    """Tell the buyer in their channel; returns the channel told, or None (the widget shows it on return).
    `teams` is the app's Teams bot, when Teams is configured."""
    if entry.channel == "teams":
        return await _notify_teams(teams, entry, reply)
    conversation_id, question = entry.conversation_id, entry.question
    if conversation_id.startswith("slack:") and settings.slack_bot_token:
        _, channel, thread = conversation_id.split(":", 2)
        if thread.startswith("cmd-"):  # slash-command answers were private: reply in a DM instead
            channel, thread_ts = thread.removeprefix("cmd-"), None
        else:
            thread_ts = None if thread == "im" else thread
        try:
            from slack_sdk.web.async_client import AsyncWebClient

            client = AsyncWebClient(
                token=settings.slack_bot_token, base_url=settings.slack_api_url or AsyncWebClient.BASE_URL
            )
            await client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=notice_text(question, reply), unfurl_links=False
            )
            return "slack"
        except Exception as exc:  # ImportError without the extra, SlackApiError, network errors
            log.warning("staff answer not posted to Slack: %s", exc)
    return None


async def _notify_teams(teams: TeamsBot | None, entry: LogEntry, reply: StaffReply) -> str | None:
    reference = entry.channel_reference
    if teams is None or not reference:  # Teams is off here, or the question was logged before references
        log.info("staff answer to Teams question %s not sent: no bot or no reference", entry.message_id)
        return None
    from assistant.channels.teams_cards import staff_answer_card

    card = staff_answer_card(
        region=reply.region,
        question=entry.question,
        answer=reply.answer,
        links=reply.links,
        language=language_of(entry.question),
    )
    try:
        if await teams.tell(reference, attachments=[card]):
            return "teams"
    except Exception as exc:  # token refused, Connector unreachable: staff still saved the answer
        log.warning("staff answer not sent to Teams: %s", exc)
    return None
