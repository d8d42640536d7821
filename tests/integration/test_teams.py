"""The Teams bot end to end: real Bot Framework activities posted to the real app at `/api/messages`, the
real answer core over the real store, and a fake of the Microsoft side on 127.0.0.1 (`teams_fake`): OpenID
metadata and JWKS for a key pair generated in the test, the token endpoint, and the Bot Connector, which
records every activity the bot sends. Activities are handled after the 202, so tests wait on the fake.
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

import jwt
import pytest
from fastapi.testclient import TestClient
from metrics_support import channel_counts, raised_by
from teams_fake import FakeBotFramework, new_private_key

from assistant.app import create_app
from assistant.channels.teams import conversation_key
from assistant.errors import ConfigError
from assistant.platform.db import Database, EscalationRow, FeedbackRow, MessageRow

APP_ID = "5f7c0a52-test-app-id"
PASSWORD = "test-app-password"
BOT = {"id": f"28:{APP_ID}", "name": "Innkjøpsassistent"}
USER = {"id": "29:1-user-kari", "name": "Kari Innkjøper", "aadObjectId": "aad-kari"}
OTHER_USER = {"id": "29:1-user-ola", "name": "Ola Nordmann", "aadObjectId": "aad-ola"}
ANSWERED = "Når lanserte regjeringen handlingsplanen for miljø- og samfunnsansvar i offentlige anskaffelser?"
OUT_OF_SCOPE = "Hvor mange mål scoret Rosenborg i 1995?"
HASH_KEY = "test-user-hash-key"
_ids = count(1)


@pytest.fixture
def fake():
    server = FakeBotFramework().start()
    yield server
    server.stop()


@pytest.fixture
def teams_settings(app_settings, fake):
    return app_settings.model_copy(
        update={
            "microsoft_app_id": APP_ID,
            "microsoft_app_password": PASSWORD,
            "teams_openid_url": fake.openid_url,
            "teams_token_url": fake.token_url,
            "user_hash_key": HASH_KEY,
        }
    )


@pytest.fixture
def teams(teams_settings, deps):
    with TestClient(create_app(teams_settings, deps=deps)) as client:
        yield client


@pytest.fixture
def db(teams_settings):
    database = Database(teams_settings.sqlalchemy_url)
    yield database
    database.engine.dispose()


# ---- activities ----------------------------------------------------------------------------------------


def activity(
    fake: FakeBotFramework, kind: str = "message", *, conversation: dict | None = None, **fields
) -> dict:
    return {
        "type": kind,
        "id": f"1700000000{next(_ids):06d}",
        "timestamp": "2024-05-02T10:00:00.000Z",
        "serviceUrl": fake.service_url,
        "channelId": "msteams",
        "from": USER,
        "recipient": BOT,
        "conversation": conversation or {"id": "a:1personal-chat-kari", "conversationType": "personal"},
        "locale": "nb-NO",
        "channelData": {"tenant": {"id": "tenant-1"}},
        **fields,
    }


def message(fake: FakeBotFramework, text: str = ANSWERED, **fields) -> dict:
    return activity(fake, text=text, textFormat="plain", **fields)


def submit(fake: FakeBotFramework, value: dict, **fields) -> dict:
    return activity(fake, value=value, **fields)


def post(client: TestClient, fake: FakeBotFramework, body: dict, *, token: str | None = "valid", **headers):
    if token == "valid":
        token = fake.connector_token(APP_ID)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(
        "/api/messages", content=json.dumps(body), headers={"Content-Type": "application/json", **headers}
    )


def card_of(sent: dict) -> dict:
    (attachment,) = sent["body"]["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    return card


def texts(card: dict) -> list[str]:
    return [block["text"] for block in card["body"] if block["type"] == "TextBlock"]


def submits(card: dict) -> dict[str, dict]:
    return {a["title"]: a["data"] for a in card.get("actions", []) if a["type"] == "Action.Submit"}


def answered(client, fake, text: str = ANSWERED, **fields) -> tuple[dict, dict]:
    """Post a question; return (the activity, the card reply)."""
    question = message(fake, text, **fields)
    assert post(client, fake, question).status_code == 202
    reply = [a for a in fake.wait_for("message") if a["reply_to"] == question["id"]][-1]
    return question, card_of(reply)


# ---- answering -------------------------------------------------------------------------------------------


def test_question_gets_typing_then_an_answer_card_with_linked_sources_and_buttons(teams, fake, db):
    question = message(fake)
    started = time.monotonic()
    response = post(teams, fake, question)
    assert response.status_code == 202 and response.content == b""

    typing, reply = fake.wait_for("typing")[0], fake.wait_for("message")[0]
    assert [a["body"]["type"] for a in fake.sent()] == ["typing", "message"]
    assert time.monotonic() - started < 30
    for sent in (typing, reply):
        assert sent["conversation_id"] == question["conversation"]["id"]
        assert sent["reply_to"] == question["id"] and sent["body"]["replyToId"] == question["id"]
        assert sent["authorization"] == "Bearer bot-token-1"
        assert sent["body"]["from"] == BOT and sent["body"]["recipient"] == USER
        assert sent["body"]["conversation"] == question["conversation"]

    card = card_of(reply)
    (stored,) = db.history(conversation_key(question))
    assert stored.question == ANSWERED and not stored.refused
    body = texts(card)
    assert body[0] == stored.answer and "2007" in body[0] and "[1]" in body[0]
    assert body[1] == "Kilder"
    source_lines = [t for t in body if re.match(r"^\d+\. ", t)]
    assert len(source_lines) == len(stored.citations) >= 1
    for number, (line, citation) in enumerate(zip(source_lines, stored.citations, strict=True), 1):
        assert (
            line
            == f"{number}. [{citation['title']}"
            + (f" – {citation['section']}" if citation["section"] else "")
            + f"]({citation['source']})"
        )
        assert citation["source"].startswith(("http://", "https://"))
    assert submits(card) == {
        "👍 Nyttig": {"action": "feedback", "rating": "up", "message_id": stored.id},
        "👎 Ikke nyttig": {"action": "feedback", "rating": "down", "message_id": stored.id},
        "Spør en veileder": {"action": "escalate", "message_id": stored.id},
    }
    with db.session() as s:
        assert s.get(MessageRow, stored.id).conversation_id == f"teams:{question['conversation']['id']}"


def test_bot_token_comes_from_client_credentials_and_is_reused_until_expiry(teams, fake):
    answered(teams, fake)
    answered(teams, fake, "Hva er terskelverdiene for offentlige anskaffelser?")
    assert fake.token_requests == [
        {
            "grant_type": "client_credentials",
            "client_id": APP_ID,
            "client_secret": PASSWORD,
            "scope": "https://api.botframework.com/.default",
        }
    ]
    assert {a["authorization"] for a in fake.sent()} == {"Bearer bot-token-1"}
    assert fake.key_fetches == 1  # signing keys are cached as well


def test_bot_mention_is_stripped_in_a_channel_and_the_reply_is_threaded(teams, fake, db):
    channel = {
        "id": "19:abc123@thread.tacv2;messageid=1700000000001",
        "conversationType": "channel",
        "isGroup": True,
    }
    mention = {"type": "mention", "text": "<at>Innkjøpsassistent</at>", "mentioned": BOT}
    question, card = answered(
        teams, fake, f"<at>Innkjøpsassistent</at> {ANSWERED}&nbsp;", conversation=channel, entities=[mention]
    )
    (stored,) = db.history(conversation_key(question))
    assert stored.question == ANSWERED and not stored.refused
    assert "2007" in texts(card)[0]
    assert fake.sent("message")[0]["conversation_id"] == channel["id"]  # URL-encoded on the way, intact here


def test_follow_up_uses_the_memory_of_the_same_teams_conversation_only(teams, fake, db):
    first = "Hva er EØS-terskelverdien for statlige kjøp av varer og tjenester?"
    question, _ = answered(teams, fake, first)
    _, card = answered(teams, fake, "Og for kommunene?")
    assert "terskelverdi" in texts(card)[0].lower()
    assert [m.question for m in db.history(conversation_key(question))] == [first, "Og for kommunene?"]

    elsewhere, card = answered(teams, fake, "Og for kommunene?", conversation={"id": "a:1personal-chat-ola"})
    assert "terskelverdi" not in texts(card)[0].lower()
    assert conversation_key(elsewhere) != conversation_key(question)


def test_out_of_scope_question_gets_an_honest_refusal_card_without_sources(teams, fake):
    _, card = answered(teams, fake, OUT_OF_SCOPE)
    assert "Kilder" not in texts(card)
    assert "Spør en veileder" in submits(card)


def test_teams_answers_and_refusals_are_counted_at_metrics_under_their_channel(teams, fake):
    before = channel_counts(teams, "teams")
    answered(teams, fake)
    answered(teams, fake, OUT_OF_SCOPE)
    counted = raised_by(before, channel_counts(teams, "teams"))
    assert counted == {
        "assistant_answers_total": 2,
        "assistant_refusals_total": 1,
        "assistant_answer_duration_seconds_count": 2,
    }


def test_the_log_holds_the_askers_keyed_user_hash_and_never_the_raw_teams_ids(
    teams, fake, db, teams_settings
):
    question, _ = answered(teams, fake)
    (row,) = db.history(conversation_key(question))
    expected = hmac.new(HASH_KEY.encode(), USER["aadObjectId"].encode(), hashlib.sha256).hexdigest()
    assert row.user_hash == expected
    with closing(sqlite3.connect(teams_settings.sqlalchemy_url.removeprefix("sqlite:///"))) as connection:
        dump = "\n".join(connection.iterdump())
    assert expected in dump
    assert USER["aadObjectId"] not in dump and USER["id"] not in dump and USER["name"] not in dump

    guest = {"id": "29:1-guest-without-aad", "name": "Gjest"}  # no AAD object id: the channel's user id
    other, _ = answered(teams, fake, conversation={"id": "a:1personal-chat-guest"}, **{"from": guest})
    (row,) = db.history(conversation_key(other))
    assert row.user_hash == hmac.new(HASH_KEY.encode(), guest["id"].encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("words", "expected"),
    [("hva gjelder for anskaffelser ", "Spørsmålet er for langt"), ("what are the rules ", "too long")],
)
def test_over_long_question_gets_a_polite_limit_message_in_its_language(
    teams, fake, teams_settings, words, expected
):
    question = message(fake, words * (teams_settings.max_question_chars // 10))
    assert post(teams, fake, question).status_code == 202
    reply = fake.wait_for("message")[0]["body"]
    assert "attachments" not in reply and str(teams_settings.max_question_chars) in reply["text"]
    assert expected in reply["text"]


def test_redelivered_activity_is_answered_once(teams, fake, db):
    question = message(fake)
    assert post(teams, fake, question).status_code == 202
    assert post(teams, fake, question).status_code == 202
    fake.wait_for("message")
    time.sleep(0.2)
    assert len(fake.sent("message")) == 1
    assert len(db.history(conversation_key(question))) == 1


# ---- card submits ----------------------------------------------------------------------------------------


def test_feedback_can_be_changed_and_each_users_latest_rating_counts_once(teams, fake, db):
    _, card = answered(teams, fake)
    down = submits(card)["👎 Ikke nyttig"]
    first = submit(fake, down)
    assert post(teams, fake, first).status_code == 202
    ack = next(a for a in fake.wait_for("message", 2) if a["reply_to"] == first["id"])["body"]
    assert ack["text"].startswith("Takk for tilbakemeldingen!") and "Spør en veileder" in ack["text"]

    changed = submit(fake, submits(card)["👍 Nyttig"])
    assert post(teams, fake, changed).status_code == 202
    assert fake.wait_for("message", 3)[-1]["body"]["text"] == "Takk! Vurderingen din er endret."
    again = submit(fake, submits(card)["👍 Nyttig"])
    assert post(teams, fake, again).status_code == 202
    assert "allerede" in fake.wait_for("message", 4)[-1]["body"]["text"]
    by_other = submit(fake, submits(card)["👍 Nyttig"], **{"from": OTHER_USER})
    assert post(teams, fake, by_other).status_code == 202
    fake.wait_for("message", 5)
    with db.session() as s:
        rows = s.query(FeedbackRow).order_by(FeedbackRow.id).all()
    assert [(r.message_id, r.rating, r.channel) for r in rows] == [
        (down["message_id"], "up", "teams"),
        (down["message_id"], "up", "teams"),
    ]


def test_escalation_submit_is_stored_with_who_asked_and_acknowledged(teams, fake, db):
    _, card = answered(teams, fake)
    escalate = submits(card)["Spør en veileder"]
    for expected in ("Takk! Spørsmålet ditt er sendt til en veileder", "Dette spørsmålet er allerede sendt"):
        click, before = submit(fake, escalate), len(fake.sent("message"))
        assert post(teams, fake, click).status_code == 202
        ack = fake.wait_for("message", before + 1)[-1]["body"]
        assert ack["replyToId"] == click["id"] and ack["text"].startswith(expected)
    with db.session() as s:
        (row,) = s.query(EscalationRow).all()
    assert (row.message_id, row.channel, row.contact) == (escalate["message_id"], "teams", "teams:aad-kari")
    assert row.note == "Teams-bruker: Kari Innkjøper"


def test_submit_for_an_unknown_answer_or_foreign_data_stores_nothing(teams, fake, db):
    unknown = submit(fake, {"action": "feedback", "rating": "up", "message_id": "no-such-message"})
    assert post(teams, fake, unknown).status_code == 202
    assert fake.wait_for("message")[0]["body"]["text"] == "Jeg fant ikke dette svaret lenger."
    foreign = submit(fake, {"action": "feedback", "rating": "meh", "message_id": "x"})
    assert post(teams, fake, foreign).status_code == 202
    time.sleep(0.2)
    assert len(fake.sent()) == 1
    with db.session() as s:
        assert s.query(FeedbackRow).count() == 0


# ---- welcome ---------------------------------------------------------------------------------------------


def test_bot_added_gets_a_welcome_card_whose_example_questions_are_answered(teams, fake, db):
    other_joined = activity(fake, "conversationUpdate", membersAdded=[OTHER_USER])
    assert post(teams, fake, other_joined).status_code == 202
    added = activity(fake, "conversationUpdate", membersAdded=[BOT, USER])
    assert post(teams, fake, added).status_code == 202
    (welcome,) = fake.wait_for("message")
    assert welcome["reply_to"] is None  # a new message in the conversation, not a reply
    assert welcome["authorization"] == "Bearer bot-token-1"
    card = card_of(welcome)
    assert any("miljø- og samfunnsansvar" in t for t in texts(card))
    examples = submits(card)
    assert len(examples) == 3 and all(
        data == {"action": "ask", "question": q} for q, data in examples.items()
    )

    example = next(iter(examples.values()))
    click = submit(fake, example)
    assert post(teams, fake, click).status_code == 202
    reply = [a for a in fake.wait_for("message", 2) if a["reply_to"] == click["id"]][-1]
    assert "Kilder" in texts(card_of(reply))
    assert [m.question for m in db.history(conversation_key(click))] == [example["question"]]


def test_empty_mention_gets_the_welcome_card_as_help(teams, fake):
    mention = {"type": "mention", "text": "<at>Innkjøpsassistent</at>", "mentioned": BOT}
    group = {"id": "19:group@thread.v2", "conversationType": "groupChat", "isGroup": True}
    question = message(fake, "<at>Innkjøpsassistent</at>", entities=[mention], conversation=group)
    assert post(teams, fake, question).status_code == 202
    card = card_of(fake.wait_for("message")[0])
    assert len(submits(card)) == 3 and any("@" in t for t in texts(card))
    assert not fake.sent("typing")


# ---- authentication ----------------------------------------------------------------------------------------


def _bad_tokens(fake: FakeBotFramework) -> dict[str, str | None]:
    now = int(time.time())
    return {
        "missing": None,
        "bad signature": fake.connector_token(APP_ID, key=new_private_key()),
        "expired": fake.connector_token(APP_ID, exp=now - 600, iat=now - 4200, nbf=now - 4200),
        "wrong audience": fake.connector_token("another-bots-app-id"),
        "wrong issuer": fake.connector_token(APP_ID, iss="https://sts.windows.net/someone/"),
        "wrong serviceUrl": fake.connector_token(APP_ID, serviceurl="https://attacker.example/"),
        "no serviceUrl claim": fake.connector_token(APP_ID, serviceurl=None),
        "unknown key": fake.connector_token(APP_ID, kid="not-published"),
        "hs256": jwt.encode(
            {
                "iss": "https://api.botframework.com",
                "aud": APP_ID,
                "exp": now + 600,
                "serviceurl": fake.service_url,
            },
            "a-guessed-shared-secret-of-32-bytes!",
            algorithm="HS256",
            headers={"kid": "test-key-1"},
        ),
        "not a jwt": "not-a-jwt",
    }


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "bad signature",
        "expired",
        "wrong audience",
        "wrong issuer",
        "wrong serviceUrl",
        "no serviceUrl claim",
        "unknown key",
        "hs256",
        "not a jwt",
    ],
)
def test_activity_without_a_valid_connector_token_is_rejected_with_401(teams, fake, db, case):
    token = _bad_tokens(fake)[case]
    question = message(fake)
    response = post(teams, fake, question, token=token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"missing_token", "invalid_token", "token_expired"}
    time.sleep(0.1)
    assert fake.sent() == [] and db.history(conversation_key(question)) == []


def test_non_bearer_scheme_and_unendorsed_channel_are_rejected(teams, fake):
    token = fake.connector_token(APP_ID)
    basic = teams.post("/api/messages", json=message(fake), headers={"Authorization": f"Basic {token}"})
    assert basic.status_code == 401
    webchat = post(teams, fake, message(fake, channelId="webchat"))  # our key is endorsed for msteams only
    assert webchat.status_code == 401
    assert fake.sent() == []


def test_token_within_five_minutes_of_clock_skew_is_accepted(teams, fake):
    now = int(time.time())
    token = fake.connector_token(APP_ID, exp=now - 120, iat=now - 3720, nbf=now - 3720)
    assert post(teams, fake, message(fake), token=token).status_code == 202
    fake.wait_for("message")


def test_body_that_is_not_an_activity_is_400_after_the_token_check(teams, fake):
    response = teams.post(
        "/api/messages",
        content=b"[1, 2]",
        headers={"Authorization": f"Bearer {fake.connector_token(APP_ID)}"},
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_activity"


# ---- configuration -----------------------------------------------------------------------------------------


def test_dev_switch_turns_verification_off_and_warns_at_start(app_settings, deps, fake, db, caplog):
    settings = app_settings.model_copy(update={"teams_auth_disabled": True})  # Emulator without credentials
    with caplog.at_level(logging.WARNING, logger="assistant.channels.teams"):
        app = create_app(settings, deps=deps)
    assert any("verification is OFF" in r.getMessage() for r in caplog.records)
    with TestClient(app) as client:
        question = message(fake, channelId="emulator")
        assert post(client, fake, question, token=None).status_code == 202
        reply = fake.wait_for("message")[0]
    assert reply["authorization"] is None and fake.token_requests == []
    assert "Kilder" in texts(card_of(reply))


def test_teams_route_exists_only_when_configured(client):
    assert client.post("/api/messages", json={"type": "message"}).status_code == 404


def test_verification_on_without_a_password_fails_at_start(app_settings, deps, fake):
    settings = app_settings.model_copy(
        update={"microsoft_app_id": APP_ID, "teams_openid_url": fake.openid_url}
    )
    with pytest.raises(ConfigError, match="MICROSOFT_APP_PASSWORD"):
        create_app(settings, deps=deps)
