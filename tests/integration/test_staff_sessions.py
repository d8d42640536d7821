"""Staff sessions and forms on the real app and a real SQLite database: the login form's double-submit
CSRF token, logging out ending the session server-side, session expiry (`staff_session_hours`), the `next`
redirect staying on /staff, and the queue's status form checking CSRF and region before it changes a row.

Each test here was written against a hand-made mutation that the older suite let through (docs/testing.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from staff_support import PASSWORD, UNANSWERED, add_staff, csrf_of, log_in, staff_store

from assistant.app import create_app
from assistant.core.answer import build_deps
from assistant.core.texts import STAFF_ERRORS
from assistant.platform.db import Database, MessageRow
from assistant.staff.auth import COOKIE
from assistant.staff.records import StaffSessionRow

SESSION_HOURS = 3


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return staff_store(tmp_path_factory.mktemp("staff-sessions"))


@pytest.fixture(scope="module")
def deps(store):
    return build_deps(store)


@pytest.fixture
def settings(store, tmp_path):
    settings = store.model_copy(
        update={"database_url": f"sqlite:///{tmp_path / 'staff.db'}", "staff_session_hours": SESSION_HOURS}
    )
    add_staff(settings)
    return settings


@pytest.fixture
def app(settings, deps):
    with TestClient(create_app(settings, deps=deps)) as client:
        yield client


@pytest.fixture
def db(settings):
    database = Database(settings.sqlalchemy_url)
    yield database
    database.engine.dispose()


def ask_in_widget(client, question: str, region: str) -> str:
    response = client.post("/v1/chat/stream", json={"question": question, "region": region})
    assert response.status_code == 200
    done = next(part for part in response.text.split("\n\n") if part.startswith("event: done"))
    return json.loads(done.split("data: ", 1)[1])["message_id"]


def review_status(db: Database, message_id: str) -> str:
    with db.session() as s:
        return s.get(MessageRow, message_id).review_status


def post_login(client, *, csrf: str, next_path: str = "/staff/queue"):
    return client.post(
        "/staff/login",
        data={"username": "vest", "password": PASSWORD, "csrf": csrf, "next": next_path},
        follow_redirects=False,
    )


# ---- the login form ------------------------------------------------------------------------------------


def test_login_form_refuses_a_csrf_field_that_does_not_match_its_cookie(app):
    app.get("/staff/login")  # sets the double-submit cookie
    assert post_login(app, csrf="any-non-empty-value").status_code == 403
    assert COOKIE not in app.cookies
    app.cookies.clear()  # a field copied from someone else's form, without their cookie
    field = csrf_of(TestClient(app.app).get("/staff/login").text)
    assert post_login(app, csrf=field).status_code == 403
    assert post_login(app, csrf=csrf_of(app.get("/staff/login").text)).status_code == 303


@pytest.mark.parametrize(
    "next_path",
    [
        "https://evil.example/staff",
        "//evil.example/staff",
        "/\\evil.example/staff",
        "http:/staff",
        "/v1/chat",
        "",
    ],
)
def test_login_redirects_only_into_staff_never_to_another_site(app, next_path):
    response = post_login(app, csrf=csrf_of(app.get("/staff/login").text), next_path=next_path)
    assert response.status_code == 303 and response.headers["location"] == "/staff"


def test_login_keeps_a_next_path_inside_staff(app):
    response = post_login(app, csrf=csrf_of(app.get("/staff/login").text), next_path="/staff/log?status=open")
    assert response.status_code == 303 and response.headers["location"] == "/staff/log?status=open"
    page = app.get("/staff/login?next=https://evil.example")  # after a wrong password, too
    failed = app.post(
        "/staff/login",
        data={
            "username": "vest",
            "password": "feil-passord-999",
            "csrf": csrf_of(page.text),
            "next": "//x.example",
        },
    )
    assert failed.status_code == 401 and 'name="next" value="/staff"' in failed.text


# ---- sessions ------------------------------------------------------------------------------------------


def test_logging_out_ends_the_session_on_the_server_so_a_copied_cookie_is_useless(app, db):
    assert log_in(app, "vest").status_code == 303
    stolen = app.cookies[COOKIE]
    page = app.get("/staff")
    assert (
        app.post("/staff/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False).status_code
        == 303
    )
    with db.session() as s:
        assert s.scalars(select(StaffSessionRow)).all() == []
    app.cookies.set(COOKIE, stolen, path="/staff")
    assert app.get("/staff/queue", follow_redirects=False).status_code == 303
    assert app.get("/staff/api/queue").status_code == 401


def test_logging_out_needs_the_sessions_csrf_token(app, db):
    log_in(app, "vest")
    assert app.post("/staff/logout", data={"csrf": "forged"}).status_code == 403
    assert app.get("/staff/api/queue").status_code == 200  # still logged in


def test_a_session_lasts_staff_session_hours_and_not_longer(app, db):
    before = datetime.now(UTC)
    response = log_in(app, "vest")
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{COOKIE}="))
    assert f"max-age={SESSION_HOURS * 3600}" in cookie.lower()
    with db.session() as s:
        expires = s.scalar(select(StaffSessionRow.expires_at)).replace(tzinfo=UTC)
    assert (
        before + timedelta(hours=SESSION_HOURS)
        <= expires
        <= datetime.now(UTC) + timedelta(hours=SESSION_HOURS)
    )
    assert app.get("/staff/api/queue").status_code == 200

    with db.session() as s, s.begin():  # the clock passes the expiry (the browser still sends the cookie)
        s.execute(update(StaffSessionRow).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert app.get("/staff/api/queue").status_code == 401
    assert app.get("/staff/queue", follow_redirects=False).headers["location"].startswith("/staff/login")

    log_in(app, "nord")  # the next login sweeps expired sessions away
    with db.session() as s:
        assert len(s.scalars(select(StaffSessionRow)).all()) == 1


# ---- the status form in the queue ----------------------------------------------------------------------


def test_status_form_needs_the_sessions_csrf_token(app, db):
    message_id = ask_in_widget(app, UNANSWERED, "vestland")
    log_in(app, "vest")
    url = f"/staff/questions/{message_id}/status"
    for data in ({"status": "closed"}, {"status": "closed", "csrf": "forged"}):
        refused = app.post(url, data=data)
        # the staff member is told why (the form has expired), not given an empty 403
        assert refused.status_code == 403 and refused.json()["error"]["message"] == STAFF_ERRORS["csrf"]
    assert review_status(db, message_id) == "open"
    csrf = csrf_of(app.get(f"/staff/questions/{message_id}").text)
    response = app.post(url, data={"status": "closed", "csrf": csrf}, follow_redirects=False)
    assert response.status_code == 303 and review_status(db, message_id) == "closed"


def test_status_form_refuses_a_question_of_another_region(app, db):
    other = ask_in_widget(app, UNANSWERED, "nordland")
    log_in(app, "vest")
    csrf = csrf_of(app.get("/staff").text)
    response = app.post(f"/staff/questions/{other}/status", data={"status": "closed", "csrf": csrf})
    assert response.status_code == 403 and review_status(db, other) == "open"
    log_in(app, "nord")
    csrf = csrf_of(app.get("/staff").text)
    response = app.post(f"/staff/questions/{other}/status", data={"status": "closed", "csrf": csrf})
    assert response.status_code == 200 and review_status(db, other) == "closed"  # 303 followed to the queue


def test_status_form_on_an_unknown_question_is_a_404_and_other_regions_are_named(app, db):
    log_in(app, "vest")
    csrf = csrf_of(app.get("/staff").text)
    response = app.post("/staff/questions/no-such-id/status", data={"status": "closed", "csrf": csrf})
    assert response.status_code == 404 and response.json()["error"]["message"] == STAFF_ERRORS["not_found"]
    other = ask_in_widget(app, UNANSWERED, "nordland")
    response = app.post(f"/staff/questions/{other}/status", data={"status": "closed", "csrf": csrf})
    assert response.json()["error"]["message"] == STAFF_ERRORS["other_region"]


def test_only_admins_manage_users_and_they_see_them_by_name(app, db):
    from assistant.staff.auth import list_users

    log_in(app, "vest")
    csrf = csrf_of(app.get("/staff").text)
    response = app.post("/staff/users", data={"csrf": csrf, "username": "ny", "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["message"] == STAFF_ERRORS["admin_only"]
    assert [user.username for user in list_users(db)] == ["admin", "nord", "vest"]  # sorted by name
