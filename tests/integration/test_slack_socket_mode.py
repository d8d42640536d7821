"""Socket Mode end to end: the real Bolt Socket Mode handler opens its connection through the fake Web API
(`apps.connections.open`), a local WebSocket server plays Slack and sends event envelopes, and the app
acks them and answers through the fake Web API. A retried envelope is not answered twice.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from aiohttp import WSMsgType, web
from slack_fake import BOT_USER, TEAM, FakeSlack

from assistant.channels.slack import run_socket_mode, serve_socket_mode
from assistant.errors import ConfigError
from assistant.platform.db import Database
from assistant.services import Services


class FakeSocketModeServer:
    """A WebSocket endpoint on 127.0.0.1 that says hello, sends the queued envelopes and records acks."""

    def __init__(self, envelopes: list[dict]) -> None:
        self.envelopes = envelopes
        self.acks: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = 0

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0000001"}})
        for envelope in self.envelopes:
            await ws.send_json(envelope)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.acks.append(json.loads(message.data).get("envelope_id"))
        return ws

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._socket)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    def start(self) -> str:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return f"ws://127.0.0.1:{self.port}/link"

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def envelope(envelope_id: str, event_id: str, text: str, *, retry: int = 0) -> dict:
    return {
        "envelope_id": envelope_id,
        "type": "events_api",
        "accept_response_payload": False,
        "retry_attempt": retry,
        "retry_reason": "timeout" if retry else "",
        "payload": {
            "team_id": TEAM,
            "api_app_id": "A0000001",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {
                "type": "app_mention",
                "user": "UBUYER001",
                "text": f"<@{BOT_USER}> {text}",
                "ts": "1700000200.000001",
                "channel": "CVEST0001",
            },
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        },
    }


@pytest.mark.slow  # the real embedding model answers
def test_socket_mode_acks_envelopes_and_answers_a_retried_event_once(app_settings, deps):
    question = (
        "Når lanserte regjeringen handlingsplanen for miljø- og samfunnsansvar i offentlige anskaffelser?"
    )
    fake = FakeSlack().start()
    server = FakeSocketModeServer(
        [envelope("env-1", "EvSOCKET1", question), envelope("env-2", "EvSOCKET1", question, retry=1)]
    )
    fake.socket_url = server.start()
    settings = app_settings.model_copy(
        update={"slack_bot_token": "xoxb-test", "slack_app_token": "xapp-test", "slack_api_url": fake.api_url}
    )
    db = Database(settings.sqlalchemy_url)
    db.create_all()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    runner = threading.Thread(
        target=loop.run_until_complete,
        args=(serve_socket_mode(settings, Services(settings, deps, db), stop),),
    )
    runner.start()
    try:
        reply = fake.wait_for("chat.postMessage")[0]
        assert reply["thread_ts"] == "1700000200.000001" and reply["channel"] == "CVEST0001"
        assert "2007" in reply["blocks"][0]["text"]["text"]
        opened = fake.calls_to("apps.connections.open")[0]
        assert opened["authorization"] == "Bearer xapp-test"
        deadline = time.monotonic() + 10
        while len(server.acks) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sorted(server.acks) == ["env-1", "env-2"]
        time.sleep(0.5)
        assert len(fake.calls_to("chat.postMessage")) == 1
    finally:
        loop.call_soon_threadsafe(stop.set)
        runner.join(10)
        server.stop()
        fake.stop()
        db.engine.dispose()
    assert not runner.is_alive()


def test_socket_mode_without_an_app_token_fails_before_loading_anything(app_settings):
    def must_not_build():
        raise AssertionError("deps were built although the settings were incomplete")

    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        run_socket_mode(app_settings.model_copy(update={"slack_bot_token": "xoxb-x"}), must_not_build)


def test_cli_slack_command_reports_missing_token_and_exits_2(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("SLACK_APP_TOKEN", "ASSISTANT_SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--data-dir", str(tmp_path), "slack"]) == 2
    assert "SLACK_APP_TOKEN" in capsys.readouterr().err


def test_without_the_slack_extra_the_error_names_it(app_settings, monkeypatch):
    import sys

    from assistant.channels.slack import build_bolt_app

    monkeypatch.setitem(sys.modules, "slack_bolt", None)  # as if slack-bolt were not installed
    settings = app_settings.model_copy(update={"slack_bot_token": "xoxb-x", "slack_signing_secret": "s"})
    with pytest.raises(ConfigError, match=r'pip install "innkjopsassistent\[slack\]"'):
        build_bolt_app(settings, lambda: None)
