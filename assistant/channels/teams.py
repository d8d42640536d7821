"""The Teams channel: a Bot Framework bot on the answer core, at `POST /api/messages`.

A thin own adapter over the activity protocol (httpx + PyJWT) rather than the Bot Framework SDK: the
route verifies the Bot Connector's JWT (`teams_auth`), answers 202 at once and handles the activity as a
background task, because the Connector expects a response within seconds and an answer may take longer.
Replies go back to the activity's `serviceUrl`: a `typing` activity, then the answer as an Adaptive Card
in reply to the question (`teams_cards`). Card submits are stored as feedback / escalations; the bot
being added to a conversation gets a welcome card. Conversation memory is per Teams conversation id.
Each logged question keeps its conversation reference (`conversation_reference`), so a staff answer can be
sent later as a proactive card in reply to it (`TeamsBot.tell`, with the same cached bot token).

Nothing here decides what an answer says; parsing and rendering only.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx
from fastapi import BackgroundTasks, Request, Response

from assistant.channels import teams_cards as cards
from assistant.channels.teams_auth import HTTP_TIMEOUT, BotToken, InboundVerifier
from assistant.channels.turn import answer_and_log
from assistant.config import Settings
from assistant.core.texts import language_of, say
from assistant.errors import ChannelAuthError, ConfigError, InputError
from assistant.platform.blocking import run_blocking
from assistant.platform.metrics import observe_feedback

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.services import Services

log = logging.getLogger(__name__)

MESSAGES_PATH = "/api/messages"
CHANNEL = "teams"
_KEY_LIMIT = 64  # conversations.id is VARCHAR(64)


def mount(app: FastAPI, settings: Settings) -> None:
    """Add `POST /api/messages`. With `teams_auth_disabled` (Emulator only) tokens are not checked."""
    bot = TeamsBot(settings, lambda: app.state.services)
    app.state.teams_bot = bot  # staff answers reach Teams buyers through it (`assistant.channels.notify`)
    if settings.teams_auth_disabled:
        log.warning(
            "Teams JWT verification is OFF (ASSISTANT_TEAMS_AUTH_DISABLED): anyone can post activities to "
            "%s and make the bot call any serviceUrl. Use this with the Bot Framework Emulator only.",
            MESSAGES_PATH,
        )

    @app.post(MESSAGES_PATH, status_code=202, include_in_schema=False)
    async def messages(request: Request, background: BackgroundTasks) -> Response:
        activity = await bot.accept(request.headers.get("Authorization"), await request.body())
        background.add_task(bot.handle, activity)
        return Response(status_code=202)


def conversation_key(activity: dict) -> str:
    """`teams:<conversation.id>`; Teams ids can be long, so long ones become a stable digest."""
    raw = str((activity.get("conversation") or {}).get("id") or "")
    key = f"{CHANNEL}:{raw}"
    if len(key) <= _KEY_LIMIT:
        return key
    return f"{CHANNEL}:{hashlib.sha256(raw.encode()).hexdigest()[:48]}"


def conversation_reference(activity: dict) -> dict:
    """What a later, proactive message into this conversation needs, threaded under this activity. No user
    id: the Connector only needs the conversation, and the bot's own account as the sender."""
    bot = activity.get("recipient") or {}
    return {
        "service_url": str(activity["serviceUrl"]),
        "conversation_id": str(activity["conversation"]["id"]),
        "activity_id": activity.get("id"),
        "bot": {"id": bot.get("id"), "name": bot.get("name")},
    }


def user_id(activity: dict) -> str | None:
    """Who sent the activity: the AAD object id (stable across chats and bots), else the channel's user id."""
    sender = activity.get("from") or {}
    return str(sender.get("aadObjectId") or sender.get("id") or "") or None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


