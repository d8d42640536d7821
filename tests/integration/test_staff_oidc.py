"""Staff sign-in with OpenID Connect against the test provider on 127.0.0.1 (tests/oidc_provider.py), the real
app, Authlib and a real SQLite database: the mapped role and region, every refusal as a clear page with a 4xx
status (wrong issuer, wrong audience, expired, forged signature, replayed or foreign state, wrong nonce,
unknown group, several regions, cancelled at the provider), key rotation in the middle of a session, sign-out at
the provider, local users switched off, and who did each staff action.
"""

from __future__ import annotations

import html
import re
import time
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from oidc_provider import CLIENT_ID
from sqlalchemy import select
from staff_sign_in_support import (
    LABEL,
    PEOPLE,
    allow_app,
    running_provider,
    sign_in,
    through_provider,
    with_provider,
)
from staff_support import UNANSWERED, add_staff, csrf_of, log_in, staff_store
from widget_support import parse_sse

from assistant.app import create_app
from assistant.core.answer import build_deps
from assistant.core.texts import STAFF_SIGN_IN
from assistant.errors import ConfigError
from assistant.platform.db import Database
from assistant.staff.auth import COOKIE
from assistant.staff.records import StaffActionRow, StaffSessionRow, StaffUserRow

APP = "http://testserver"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return staff_store(tmp_path_factory.mktemp("staff-oidc"))


@pytest.fixture(scope="module")
def deps(store):
    return build_deps(store)


@pytest.fixture
def provider():
    with running_provider() as running:
        allow_app(running, APP)
        yield running


@pytest.fixture
def settings(store, provider, tmp_path):
    settings = with_provider(
        store.model_copy(update={"database_url": f"sqlite:///{tmp_path / 's.db'}"}), provider
    )
    add_staff(settings)  # local users too: the break-glass path stays
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


def refused(response, code: str, status: int) -> None:
    """A clear page: the status, the bokmål text for `code`, no session, no traceback."""
    assert response.status_code == status, (response.status_code, response.text[:400])
    assert response.headers["content-type"].startswith("text/html")
    assert STAFF_SIGN_IN[code].split("{")[0] in response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    assert COOKIE not in response.cookies


# ---- signing in ----------------------------------------------------------------------------------------


def test_the_login_page_offers_the_provider_and_the_local_form(app):
    page = app.get("/staff/login?next=/staff/queue")
    assert f"Logg inn med {LABEL}" in page.text and 'href="/staff/oidc/start?next=/staff/queue"' in page.text
    assert 'name="password"' in page.text


def test_a_staff_group_signs_in_with_its_region_and_pkce_state_and_nonce(app, provider, db):
    response = sign_in(app, provider, "kari", next_path="/staff/queue")
    assert response.status_code == 303 and response.headers["location"] == "/staff/queue"
    asked = provider.authorize_requests[-1]
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert asked["state"] and asked["nonce"] and "openid" in asked["scope"].split()
    page = app.get("/staff")
    assert page.status_code == 200 and "Kari Nordmann" in page.text and "Vestland" in page.text
    assert 'href="/staff/users"' not in page.text  # not an admin
    assert app.get("/staff?region=nordland").status_code == 403  # one region only
    with db.session() as s:
        user = s.scalar(select(StaffUserRow).where(StaffUserRow.subject == PEOPLE["kari"].sub))
        assert (user.issuer, user.role, user.region, user.password_hash) == (
            provider.issuer,
            "staff",
            "vestland",
            None,
        )


def test_an_admin_group_wins_over_a_regional_one(app, provider):
    assert sign_in(app, provider, "ola").status_code == 303
    page = app.get("/staff")
    assert "Ola Admin" in page.text and 'href="/staff/users"' in page.text
    assert app.get("/staff?region=nordland").status_code == 200


