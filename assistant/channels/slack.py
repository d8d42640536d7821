"""The Slack channel: a Bolt `AsyncApp` thin over the answer core.

Buyers @mention the app (answer in a thread), write to it directly (answer in the DM), use `/innkjop`
(private answer) or Slack's AI-assistant surface. Every reply carries its sources and buttons for
feedback and «Spør en veileder», which posts the question to the region's staff channel.

Two run modes share one Bolt app: HTTP (`mount` adds `/slack/events` to the FastAPI app; Bolt acks at
once and answers after the ack) and Socket Mode (`run_socket_mode`, the `assistant slack` command).
This module builds and runs the app; the listeners are in `slack_listeners`, Block Kit in `slack_blocks`.
slack-bolt is imported lazily: without the `slack` extra, only using Slack fails, with a clear message.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from fastapi import Request

from assistant.channels import slack_blocks as ui
from assistant.channels.slack_listeners import SlackHandlers
from assistant.config import Settings
from assistant.core.answer import Deps
from assistant.errors import ChannelAuthError, ConfigError, InputError

if TYPE_CHECKING:
    from fastapi import FastAPI
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.signature import SignatureVerifier

    from assistant.services import Services

log = logging.getLogger(__name__)

COMMAND = "/innkjop"
EVENTS_PATH = "/slack/events"
INSTALL_HINT = 'Slack support is not installed: pip install "innkjopsassistent[slack]"'


def _require_bolt() -> None:
    try:
        import slack_bolt  # noqa: F401
        import slack_sdk  # noqa: F401
    except ImportError as exc:
        raise ConfigError(INSTALL_HINT, code="missing_extra") from exc


def build_bolt_app(
    settings: Settings, services: Callable[[], Services], *, socket_mode: bool = False
) -> AsyncApp:
    """The Bolt app with every listener registered; `services` gives the running core and database."""
    _require_bolt()
    from slack_bolt.async_app import AsyncApp, AsyncAssistant

    if not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN is not set.", code="slack_not_configured")
    if not socket_mode and not settings.slack_signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET is not set.", code="slack_not_configured")
    app = AsyncApp(
        name="innkjopsassistent",
        token=settings.slack_bot_token,  # not `client=`: Bolt reads SLACK_BOT_TOKEN too and warns at both
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=not socket_mode,
        process_before_response=False,  # ack first, answer after: Slack wants a response within 3 s
    )
    if settings.slack_api_url:  # a test or proxy Web API in place of Slack's own
        app.client.base_url = settings.slack_api_url
    handlers = SlackHandlers(settings, services)
    app.middleware(handlers.skip_retried_events)
    assistant = AsyncAssistant()
    assistant.thread_started(handlers.assistant_thread_started)
    assistant.user_message(handlers.assistant_user_message)
    app.assistant(assistant)
    app.event("app_mention")(handlers.on_mention)
    app.event("message")(handlers.on_message)
    app.command(COMMAND)(handlers.on_command)
    app.action(ui.FEEDBACK_UP)(handlers.on_feedback)
    app.action(ui.FEEDBACK_DOWN)(handlers.on_feedback)
    app.action(ui.ESCALATE)(handlers.on_escalate)
    return app


def mount(app: FastAPI, settings: Settings) -> None:
    """Add `POST /slack/events` (events, commands, interactivity) to the FastAPI app."""
    _require_bolt()
    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
    from slack_sdk.signature import SignatureVerifier

    handler = AsyncSlackRequestHandler(build_bolt_app(settings, lambda: app.state.services))
    verifier = SignatureVerifier(settings.slack_signing_secret)

    @app.post(EVENTS_PATH, include_in_schema=False)
    async def slack_events(request: Request):
        check_request(verifier, request.headers, await request.body())
        return await handler.handle(request)


def check_request(verifier: SignatureVerifier, headers: Mapping[str, str], body: bytes) -> None:
    """Raise `ChannelAuthError` (401) unless Slack signed this body, then `InputError` (400) unless it is
    a Slack payload (a JSON object, or a form whose `payload` is one). The signature comes first, so an
    unsigned request is never parsed; one warning per rejected request, no traceback (the app's handler
    writes none for these errors)."""
    try:
        signed = verifier.is_valid_request(body, headers)
    except (ValueError, UnicodeDecodeError):  # a timestamp that is not a number, a body that is not UTF-8
        signed = False
    if not signed:
        log.warning("slack request rejected: missing or invalid signature")
        raise ChannelAuthError("The request is not signed by Slack.", code="invalid_signature")
    if not _is_slack_payload(body.decode("utf-8"), headers.get("content-type", "")):
        log.warning("slack request rejected: signed, but not a Slack payload")
        raise InputError("The body is not a Slack payload.", code="invalid_payload")


def _is_slack_payload(text: str, content_type: str) -> bool:
    """What Bolt's parser will accept: JSON object bodies, or form bodies (slash commands, and
    interactivity's `payload=<JSON object>`)."""
    try:
        if content_type.split(";")[0].strip() == "application/json" or text.startswith("{"):
            return isinstance(json.loads(text), dict)
        form = dict(parse_qsl(text, keep_blank_values=True))
        return "payload" not in form or isinstance(json.loads(form["payload"]), dict)
    except ValueError:
        return False


def run_socket_mode(settings: Settings, build_deps: Callable[[], Deps]) -> None:
    """Connect to Slack over Socket Mode (no public URL needed) and answer until interrupted.
    Settings are checked before `build_deps` loads the model, so a missing token fails fast."""
    if not settings.slack_app_token:
        raise ConfigError("SLACK_APP_TOKEN (xapp-…) is needed for Socket Mode.", code="slack_not_configured")
    if not settings.slack_bot_token:
        raise ConfigError("SLACK_BOT_TOKEN (xoxb-…) is not set.", code="slack_not_configured")
    _require_bolt()
    from assistant.platform.db import Database
    from assistant.services import Services

    db = Database(settings.sqlalchemy_url)
    db.create_all()
    try:
        asyncio.run(serve_socket_mode(settings, Services(settings, build_deps(), db)))
    finally:
        db.engine.dispose()


async def serve_socket_mode(
    settings: Settings, services: Services, stop: asyncio.Event | None = None
) -> None:
    """Hold a Socket Mode connection open until `stop` is set (forever without one)."""
    _require_bolt()
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    bolt_app = build_bolt_app(settings, lambda: services, socket_mode=True)
    handler = AsyncSocketModeHandler(bolt_app, settings.slack_app_token)
    await handler.connect_async()
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await handler.close_async()
