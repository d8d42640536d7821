"""The Slack listeners: parse a Bolt payload, call the answer core, store, and post the rendered reply.

Registered on the Bolt app by `assistant.channels.slack`; rendering lives in `slack_blocks`. Everything
that talks to Slack goes through Bolt's client / `respond`; nothing here decides what the answer says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.channels import slack_blocks as ui
from assistant.channels.turn import answer_and_log
from assistant.config import Settings
from assistant.core import texts
from assistant.core.texts import language_of, say
from assistant.errors import AssistantError, InputError
from assistant.platform.blocking import run_blocking
from assistant.platform.metrics import observe_feedback

if TYPE_CHECKING:
    from slack_sdk.web.async_client import AsyncWebClient

    from assistant.services import Services

log = logging.getLogger(__name__)


def conversation_id(channel: str, thread: str) -> str:
    """`slack:<channel>:<thread_ts>`: one conversation per thread (or per DM / per user's commands)."""
    return f"slack:{channel}:{thread}"


class SlackHandlers:
    """The Bolt listeners. `services` is called per request: in HTTP mode the services only exist once
    the FastAPI lifespan has run."""

    def __init__(self, settings: Settings, services: Callable[[], Services]) -> None:
        self.settings = settings
        self.services = services

    # ---- the one path to the core --------------------------------------------------------------------

    async def reply_to(
        self,
        text: str | None,
        *,
        channel: str,
        thread: str,
        user: str | None = None,
        show_question: bool = False,
    ) -> tuple[str, list[dict]]:
        """(fallback text, blocks) answering a Slack message; stores the question and answer, and the
        asker's Slack user id as a keyed hash. `show_question` repeats the question above the answer where
        the user's message is not visible."""
        question = ui.question_from_slack(text)
        language = language_of(question)
        if not question:
            return say("help_short"), ui.help_blocks()
        services = self.services()
        conversation_key = conversation_id(channel, thread)
        try:
            result, _, message_id = await answer_and_log(
                services,
                question,
                conversation_key,
                channel="slack",
                region=self.settings.slack_region_by_channel.get(channel),
                user=user,
            )
        except InputError as exc:
            if exc.code == "question_too_long":
                limit = self.settings.max_question_chars
                message = say("too_long", language, length=len(question), limit=limit)
                return message, ui.text_blocks(message)
            if exc.code == "invalid_text":
                return say("not_text", language), ui.text_blocks(say("not_text", language))
            return say("help_short", language), ui.help_blocks(language)
        log.info("slack answer", extra={"message_id": message_id, "refused": result.refused})
        shown = question if show_question else None
        return ui.answer_text(result), ui.answer_blocks(result, message_id, question=shown)

    async def safe_reply(self, text: str | None, **where) -> tuple[str, list[dict]]:
        """`reply_to`, with any failure turned into a short apology (never a traceback in Slack)."""
        try:
            return await self.reply_to(text, **where)
        except AssistantError as exc:
            log.warning("slack answer failed: %s", exc.message)
        except Exception:
            log.exception("slack answer failed")
        return say("error", language_of(ui.question_from_slack(text))), []

    async def post_reply(
        self,
        client: AsyncWebClient,
        text: str | None,
        *,
        channel: str,
        thread: str,
        thread_ts: str | None,
        user: str | None,
    ) -> None:
        """Answer and post into `channel`, in `thread_ts` when given."""
        fallback, blocks = await self.safe_reply(text, channel=channel, thread=thread, user=user)
        await client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=fallback,
            blocks=blocks or None,
            unfurl_links=False,
            unfurl_media=False,
        )

    # ---- events --------------------------------------------------------------------------------------

    async def skip_retried_events(self, body: dict, next_: Callable, logger: logging.Logger) -> Any:
        """Global middleware: an event id is handled once, even when Slack retries (persisted)."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            db = self.services().db
            if not await run_blocking(db.first_time, f"slack:event:{event_id}"):
                from slack_bolt import BoltResponse

                logger.info("skipping already handled Slack event %s", event_id)
                return BoltResponse(status=200, body="")
        return await next_()

    async def on_mention(self, event: dict, client: AsyncWebClient) -> None:
        """@mention in a channel: answer in the thread under the question (or the thread it is in)."""
        thread_ts = event.get("thread_ts") or event["ts"]
        channel = event["channel"]
        await self.post_reply(
            client,
            event.get("text"),
            channel=channel,
            thread=thread_ts,
            thread_ts=thread_ts,
            user=event.get("user"),
        )

    async def on_message(self, event: dict, client: AsyncWebClient) -> None:
        """A top-level direct message: answer in the DM. Thread replies in DMs go to the assistant."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        await self.post_reply(
            client,
            event.get("text"),
            channel=event["channel"],
            thread="im",
            thread_ts=None,
            user=event.get("user"),
        )

    async def assistant_thread_started(self, say: Callable, set_suggested_prompts: Callable) -> None:
        await say(texts.say("greeting"))
        await set_suggested_prompts(prompts=ui.suggested_prompts(), title=texts.say("examples_title"))

    async def assistant_user_message(
        self, payload: dict, set_status: Callable, client: AsyncWebClient
    ) -> None:
        """A message in an assistant (or DM) thread: show the status, then answer in the thread."""
        from slack_sdk.errors import SlackApiError

        try:
            await set_status(say("searching", language_of(payload.get("text"))))
        except SlackApiError as exc:  # plain DM threads have no assistant status
            log.debug("assistant status not set: %s", exc.response.get("error"))
        thread_ts = payload["thread_ts"]
        await self.post_reply(
            client,
            payload.get("text"),
            channel=payload["channel"],
            thread=thread_ts,
            thread_ts=thread_ts,
            user=payload.get("user"),
        )

    # ---- slash command -------------------------------------------------------------------------------

    async def on_command(self, ack: Callable, command: dict, respond: Callable) -> None:
        """`/innkjop <question>`: a private answer; a user's commands in one channel are one conversation."""
        await ack()
        thread = f"cmd-{command.get('user_id', 'unknown')}"
        fallback, blocks = await self.safe_reply(
            command.get("text"),
            channel=command["channel_id"],
            thread=thread,
            user=command.get("user_id"),
            show_question=True,
        )
        await respond(text=fallback, blocks=blocks or None, response_type="ephemeral")

    # ---- buttons -------------------------------------------------------------------------------------

    async def on_feedback(self, ack: Callable, body: dict, action: dict, respond: Callable) -> None:
        """Store a 👍 / 👎; pressing the other one later changes the user's rating (the latest counts)."""
        await ack()
        rating = "up" if action["action_id"] == ui.FEEDBACK_UP else "down"
        message_id, user = action.get("value", ""), body["user"]["id"]
        db = self.services().db
        message = await run_blocking(db.message, message_id)
        if message is None:
            await _ephemeral(respond, say("unknown_answer"))
            return
        language = language_of(message.question)
        _, change = await run_blocking(db.set_feedback, message_id, rating, None, channel="slack", rater=user)
        if change == "same":
            await _ephemeral(respond, say("feedback_same", language))
            return
        observe_feedback("slack", rating)
        thanks = say("feedback_thanks" if change == "new" else "feedback_changed", language)
        if rating == "down":
            thanks += say("feedback_down_hint", language)
        await _ephemeral(respond, thanks)

    async def on_escalate(
        self, ack: Callable, body: dict, action: dict, respond: Callable, client: AsyncWebClient
    ) -> None:
        """Store the hand-off and post question, answer and a thread link into the region's staff channel."""
        await ack()
        message_id, user = action.get("value", ""), body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        db = self.services().db
        message = await run_blocking(db.message, message_id)
        if message is None:
            await _ephemeral(respond, say("unknown_answer"))
            return
        language = language_of(message.question)
        if not await run_blocking(db.first_time, f"slack:escalation:{message_id}:{user}"):
            await _ephemeral(respond, say("escalation_repeated", language))
            return
        region = self.settings.slack_region_by_channel.get(channel or "")
        staff_channel = self.settings.slack_staff_channels.get(region or "") or (
            self.settings.slack_default_staff_channel
        )
        permalink = await _permalink(client, body)
        await run_blocking(
            db.add_escalation,
            message_id,
            region=region,
            contact=f"slack:{user}",
            note=permalink,
            channel="slack",
        )
        if staff_channel and await _post_escalation(
            client, staff_channel, message, user, channel, region, permalink
        ):
            await _ephemeral(respond, say("escalated", language))
        else:
            await _ephemeral(respond, say("escalation_not_notified", language))