def test_roles_are_read_again_at_every_sign_in(app, provider, db):
    sign_in(app, provider, "kari")
    provider.people["kari"].groups = ["g-nord"]
    app.cookies.clear()
    sign_in(app, provider, "kari")
    assert "Nordland" in app.get("/staff").text
    with db.session() as s:
        assert (
            len(s.scalars(select(StaffUserRow).where(StaffUserRow.subject == PEOPLE["kari"].sub)).all()) == 1
        )


def test_a_next_path_outside_staff_is_not_followed(app, provider):
    assert sign_in(app, provider, "kari", next_path="//evil.example/staff").headers["location"] == "/staff"


# ---- refusals ------------------------------------------------------------------------------------------

TWEAKS = {
    "wrong issuer": {"iss": "https://login.evil.example/v2.0"},
    "wrong audience": {"aud": "another-client"},
    "audience without us": {"aud": ["another-client"], "azp": CLIENT_ID},
    "expired": {"exp": int(time.time()) - 600, "iat": int(time.time()) - 900},
    "forged signature": {"sign_with": "foreign"},
    "wrong nonce": {"nonce": "not-the-nonce-we-sent"},
    "no nonce": {"nonce": None},
    "no subject": {"sub": None},
}


@pytest.mark.parametrize("case", list(TWEAKS))
def test_an_id_token_that_fails_a_check_is_refused_with_a_clear_page(app, provider, db, case):
    provider.tweak = TWEAKS[case]
    refused(sign_in(app, provider, "kari"), "token_rejected", 401)
    with db.session() as s:
        assert s.scalars(select(StaffSessionRow)).all() == []
    assert app.get("/staff/api/queue").status_code == 401


def test_a_replayed_callback_is_refused(app, provider):
    callback = through_provider(app, provider, "kari")
    assert app.get(callback, follow_redirects=False).status_code == 303
    app.cookies.delete(COOKIE, path="/staff")
    refused(app.get(callback, follow_redirects=False), "sign_in_expired", 400)


def test_a_callback_in_another_browser_or_with_a_made_up_state_is_refused(app, provider, settings, deps):
    callback = through_provider(app, provider, "kari")
    with TestClient(create_app(settings, deps=deps)) as other:  # the attacker's browser, not the victim's
        refused(other.get(callback, follow_redirects=False), "sign_in_expired", 400)
    query = dict(parse_qsl(urlsplit(callback).query))
    refused(
        app.get("/staff/oidc/callback", params={**query, "state": "made-up"}, follow_redirects=False),
        "sign_in_expired",
        400,
    )
    refused(app.get("/staff/oidc/callback", follow_redirects=False), "sign_in_expired", 400)


def test_a_code_the_provider_no_longer_honours_is_refused(app, provider):
    callback = through_provider(app, provider, "kari")
    provider.codes.clear()
    refused(app.get(callback, follow_redirects=False), "token_refused", 401)


def test_someone_without_a_mapped_group_gets_a_no_access_page_not_a_login_loop(app, provider, db):
    response = sign_in(app, provider, "per")
    refused(response, "no_access", 403)
    assert "Per Utenfor" in response.text and PEOPLE["per"].sub in response.text
    assert app.get("/staff", follow_redirects=False).headers["location"].startswith("/staff/login")
    with db.session() as s:
        assert s.scalar(select(StaffUserRow).where(StaffUserRow.subject == PEOPLE["per"].sub)) is None


def test_groups_of_two_regions_are_refused_with_a_page_naming_them(app, provider):
    response = sign_in(app, provider, "siri")
    refused(response, "several_regions", 403)
    assert "nordland, vestland" in response.text


def test_cancelling_at_the_provider_is_a_clear_page(app, provider):
    refused(sign_in(app, provider, "-cancel"), "provider_refused", 401)