class Connector:
    """Sends activities into the conversation an inbound activity came from, through its serviceUrl."""

    def __init__(self, http: httpx.AsyncClient, token: BotToken, activity: dict) -> None:
        self.http = http
        self.token = token
        self.inbound = activity
        conversation_id = quote(str(activity["conversation"]["id"]), safe="")
        self.base = f"{str(activity['serviceUrl']).rstrip('/')}/v3/conversations/{conversation_id}/activities"

    @classmethod
    def for_reference(cls, http: httpx.AsyncClient, token: BotToken, reference: dict) -> Connector:
        """A connector into a logged question's conversation, replying to that question (proactively)."""
        activity = {
            "serviceUrl": reference["service_url"],
            "conversation": {"id": reference["conversation_id"]},
            "id": reference.get("activity_id"),
            "recipient": reference.get("bot"),
        }
        return cls(http, token, activity)

    def _outgoing(self, kind: str, **fields) -> dict:
        inbound = self.inbound
        outgoing = {
            "type": kind,
            "from": inbound.get("recipient"),
            "recipient": inbound.get("from"),
            "conversation": inbound.get("conversation"),
            **fields,
        }
        if inbound.get("locale"):
            outgoing["locale"] = inbound["locale"]
        return {key: value for key, value in outgoing.items() if value is not None}

    async def reply(self, kind: str = "message", **fields) -> bool:
        """In reply to the inbound activity (threaded under it in Teams channels); False if refused."""
        activity_id = self.inbound.get("id")
        if not activity_id:
            return await self.send(kind, **fields)
        url = f"{self.base}/{quote(str(activity_id), safe='')}"
        return await self._post(url, self._outgoing(kind, replyToId=activity_id, **fields))

    async def send(self, kind: str = "message", **fields) -> bool:
        """A new activity in the conversation (not a reply); False if refused."""
        return await self._post(self.base, self._outgoing(kind, **fields))

    async def _post(self, url: str, payload: dict) -> bool:
        headers = await self.token.headers(self.http)
        response = await self.http.post(url, json=payload, headers=headers)
        if response.status_code >= 300:
            log.warning("Bot Connector refused a %s activity: HTTP %s", payload["type"], response.status_code)
            return False
        return True