async def _ephemeral(respond: Callable, text: str) -> None:
    await respond(text=text, response_type="ephemeral", replace_original=False)


async def _permalink(client: AsyncWebClient, body: dict) -> str | None:
    """A link to the answered message in its thread; None for ephemeral (slash command) answers."""
    from slack_sdk.errors import SlackApiError

    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if container.get("is_ephemeral") or not channel or not message_ts:
        return None
    try:
        response = await client.chat_getPermalink(channel=channel, message_ts=message_ts)
        return response["permalink"]
    except SlackApiError as exc:
        log.warning("no permalink from Slack (%s); constructing one", exc.response.get("error"))
    thread_ts = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
    link = f"https://slack.com/archives/{channel}/p{message_ts.replace('.', '')}"
    return f"{link}?thread_ts={thread_ts}&cid={channel}" if thread_ts else link


async def _post_escalation(client, staff_channel, message, user, channel, region, permalink) -> bool:
    from slack_sdk.errors import SlackApiError

    blocks = ui.escalation_blocks(
        question=message.question,
        answer=message.answer,
        refused=message.refused,
        user_id=user,
        channel_id=channel,
        region=region,
        permalink=permalink,
    )
    try:
        await client.chat_postMessage(
            channel=staff_channel,
            text=ui.escalation_text(message.question),
            blocks=blocks,
            unfurl_links=False,
        )
        return True
    except SlackApiError as exc:
        log.warning("hand-off not posted to %s: %s", staff_channel, exc.response.get("error"))
        return False
