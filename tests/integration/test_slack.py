"""The Slack app end to end: signed HTTP requests into the real Bolt app through the FastAPI mount, the
real answer core over the real store, and a fake Slack Web API on 127.0.0.1 that records what the app
sends. Answers are posted after the ack, so the tests poll the fake for the calls they expect.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from itertools import count
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from slack_fake import BOT_USER, TEAM, FakeSlack

from assistant.app import create_app
from assistant.db import Database, EscalationRow, FeedbackRow

SECRET = "test-signing-secret"
CHANNEL = "CVEST0001"
OTHER_CHANNEL = "COTHER001"
USER = "UBUYER001"
ANSWERED = "Når lanserte regjeringen handlingsplanen for miljø- og samfunnsansvar i offentlige anskaffelser?"
_ids = count(1)


@pytest.fixture
def fake_slack():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack_settings(app_settings, fake_slack):
    return app_settings.model_copy(
        update={
            "slack_bot_token": "xoxb-test-token",
            "slack_signing_secret": SECRET,
            "slack_api_url": fake_slack.api_url,
            "slack_region_by_channel": {CHANNEL: "vest"},
            "slack_staff_channels": {"vest": "CSTAFFVEST"},
            "slack_default_staff_channel": "CSTAFFALL",
        }
    )


@pytest.fixture
def slack(slack_settings, deps):
    with TestClient(create_app(slack_settings, deps=deps)) as client:
        yield client


@pytest.fixture
def db(slack_settings):
    database = Database(slack_settings.sqlalchemy_url)
    yield database
    database.engine.dispose()


# ---- signed requests ---------------------------------------------------------------------------------


def signed_headers(body: str, *, timestamp: int | None = None, secret: str = SECRET, **extra) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:{body}".encode()
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature, **extra}


def post_event(client: TestClient, event: dict, *, event_id: str | None = None, headers: dict | None = None):
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0000001",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
    )
    all_headers = {"Content-Type": "application/json", **signed_headers(body), **(headers or {})}
    return client.post("/slack/events", content=body, headers=all_headers)


def post_form(client: TestClient, form: dict):
    body = urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body)}
    return client.post("/slack/events", content=body, headers=headers)


def mention(text: str, *, ts: str | None = None, thread_ts: str | None = None, channel: str = CHANNEL) -> dict:
    event = {
        "type": "app_mention",
        "user": USER,
        "text": text,
        "ts": ts or f"1700000000.{next(_ids):06d}",
        "channel": channel,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def click(fake: FakeSlack, action_id: str, message_id: str, *, reply: dict, channel: str = CHANNEL, user=USER):
    """A block_actions payload for a button on the reply the app posted."""
    name = f"click{next(_ids)}"
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "api_app_id": "A0000001",
        "team": {"id": TEAM},
        "container": {
            "type": "message",
            "message_ts": reply["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
            "thread_ts": reply.get("thread_ts"),
        },
        "channel": {"id": channel},
        "message": {"ts": reply["ts"], "thread_ts": reply.get("thread_ts"), "type": "message"},
        "trigger_id": "1.2.3",
        "response_url": fake.response_url(name),
        "actions": [
            {"action_id": action_id, "block_id": "innkjop_actions", "value": message_id, "type": "button"}
        ],
    }
    return name, payload


def actions_of(blocks: list[dict]) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def mrkdwn_texts(blocks: list[dict]) -> list[str]:
    texts = []
    for block in blocks:
        for part in [block.get("text"), *block.get("elements", []), *block.get("fields", [])]:
            if isinstance(part, dict) and part.get("type") == "mrkdwn":
                texts.append(part["text"])
    return texts


def wait_response(fake: FakeSlack, name: str) -> dict:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for call in fake.calls_to("response_url"):
            if call["name"] == name:
                return call
        time.sleep(0.02)
    raise AssertionError(f"no response_url call {name}: {fake.methods()}")


def answered_reply(slack: TestClient, fake: FakeSlack, question: str = ANSWERED) -> tuple[dict, dict]:
    event = mention(f"<@{BOT_USER}> {question}")
    assert post_event(slack, event).status_code == 200
    reply = fake.wait_for("chat.postMessage")[-1]
    return event, reply


# ---- tests -------------------------------------------------------------------------------------------


def test_mention_is_acked_and_answered_in_a_thread_with_linked_sources_and_buttons(slack, fake_slack, db):
    event = mention(f"<@{BOT_USER}> {ANSWERED}")
    started = time.monotonic()
    response = post_event(slack, event)
    assert response.status_code == 200
    assert time.monotonic() - started < 3.0  # Slack's ack deadline; the answer comes after

    reply = fake_slack.wait_for("chat.postMessage")[0]
    assert reply["channel"] == CHANNEL
    assert reply["thread_ts"] == event["ts"]
    assert reply["authorization"] == "Bearer xoxb-test-token"
    section, sources, actions = reply["blocks"]
    assert section["type"] == "section" and "2007" in section["text"]["text"]
    links = [e["text"] for e in sources["elements"]]
    assert links and all(re.fullmatch(r"<https?://[^|<>\s]+\|\[\d+\] [^<>]+>", link) for link in links)
    assert links[0].split("|")[1].startswith("[1] ")
    buttons = actions_of(reply["blocks"])
    assert set(buttons) == {"innkjop_feedback_up", "innkjop_feedback_down", "innkjop_escalate"}
    message_id = buttons["innkjop_escalate"]
    assert len(set(buttons.values())) == 1 and db.message_exists(message_id)
    stored = db.history(f"slack:{CHANNEL}:{event['ts']}")
    assert [m.id for m in stored] == [message_id] and stored[0].question == ANSWERED