def test_a_discovery_document_naming_another_issuer_is_refused(store, deps, tmp_path):
    with running_provider() as provider:
        allow_app(provider, APP)
        settings = with_provider(
            store.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'x.db'}"}), provider
        )
        provider.issuer += "/"  # the provider's own idea of its issuer differs from the setting
        with TestClient(create_app(settings, deps=deps)) as client:
            refused(client.get("/staff/oidc/start", follow_redirects=False), "provider_misconfigured", 502)


def test_a_provider_that_cannot_be_reached_is_a_clear_page(store, deps, tmp_path):
    with running_provider() as provider:
        gone = provider.issuer
    settings = store.model_copy(
        update={
            "database_url": f"sqlite:///{tmp_path / 'y.db'}",
            "staff_oidc_issuer": gone,
            "staff_oidc_client_id": CLIENT_ID,
        }
    )
    with TestClient(create_app(settings, deps=deps)) as client:
        refused(client.get("/staff/oidc/start", follow_redirects=False), "provider_unavailable", 502)


# ---- key rotation --------------------------------------------------------------------------------------


def test_key_rotation_mid_session_keeps_the_session_and_fetches_the_new_key_once(app, provider):
    assert sign_in(app, provider, "kari").status_code == 303
    fetches = provider.jwks_fetches
    retired = provider.keys[0]
    provider.rotate()
    assert app.get("/staff/api/queue").status_code == 200  # the session does not depend on the key
    second = TestClient(app.app)  # another browser, same app process (JWKS cached with the retired key)
    assert sign_in(second, provider, "ola").status_code == 303
    assert provider.jwks_fetches == fetches + 1
    provider.tweak = {"sign_with": retired}  # a token under the key the provider no longer publishes
    refused(sign_in(TestClient(app.app), provider, "kari"), "token_rejected", 401)
    assert app.get("/staff/api/queue").status_code == 200


# ---- signing out ---------------------------------------------------------------------------------------


def test_signing_out_ends_our_session_and_the_providers(app, provider, db):
    sign_in(app, provider, "kari")
    page = app.get("/staff")
    out = app.post("/staff/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 200 and STAFF_SIGN_IN["signing_out"] in out.text
    assert "Logg ut" not in out.text  # nobody is shown as signed in
    # a page that moves on to the provider (a redirect would break the staff CSP's form-action 'self')
    target = html.unescape(re.search(r'http-equiv="refresh" content="0;url=([^"]+)"', out.text).group(1))
    assert target.startswith(f"{provider.issuer}/logout?")
    query = dict(parse_qsl(urlsplit(target).query))
    assert query["id_token_hint"] == provider.issued[-1] and query["client_id"] == CLIENT_ID
    assert query["post_logout_redirect_uri"] == f"{APP}/staff/signed-out"
    with db.session() as s:
        assert s.scalars(select(StaffSessionRow)).all() == []
    back = httpx.get(target, follow_redirects=False)
    assert back.status_code == 302 and back.headers["location"].startswith(f"{APP}/staff/signed-out")
    signed_out = app.get(back.headers["location"])
    assert signed_out.status_code == 200 and STAFF_SIGN_IN["signed_out"] in signed_out.text
    assert app.get("/staff/api/queue").status_code == 401


def test_without_an_end_session_endpoint_sign_out_ends_our_session_only(store, deps, tmp_path):
    with running_provider(logout_supported=False) as provider:
        allow_app(provider, APP)
        settings = with_provider(
            store.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'z.db'}"}), provider
        )
        with TestClient(create_app(settings, deps=deps)) as client:
            sign_in(client, provider, "kari")
            out = client.post(
                "/staff/logout", data={"csrf": csrf_of(client.get("/staff").text)}, follow_redirects=False
            )
            assert out.status_code == 200 and STAFF_SIGN_IN["signed_out"] in out.text
            assert "http-equiv" not in out.text
            assert client.get("/staff/api/queue").status_code == 401
            assert provider.logouts == []


