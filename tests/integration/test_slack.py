"""The Slack app end to end: signed HTTP requests into the real Bolt app through the FastAPI mount, the
real answer core over the real store, and a fake Slack Web API on 127.0.0.1 that records what the app
sends. Answers are posted after the ack, so the tests poll the fake for the calls they expect.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import sqlite3
import time
from contextlib import closing
from itertools import count
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from metrics_support import channel_counts, raised_by
from slack_fake import BOT_USER, TEAM, FakeSlack

from assistant.app import create_app
from assistant.platform.db import Database, EscalationRow, FeedbackRow

pytestmark = pytest.mark.slow  # the real embedding model answers

SECRET = "test-signing-secret"
HASH_KEY = "test-user-hash-key"
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
            "user_hash_key": HASH_KEY,
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


def mention(
    text: str, *, ts: str | None = None, thread_ts: str | None = None, channel: str = CHANNEL
) -> dict:
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


def click(
    fake: FakeSlack, action_id: str, message_id: str, *, reply: dict, channel: str = CHANNEL, user=USER
):
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
    assert actions["type"] == "actions"
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


def test_slack_answer_is_counted_at_metrics_under_its_channel(slack, fake_slack):
    before = channel_counts(slack, "slack")
    answered_reply(slack, fake_slack)
    counted = raised_by(before, channel_counts(slack, "slack"))
    assert counted == {
        "assistant_answers_total": 1,
        "assistant_refusals_total": 0,
        "assistant_answer_duration_seconds_count": 1,
    }


def test_the_log_holds_the_askers_keyed_user_hash_and_never_the_raw_slack_user_id(
    slack, fake_slack, slack_settings, db
):
    event, _ = answered_reply(slack, fake_slack)
    (row,) = db.history(f"slack:{CHANNEL}:{event['ts']}")
    expected = hmac.new(HASH_KEY.encode(), USER.encode(), hashlib.sha256).hexdigest()
    assert row.user_hash == expected
    with closing(sqlite3.connect(slack_settings.sqlalchemy_url.removeprefix("sqlite:///"))) as connection:
        dump = "\n".join(connection.iterdump())
    assert expected in dump and USER not in dump  # nowhere in any table

    form = {"command": "/innkjop", "text": ANSWERED, "team_id": TEAM, "channel_id": CHANNEL, "user_id": USER}
    assert post_form(slack, {**form, "response_url": fake_slack.response_url("cmd")}).status_code == 200
    wait_response(fake_slack, "cmd")
    (private,) = db.history(f"slack:{CHANNEL}:cmd-{USER}")
    assert private.user_hash == expected  # one buyer, one hash, whichever way they asked


def test_follow_up_in_the_thread_uses_the_threads_earlier_turns(slack, fake_slack, deps, db):
    import asyncio

    from assistant.channels.slack_blocks import escape
    from assistant.core.answer import answer
    from assistant.models import Conversation

    follow_up = "Gjelder det også kommunene?"
    first, _ = answered_reply(slack, fake_slack)
    in_thread = mention(f"<@{BOT_USER}> {follow_up}", thread_ts=first["ts"])
    assert post_event(slack, in_thread).status_code == 200
    reply = fake_slack.wait_for("chat.postMessage", 2)[1]
    assert reply["thread_ts"] == first["ts"]

    earlier = db.conversation(f"slack:{CHANNEL}:{first['ts']}").turns[:2]
    assert [t.text for t in earlier if t.role == "user"] == [ANSWERED]
    with_history = asyncio.run(answer(follow_up, Conversation(turns=earlier), deps=deps))
    alone = asyncio.run(answer(follow_up, Conversation(), deps=deps))
    assert with_history.answer != alone.answer  # otherwise this test could not tell the difference
    assert reply["blocks"][0]["text"]["text"] == escape(with_history.answer)
    assert len(db.history(f"slack:{CHANNEL}:{first['ts']}")) == 2


def test_a_retried_event_is_answered_once_even_after_a_restart(slack_settings, deps, fake_slack):
    event = mention(f"<@{BOT_USER}> {ANSWERED}")
    with TestClient(create_app(slack_settings, deps=deps)) as client:
        assert post_event(client, event, event_id="EvRETRY01").status_code == 200
        fake_slack.wait_for("chat.postMessage")
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert post_event(client, event, event_id="EvRETRY01", headers=retry).status_code == 200
    with TestClient(create_app(slack_settings, deps=deps)) as restarted:  # same database, new process state
        retry = {"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}
        assert post_event(restarted, event, event_id="EvRETRY01", headers=retry).status_code == 200
        assert (
            post_event(restarted, mention(f"<@{BOT_USER}> {ANSWERED}"), event_id="EvOTHER01").status_code
            == 200
        )
        fake_slack.wait_for("chat.postMessage", 2)
        time.sleep(0.5)  # a wrongly handled retry would have been posted by now too
    threads = [c["thread_ts"] for c in fake_slack.calls_to("chat.postMessage")]
    assert threads.count(event["ts"]) == 1 and len(threads) == 2


def test_forged_signature_and_stale_timestamp_are_rejected_with_401(slack, fake_slack):
    body = json.dumps({"type": "event_callback", "event_id": "EvFORGED", "event": mention("<@U> hei")})
    forged = signed_headers(body, secret="not-the-secret")
    stale = signed_headers(body, timestamp=int(time.time()) - 6 * 60)
    for headers in (forged, stale, {}):
        response = slack.post(
            "/slack/events", content=body, headers={"Content-Type": "application/json", **headers}
        )
        assert response.status_code == 401
    fresh = post_event(slack, mention(f"<@{BOT_USER}>"))
    assert fresh.status_code == 200  # the same app accepts a correctly signed request
    fake_slack.wait_for("chat.postMessage")
    assert "auth.test" in fake_slack.methods()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


BAD_BODIES = [
    ("application/json", "not json"),
    ("application/json", "[1,2,3]"),
    ("application/json", '"hello"'),
    ("application/x-www-form-urlencoded", "payload=notjson"),
    ("application/x-www-form-urlencoded", "payload=%5B1%5D"),
    ("text/plain", "{truncated"),
    ("application/x-www-form-urlencoded", "payload="),
]
UNSIGNED = [
    ("unsigned", lambda body: {}),
    ("forged", lambda body: signed_headers(body, secret="not-the-secret")),
    ("bad timestamp", lambda body: {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}),
]


@pytest.mark.parametrize(("content_type", "body"), BAD_BODIES)
def test_a_body_that_is_not_slack_json_gets_401_or_400_json_and_one_log_line(
    slack, fake_slack, caplog, content_type, body
):
    """The signature is checked before anything is parsed: unsigned or forged is 401, a signed body that
    is not a Slack payload is 400, each with the JSON error shape and one log line, never a traceback."""
    caplog.set_level(logging.INFO)
    cases = [(name, 401, headers(body)) for name, headers in UNSIGNED]
    cases.append(("signed", 400, signed_headers(body)))
    for name, status, headers in cases:
        caplog.clear()
        response = slack.post(
            "/slack/events", content=body, headers={"Content-Type": content_type, **headers}
        )
        assert response.status_code == status, (name, response.text)
        error = response.json()["error"]
        assert set(error) == {"code", "message"} and error["code"], name
        assert not [r for r in caplog.records if r.exc_info], name
        warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1 and "slack request rejected" in warnings[0], (name, warnings)
    assert fresh_mention_is_answered(slack, fake_slack)


def fresh_mention_is_answered(slack, fake_slack) -> bool:
    assert post_event(slack, mention(f"<@{BOT_USER}>")).status_code == 200
    return bool(fake_slack.wait_for("chat.postMessage"))


def test_empty_mention_gets_short_help_with_example_questions(slack, fake_slack, db):
    event = mention(f"<@{BOT_USER}>  ")
    post_event(slack, event)
    reply = fake_slack.wait_for("chat.postMessage")[0]
    assert reply["thread_ts"] == event["ts"]
    text = reply["blocks"][0]["text"]["text"]
    assert "For eksempel" in text and "terskelverdiene" in text
    assert not actions_of(reply["blocks"])
    assert db.history(f"slack:{CHANNEL}:{event['ts']}") == []


@pytest.mark.parametrize(
    ("words", "expected"),
    [("hva gjelder for anskaffelser ", "Spørsmålet er for langt"), ("what are the rules ", "too long")],
)
def test_over_long_question_gets_a_polite_limit_message_in_its_language(
    slack, fake_slack, slack_settings, words, expected
):
    limit = slack_settings.max_question_chars
    post_event(slack, mention(f"<@{BOT_USER}> " + words * (limit // 10)))
    reply = fake_slack.wait_for("chat.postMessage")[0]
    assert expected in reply["text"] and str(limit) in reply["text"]
    assert not actions_of(reply["blocks"])


def test_direct_message_is_answered_in_the_dm(slack, fake_slack, db):
    dm = {
        "type": "message",
        "channel_type": "im",
        "channel": "DBUYER001",
        "user": USER,
        "text": ANSWERED,
        "ts": "1700000001.000001",
    }
    post_event(slack, dm)
    reply = fake_slack.wait_for("chat.postMessage")[0]
    assert reply["channel"] == "DBUYER001" and reply.get("thread_ts") is None
    assert actions_of(reply["blocks"])
    assert len(db.history("slack:DBUYER001:im")) == 1
    post_event(slack, {**dm, "subtype": "message_changed", "ts": "1700000001.000002"})
    post_event(slack, {**dm, "bot_id": "BBOT0001", "user": BOT_USER, "ts": "1700000001.000003"})
    time.sleep(0.5)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # edits and the bot's own messages are ignored


def test_assistant_thread_greets_suggests_prompts_sets_status_then_answers(slack, fake_slack, db):
    thread = {"channel_id": "DASSIST01", "thread_ts": "1700000002.000001", "user_id": USER, "context": {}}
    post_event(
        slack,
        {"type": "assistant_thread_started", "assistant_thread": thread, "event_ts": "1700000002.000002"},
    )
    greeting = fake_slack.wait_for("chat.postMessage")[0]
    assert greeting["channel"] == "DASSIST01" and greeting["thread_ts"] == thread["thread_ts"]
    prompts = fake_slack.wait_for("assistant.threads.setSuggestedPrompts")[0]
    assert prompts["thread_ts"] == thread["thread_ts"] and len(prompts["prompts"]) == 3

    post_event(
        slack,
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DASSIST01",
            "user": USER,
            "text": ANSWERED,
            "ts": "1700000002.000003",
            "thread_ts": thread["thread_ts"],
        },
    )
    answer = fake_slack.wait_for("chat.postMessage", 2)[1]
    status = fake_slack.calls_to("assistant.threads.setStatus")
    assert (
        status and status[0]["status"] == "Søker i kildene…" and status[0]["thread_ts"] == thread["thread_ts"]
    )
    methods = fake_slack.methods()
    assert methods.index("assistant.threads.setStatus") < len(methods) - 1 - methods[::-1].index(
        "chat.postMessage"
    )
    assert answer["thread_ts"] == thread["thread_ts"] and actions_of(answer["blocks"])
    assert len(db.history(f"slack:DASSIST01:{thread['thread_ts']}")) == 1


def test_slash_command_acks_then_answers_privately_with_the_question_escaped(slack, fake_slack):
    question = f"{ANSWERED} &lt;b&gt;fet&lt;/b&gt; <!channel> @here"
    form = {
        "command": "/innkjop",
        "text": question,
        "team_id": TEAM,
        "channel_id": CHANNEL,
        "user_id": USER,
        "response_url": fake_slack.response_url("cmd"),
        "trigger_id": "1.2.3",
    }
    response = post_form(slack, form)
    assert response.status_code == 200
    reply = wait_response(fake_slack, "cmd")
    assert reply["response_type"] == "ephemeral"
    asked = reply["blocks"][0]["elements"][0]["text"]
    assert "&lt;b&gt;fet&lt;/b&gt;" in asked and "@\u200bhere" in asked and "<!channel>" not in asked
    assert actions_of(reply["blocks"])
    for text in mrkdwn_texts(reply["blocks"]):
        assert not re.search(r"<(?!https?://[^|<>\s]+\|)", re.sub(r"<https?://[^|<>\s]+\|[^<>]*>", "", text))


def test_feedback_can_be_changed_and_each_users_latest_rating_counts_once(slack, fake_slack, slack_settings):
    _, reply = answered_reply(slack, fake_slack)
    message_id = actions_of(reply["blocks"])["innkjop_feedback_down"]
    posted = {"ts": "1700000100.000002", "thread_ts": reply["thread_ts"]}

    def press(action_id: str, user: str = USER) -> str:
        name, payload = click(fake_slack, action_id, message_id, reply=posted, user=user)
        assert post_form(slack, {"payload": json.dumps(payload)}).status_code == 200
        return wait_response(fake_slack, name)["text"]

    first = press("innkjop_feedback_down")
    assert first.startswith("Takk for tilbakemeldingen!") and "Spør en veileder" in first
    assert press("innkjop_feedback_up") == "Takk! Vurderingen din er endret."  # a change of mind
    assert "allerede" in press("innkjop_feedback_up")  # the same rating again changes nothing
    assert press("innkjop_feedback_down", user="UOTHER001").startswith("Takk for tilbakemeldingen!")

    database = Database(slack_settings.sqlalchemy_url)
    with database.session() as s:
        rows = s.query(FeedbackRow).order_by(FeedbackRow.id).all()
    assert [(r.message_id, r.rating, r.channel) for r in rows] == [
        (message_id, "up", "slack"),
        (message_id, "down", "slack"),
    ]
    assert USER not in {r.rater for r in rows}  # the rater is a keyed hash, not the Slack user id


@pytest.mark.parametrize(
    ("channel", "staff_channel", "region"),
    [(CHANNEL, "CSTAFFVEST", "vest"), (OTHER_CHANNEL, "CSTAFFALL", None)],
)
def test_escalation_posts_question_answer_and_thread_link_to_the_regions_staff_channel(
    slack, fake_slack, slack_settings, channel, staff_channel, region
):
    question = f"{ANSWERED} &lt;!channel&gt; &amp; <!here>"  # as Slack sends a literally typed <!channel>
    event = mention(f"<@{BOT_USER}> {question}", channel=channel)
    post_event(slack, event)
    reply = fake_slack.wait_for("chat.postMessage")[0]
    message_id = actions_of(reply["blocks"])["innkjop_escalate"]
    posted = {"ts": "1700000100.000002", "thread_ts": event["ts"]}
    name, payload = click(fake_slack, "innkjop_escalate", message_id, reply=posted, channel=channel)
    assert post_form(slack, {"payload": json.dumps(payload)}).status_code == 200
    assert "sendt til en veileder" in wait_response(fake_slack, name)["text"]

    staff = fake_slack.wait_for("chat.postMessage", 2)[1]
    assert staff["channel"] == staff_channel
    permalink = fake_slack.calls_to("chat.getPermalink")[0]
    assert permalink == {**permalink, "channel": channel, "message_ts": posted["ts"]}
    texts = "\n".join(mrkdwn_texts(staff["blocks"]))
    assert f"{ANSWERED} &lt;!channel&gt; &amp;" in texts  # shown as typed, never a ping
    assert "<!" not in texts
    assert f"<@{USER}>" in texts and f"<#{channel}>" in texts
    assert "|Åpne tråden>" in texts and f"/archives/{channel}/p{posted['ts'].replace('.', '')}" in texts
    answer_text = reply["blocks"][0]["text"]["text"]
    assert answer_text[:60] in texts

    database = Database(slack_settings.sqlalchemy_url)
    with database.session() as s:
        rows = s.query(EscalationRow).all()
    assert [(r.message_id, r.region, r.contact, r.channel) for r in rows] == [
        (message_id, region, f"slack:{USER}", "slack")
    ]


def test_dm_thread_without_assistant_status_is_still_answered(slack, fake_slack):
    fake_slack.failing["assistant.threads.setStatus"] = (
        "invalid_thread"  # a plain DM thread, not an assistant one
    )
    message = {
        "type": "message",
        "channel_type": "im",
        "channel": "DBUYER002",
        "user": USER,
        "text": ANSWERED,
    }
    post_event(slack, {**message, "ts": "1700000003.000002", "thread_ts": "1700000003.000001"})
    reply = fake_slack.wait_for("chat.postMessage")[0]
    assert fake_slack.calls_to("assistant.threads.setStatus")
    assert reply["thread_ts"] == "1700000003.000001" and actions_of(reply["blocks"])


def test_slack_route_exists_only_when_slack_is_configured(client):
    assert client.post("/slack/events", content="{}").status_code == 404
