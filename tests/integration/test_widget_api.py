"""The widget's other endpoints: feedback, escalations, conversation history, CORS, the rate limit, and the
static files. Real app, real core and store, a fresh SQLite database per test.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import jsonschema
import pytest
from fastapi.testclient import TestClient
from metrics_support import channel_counts, raised_by
from sqlalchemy import select

from assistant.app import create_app
from assistant.platform.db import EscalationRow, FeedbackRow

QUESTION = "Hva er den nasjonale terskelverdien?"


@pytest.fixture
def message(client) -> dict:
    response = client.post("/v1/chat", json={"question": QUESTION})
    assert response.status_code == 200
    return response.json()


def rows(client, model):
    with client.app.state.services.db.session() as session:
        return list(session.scalars(select(model)))


def test_api_and_widget_answers_are_each_counted_once_under_their_channel(client):
    before = {channel: channel_counts(client, channel) for channel in ("api", "web")}
    assert client.post("/v1/chat", json={"question": QUESTION}).status_code == 200
    assert client.post("/v1/chat/stream", json={"question": QUESTION}).status_code == 200
    for channel in ("api", "web"):
        counted = raised_by(before[channel], channel_counts(client, channel))
        assert counted["assistant_answers_total"] == 1, channel
        assert counted["assistant_answer_duration_seconds_count"] == 1, channel


def test_feedback_is_stored_and_a_second_rating_replaces_the_first(client, message):
    response = client.post(
        "/v1/feedback", json={"message_id": message["message_id"], "rating": "down", "comment": " For kort "}
    )
    assert response.status_code == 201 and response.json()["id"] > 0
    stored = rows(client, FeedbackRow)
    assert [(r.message_id, r.rating, r.comment, r.channel) for r in stored] == [
        (message["message_id"], "down", "For kort", "web"),
    ]
    changed = client.post("/v1/feedback", json={"message_id": message["message_id"], "rating": "up"})
    assert changed.status_code == 201 and changed.json()["id"] == response.json()["id"]
    stored = rows(client, FeedbackRow)
    assert [(r.message_id, r.rating, r.comment, r.channel) for r in stored] == [
        (message["message_id"], "up", None, "web"),  # the latest rating counts, once
    ]


def test_escalation_is_stored(client, message):
    body = {
        "message_id": message["message_id"],
        "region": "Vestland",
        "contact": "ola@example.no",
        "note": "?",
    }
    response = client.post("/v1/escalations", json=body)
    assert response.status_code == 201
    [row] = rows(client, EscalationRow)
    assert (row.message_id, row.region, row.contact, row.note, row.status, row.channel) == (
        message["message_id"],
        "vestland",  # stored as the region id
        "ola@example.no",
        "?",
        "open",
        "web",
    )


@pytest.mark.parametrize("path", ["/v1/feedback", "/v1/escalations"])
def test_unknown_message_is_404_json(client, path):
    response = client.post(path, json={"message_id": "nope", "rating": "up"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert rows(client, FeedbackRow) == [] and rows(client, EscalationRow) == []


@pytest.mark.parametrize(
    "body",
    [
        {"rating": "meh"},
        {"rating": None},
        {"rating": "up", "comment": "x" * 2001},
        {"rating": "up", "message_id": "m" * 65},
    ],
)
def test_bad_feedback_is_422_json(client, message, body):
    response = client.post("/v1/feedback", json={"message_id": message["message_id"], **body})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert rows(client, FeedbackRow) == []


def test_history_times_are_rfc3339_date_times_with_a_time_zone(client, message):
    history = client.get(f"/v1/conversations/{message['conversation_id']}").json()
    created = history["messages"][0]["created_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", created), created
    assert datetime.fromisoformat(created).utcoffset() == timedelta(0)


def test_openapi_documents_every_error_status_and_the_question_limits(client):
    schema = client.get("/openapi.json").json()
    documented = {
        ("post", "/v1/chat"): {"400", "422", "429", "503"},
        ("post", "/v1/chat/stream"): {"400", "422", "429", "503"},
        ("post", "/v1/feedback"): {"400", "404", "422", "503"},
        ("post", "/v1/escalations"): {"400", "404", "422", "503"},
        ("get", "/v1/conversations/{conversation_id}"): {"404", "503"},
        ("get", "/readyz"): {"503"},
    }
    for (method, path), statuses in documented.items():
        responses = schema["paths"][path][method]["responses"]
        assert statuses <= set(responses), (path, set(responses))
        for status in statuses:
            body = responses[status]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ErrorResponse"}, (path, status)
    question = schema["components"]["schemas"]["ChatRequest"]["properties"]["question"]
    valid = jsonschema.Draft202012Validator(question, format_checker=jsonschema.FormatChecker())
    for refused in ["", "   ", "\x00", "a" * 2001]:
        assert not valid.is_valid(refused), repr(refused)
        assert client.post("/v1/chat", json={"question": refused}).status_code == 400
    assert valid.is_valid(" klima ")


def test_unknown_conversation_is_404(client):
    response = client.get("/v1/conversations/does-not-exist")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_rate_limit_answers_429_with_retry_after(app_settings, deps):
    settings = app_settings.model_copy(update={"rate_limit_per_minute": 3})
    with TestClient(create_app(settings, deps=deps)) as client:
        codes = [client.post("/v1/chat", json={"question": QUESTION}).status_code for _ in range(2)]
        codes.append(client.post("/v1/chat/stream", json={"question": QUESTION}).status_code)
        assert codes == [200, 200, 200]
        for path in ("/v1/chat", "/v1/chat/stream"):
            response = client.post(path, json={"question": QUESTION})
            assert response.status_code == 429
            assert response.json()["error"]["code"] == "rate_limited"
            assert 1 <= int(response.headers["retry-after"]) <= 60
        assert client.get("/healthz").status_code == 200  # only the chat endpoints are limited
    elsewhere = settings.model_copy(
        update={"database_url": settings.database_url.replace(".db", "-other.db")}
    )
    with TestClient(create_app(elsewhere, deps=deps)) as other:  # the limit is per shared database
        assert other.post("/v1/chat", json={"question": QUESTION}).status_code == 200


def test_rate_limit_window_slides():
    from assistant.channels.limits import RateLimiter

    now = [1000.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.check("a") == 0 and limiter.check("a") == 0
    assert limiter.check("a") == pytest.approx(60)
    assert limiter.check("b") == 0, "clients are counted separately"
    now[0] += 59.5
    assert limiter.check("a") == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.check("a") == 0


def test_cors_is_same_origin_by_default(client):
    response = client.post(
        "/v1/chat", json={"question": QUESTION}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/v1/chat/stream",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_listed_origins_only(app_settings, deps):
    settings = app_settings.model_copy(update={"cors_origins": ["https://intranett.kommune.no"]})
    with TestClient(create_app(settings, deps=deps)) as client:
        preflight = client.options(
            "/v1/chat/stream",
            headers={
                "Origin": "https://intranett.kommune.no",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://intranett.kommune.no"
        response = client.post(
            "/v1/chat/stream", json={"question": QUESTION}, headers={"Origin": "https://intranett.kommune.no"}
        )
        assert response.headers["access-control-allow-origin"] == "https://intranett.kommune.no"
        other = client.options(
            "/v1/chat/stream",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert other.status_code == 400
        assert "access-control-allow-origin" not in other.headers


def test_widget_script_and_demo_page_are_served(client):
    script = client.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "attachShadow" in script.text
    assert ".innerHTML" not in script.text and "insertAdjacentHTML" not in script.text
    assert "document.write" not in script.text
    page = client.get("/")
    assert page.status_code == 200
    assert '<script src="/widget.js"' in page.text and 'href="/docs"' in page.text


def test_rate_limit_is_shared_by_workers_on_one_database(ingested, deps, tmp_path):
    """Two app instances (two workers) on one database count one limit per client together."""
    from fastapi.testclient import TestClient

    from assistant.app import create_app

    settings = ingested.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'shared.db'}", "rate_limit_per_minute": 3}
    )
    question = {"question": "Hva er den nasjonale terskelverdien?"}
    with (
        TestClient(create_app(settings, deps=deps)) as first,
        TestClient(create_app(settings, deps=deps)) as second,
    ):
        statuses = [c.post("/v1/chat", json=question).status_code for c in (first, second, first, second)]
        assert statuses == [200, 200, 200, 429]
        limited = second.post("/v1/chat", json=question)
        assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["Retry-After"]) >= 1