def test_a_local_user_signs_out_to_the_login_form(app):
    log_in(app, "vest")
    out = app.post("/staff/logout", data={"csrf": csrf_of(app.get("/staff").text)}, follow_redirects=False)
    assert out.headers["location"] == "/staff/login"


# ---- local users switched off --------------------------------------------------------------------------


def test_local_login_can_be_switched_off(settings, deps, provider):
    with TestClient(create_app(settings, deps=deps)) as before:
        assert log_in(before, "admin").status_code == 303
        cookie = before.cookies[COOKIE]
    strict = settings.model_copy(update={"staff_local_login": False})
    with TestClient(create_app(strict, deps=deps)) as client:
        page = client.get("/staff/login")
        assert 'name="password"' not in page.text and f"Logg inn med {LABEL}" in page.text
        posted = client.post(
            "/staff/login", data={"username": "admin", "password": "x" * 12, "csrf": "c"}, cookies={}
        )
        assert posted.status_code == 403 and STAFF_SIGN_IN["local_disabled"] in posted.text
        client.cookies.set(COOKIE, cookie, path="/staff")  # a session from before the switch ends too
        assert client.get("/staff/api/queue").status_code == 401
        client.cookies.clear()
        assert sign_in(client, provider, "kari").status_code == 303


def test_settings_that_leave_no_way_in_or_name_an_unknown_region_stop_the_start(store, deps, provider):
    nothing = store.model_copy(update={"staff_local_login": False})
    with pytest.raises(ConfigError, match="staff_local_login"), TestClient(create_app(nothing, deps=deps)):
        pass
    unknown = with_provider(store, provider, staff_oidc_access={"g-x": "staff:atlantis"})
    with pytest.raises(ConfigError, match="staff_oidc_access"), TestClient(create_app(unknown, deps=deps)):
        pass


# ---- who did it ----------------------------------------------------------------------------------------


def ask(client, question: str, region: str) -> str:
    """Ask in the widget (which sends a region); the logged question's message id."""
    response = client.post("/v1/chat/stream", json={"question": question, "region": region})
    done = dict(parse_sse(response.text))["done"]
    assert done["refused"]
    return done["message_id"]


def test_every_staff_action_names_the_provider_subject_and_name(app, provider, db):
    closed = ask(app, UNANSWERED, "Vestland")
    answered = ask(app, UNANSWERED, "Vestland")
    sign_in(app, provider, "kari")
    page = app.get(f"/staff/questions/{closed}")
    csrf = csrf_of(page.text)
    assert (
        app.post(f"/staff/questions/{closed}/status", data={"csrf": csrf, "status": "closed"}).status_code
        == 200
    )
    app.post(
        "/staff/answers",
        data={
            "csrf": csrf,
            "message_id[]": answered,
            "question": "Hvem svarer?",
            "answer": "Innkjøpsteamet i Vestland.",
        },
    )
    with db.session() as s:
        rows = s.scalars(select(StaffActionRow).order_by(StaffActionRow.id)).all()
    assert [(r.kind, r.message_id, r.actor_subject, r.actor_name) for r in rows] == [
        ("status_closed", closed, PEOPLE["kari"].sub, "Kari Nordmann"),
        ("answer_written", answered, PEOPLE["kari"].sub, "Kari Nordmann"),
    ]
    assert rows[0].actor_issuer == provider.issuer
    history = app.get(f"/staff/questions/{closed}").text
    assert "Kari Nordmann" in history and "lukket" in history
    assert "Kari Nordmann" in app.get("/staff/log").text
    log_in(app, "vest")  # a local user is named by their username
    app.post(
        f"/staff/questions/{closed}/status", data={"csrf": csrf_of(app.get("/staff").text), "status": "open"}
    )
    with db.session() as s:
        last = s.scalars(select(StaffActionRow).order_by(StaffActionRow.id.desc())).first()
    assert (last.kind, last.actor_subject, last.actor_name) == ("status_open", "local:vest", "vest")