class TeamsBot:
    """Accepts activities and handles them. `services` is called per activity: they only exist once the
    FastAPI lifespan has run."""

    def __init__(self, settings: Settings, services: Callable[[], Services]) -> None:
        self.settings = settings
        self.services = services
        self.verifier = None if settings.teams_auth_disabled else InboundVerifier(settings)
        if self.verifier is not None and not settings.microsoft_app_password:
            raise ConfigError("MICROSOFT_APP_PASSWORD is not set.", code="teams_not_configured")
        self.token = BotToken(settings)

    async def accept(self, authorization: str | None, body: bytes) -> dict:
        """The verified activity, or `ChannelAuthError` (401) / `InputError` (400)."""
        if self.verifier is not None and not authorization:
            raise ChannelAuthError("A Bot Framework bearer token is required.", code="missing_token")
        try:
            activity = json.loads(body)
        except ValueError as exc:
            raise InputError("The body is not JSON.", code="invalid_activity") from exc
        if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
            raise InputError("The body is not a Bot Framework activity.", code="invalid_activity")
        if self.verifier is not None:
            await self.verifier.verify(authorization, activity)
        return activity

    async def handle(self, activity: dict) -> None:
        """Runs after the 202: never raises, logs what went wrong."""
        kind = activity.get("type")
        if kind not in ("message", "conversationUpdate"):
            return
        conversation = activity.get("conversation")
        if not isinstance(conversation, dict) or not conversation.get("id") or not activity.get("serviceUrl"):
            log.warning("teams %s activity without conversation or serviceUrl ignored", kind)
            return
        try:
            db = self.services().db
            activity_key = _digest(str(conversation["id"]), str(activity.get("id")))
            if activity.get("id") and not await run_blocking(db.first_time, f"teams:activity:{activity_key}"):
                log.info("teams activity %s delivered again; skipped", activity.get("id"))
                return
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
                connector = Connector(http, self.token, activity)
                if kind == "message":
                    await self.on_message(activity, connector)
                else:
                    await self.on_conversation_update(activity, connector)
        except Exception:  # after the 202 there is nobody to report to but the log
            log.exception("teams %s activity could not be handled", kind)

    # ---- activities ----------------------------------------------------------------------------------

    async def on_message(self, activity: dict, connector: Connector) -> None:
        if "value" in activity and not (activity.get("text") or "").strip():
            await self.on_submit(activity, connector)
            return
        question = cards.question_from_activity(activity)
        if not question:
            await connector.reply(attachments=[cards.welcome_card(in_channel=_is_group(activity))])
            return
        await self.answer_question(question, activity, connector)

    async def on_conversation_update(self, activity: dict, connector: Connector) -> None:
        bot_id = (activity.get("recipient") or {}).get("id")
        added = [
            member.get("id") for member in activity.get("membersAdded") or [] if isinstance(member, dict)
        ]
        if bot_id and bot_id in added:
            await connector.send(attachments=[cards.welcome_card(in_channel=_is_group(activity))])

    async def answer_question(self, question: str, activity: dict, connector: Connector) -> None:
        await connector.reply("typing")
        services = self.services()
        key = conversation_key(activity)
        try:
            result, _, message_id = await answer_and_log(
                services,
                question,
                key,
                channel=CHANNEL,
                user=user_id(activity),
                channel_reference=conversation_reference(activity),
            )
        except InputError as exc:
            await connector.reply(text=self.input_problem(exc, question))
            return
        except Exception:
            log.exception("teams question could not be answered")
            await connector.reply(text=say("error", language_of(question)))
            return
        await connector.reply(attachments=[cards.answer_card(result, message_id)])

    def input_problem(self, exc: InputError, question: str) -> str:
        """The buyer's words for a question the core would not take, in the question's language."""
        language = language_of(question)
        if exc.code == "question_too_long":
            return say("too_long", language, length=len(question), limit=self.settings.max_question_chars)
        if exc.code == "invalid_text":
            return say("not_text", language)
        return say("help_short", language)

    async def tell(self, reference: dict, **fields) -> bool:
        """A proactive activity into a logged question's conversation, in reply to that question (staff
        answers). Raises on network or token errors; False if the Connector refused it."""
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            return await Connector.for_reference(http, self.token, reference).reply(**fields)

    async def on_submit(self, activity: dict, connector: Connector) -> None:
        submit = cards.parse_submit(activity.get("value"))
        if submit is None:
            log.info("teams submit with unknown data ignored")
            return
        if submit.action == cards.ASK:
            await self.answer_question(submit.question, activity, connector)
            return
        db = self.services().db
        message = await run_blocking(db.message, submit.message_id)
        if message is None:
            await connector.reply(text=say("unknown_answer"))
            return
        language = language_of(message.question)
        sender = activity.get("from") or {}
        user = user_id(activity) or ""
        if submit.action == cards.FEEDBACK:
            await self.on_feedback(submit, user, language, connector)
            return
        if not await run_blocking(db.first_time, f"teams:{submit.action}:{_digest(submit.message_id, user)}"):
            await connector.reply(text=say("escalation_repeated", language))
            return
        name = sender.get("name")
        await run_blocking(
            db.add_escalation,
            submit.message_id,
            region=None,
            contact=f"teams:{user}",
            note=f"Teams-bruker: {name}" if name else None,
            channel=CHANNEL,
        )
        await connector.reply(text=say("escalated", language))

    async def on_feedback(self, submit: cards.Submit, user: str, language: str, connector: Connector) -> None:
        """Store a 👍 / 👎; the other button later changes this user's rating (the latest counts)."""
        db = self.services().db
        rating = submit.rating
        _, change = await run_blocking(
            db.set_feedback, submit.message_id, rating, None, channel=CHANNEL, rater=user
        )
        if change == "same":
            await connector.reply(text=say("feedback_same", language))
            return
        observe_feedback(CHANNEL, rating)
        thanks = say("feedback_thanks" if change == "new" else "feedback_changed", language)
        await connector.reply(text=thanks + (say("feedback_down_hint", language) if rating == "down" else ""))


def _is_group(activity: dict) -> bool:
    conversation = activity.get("conversation") or {}
    return bool(conversation.get("isGroup")) or conversation.get("conversationType") in (
        "channel",
        "groupChat",
    )
