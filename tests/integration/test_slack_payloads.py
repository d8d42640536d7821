"""Slack: which signed bodies reach the real Bolt app and which are refused as "not a Slack payload" (400)
before Bolt parses them, through the real FastAPI mount with real signatures and a fake Slack Web API on
127.0.0.1, over a small real store (no answer is asked for). Written against mutmut survivors of
`_is_slack_payload` that the slow end-to-end Slack tests did not reach (docs/testing.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from slack_fake import FakeSlack

from assistant.app import create_app
from assistant.core.answer import build_deps
from tests.staff_support import staff_store

SECRET = "test-signing-secret"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
CHALLENGE = json.dumps({"token": "legacy", "type": "url_verification", "challenge": "c-123"})


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return staff_store(tmp_path_factory.mktemp("slack-payloads"))


@pytest.fixture(scope="module")
def fake_slack():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def slack(store, fake_slack, tmp_path_factory):
    settings = store.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path_factory.mktemp('slack-db') / 'log.db'}",
            "slack_bot_token": "xoxb-test-token",
            "slack_signing_secret": SECRET,
            "slack_api_url": fake_slack.api_url,
        }
    )
    with TestClient(create_app(settings, deps=build_deps(settings))) as client:
        yield client


def post(client: TestClient, body: str, content_type: str):
    timestamp = str(int(time.time()))
    signature = (
        "v0=" + hmac.new(SECRET.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    )
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    return client.post("/slack/events", content=body, headers=headers)


def refused_as_not_slack(response) -> bool:
    return response.status_code == 400 and response.json()["error"]["code"] == "invalid_payload"


def test_a_json_object_reaches_bolt_with_or_without_a_charset(slack):
    """Bolt answers Slack's URL verification with the challenge: the body passed the payload check."""
    for content_type in (JSON, f"{JSON}; charset=utf-8", f" {JSON} ;charset=UTF-8"):
        response = post(slack, CHALLENGE, content_type)
        assert response.status_code == 200 and response.json() == {"challenge": "c-123"}, content_type


def test_a_json_body_that_is_not_an_object_is_refused_whatever_its_content_type_says(slack):
    """Kills the mutations of the content-type test: `split(None)` / another separator (a charset
    parameter would send a JSON array down the form path, where it passes), `[1]`, `!=`, a misspelt
    media type, and `or` → `and`."""
    for body in ("[1, 2]", '"hello"', "42"):
        for content_type in (JSON, f"{JSON}; charset=utf-8", f"{JSON};charset=utf-8"):
            assert refused_as_not_slack(post(slack, body, content_type)), (body, content_type)
    assert refused_as_not_slack(post(slack, "{truncated", "text/plain"))  # starts like JSON: parsed as JSON
    assert refused_as_not_slack(post(slack, "{truncated", FORM))


def test_a_form_reaches_bolt_unless_its_payload_is_not_a_json_object(slack):
    """Kills `"payload" in form`, a misspelt key, `or` → `and`, blank values dropped (`payload=` would
    count as no payload) and `return True` for an unparsable payload."""
    command = urlencode(
        {"command": "/innkjop", "text": "", "user_id": "U1", "team_id": "T1", "channel_id": "C1"}
    )
    assert not refused_as_not_slack(post(slack, command, FORM))
    interactive = urlencode({"payload": json.dumps({"type": "block_actions", "actions": []})})
    assert not refused_as_not_slack(post(slack, interactive, FORM))
    for body in ("payload=", "payload=notjson", "payload=%5B1%5D", "payload=%22x%22", "a=1&payload=42"):
        assert refused_as_not_slack(post(slack, body, FORM)), body
