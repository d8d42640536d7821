"""Staff sign-in in real headless Chromium: the app on uvicorn, the test OpenID provider on uvicorn, both on
127.0.0.1, and every redirect between them followed by the browser. A regional adviser signs in from a staff
page, lands on it with her name and region, closes a question (the history names her), signs out at the
provider and is back on our signed-out page; each refusal is a page with a 4xx status; key rotation in the
middle of a session changes nothing for the person signed in."""

from __future__ import annotations

import time

import httpx
import pytest
from conftest import unavailable
from oidc_provider import CLIENT_ID
from staff_sign_in_support import LABEL, PEOPLE, allow_app, running_provider, with_provider
from staff_support import UNANSWERED, staff_store
from widget_support import parse_sse, serve

from assistant.app import create_app
from assistant.core.answer import build_deps
from assistant.core.texts import STAFF_SIGN_IN

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return staff_store(tmp_path_factory.mktemp("staff-sign-in"))


@pytest.fixture(scope="module")
def deps(store):
    return build_deps(store)


@pytest.fixture
def stack(store, deps, tmp_path):
    """(app base URL, provider): a fresh database and provider for each test."""
    with running_provider() as provider:
        settings = with_provider(
            store.model_copy(update={"database_url": f"sqlite:///{tmp_path / 's.db'}"}), provider
        )
        with serve(create_app(settings, deps=deps)) as base:
            allow_app(provider, base)
            yield base, provider


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def sign_in_as(page, base: str, person: str, start: str = "/staff"):
    """Open a staff page, follow the login page's provider button, pick `person` at the provider; returns
    the app's response to the provider's redirect back (the callback)."""
    page.goto(f"{base}{start}")
    assert page.url.startswith(f"{base}/staff/login")
    page.get_by_role("link", name=f"Logg inn med {LABEL}").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    with page.expect_response(lambda r: "/staff/oidc/callback" in r.url) as callback:
        page.get_by_role("button", name=PEOPLE[person].name).click()
    page.wait_for_load_state()
    return callback.value


def test_an_adviser_signs_in_sees_her_region_acts_and_signs_out(page, stack):
    base, provider = stack
    stream = httpx.post(f"{base}/v1/chat/stream", json={"question": UNANSWERED, "region": "Vestland"})
    asked = dict(parse_sse(stream.text))["done"]
    assert asked["refused"]

    sign_in_as(page, base, "kari", start="/staff/queue")
    page.wait_for_url(f"{base}/staff/queue")
    header = page.locator("header").text_content()
    assert "Kari Nordmann" in header and "Vestland" in header
    assert page.get_by_role("link", name="Brukere").count() == 0  # staff, not admin

    page.goto(f"{base}/staff")
    assert page.locator("svg.chart").count() == 2  # the overview, for her region

    page.goto(f"{base}/staff/questions/{asked['message_id']}")
    page.get_by_role("button", name="Lukk uten svar").click()
    page.wait_for_url(f"{base}/staff/queue")
    page.goto(f"{base}/staff/questions/{asked['message_id']}")
    history = page.locator(".history").text_content()
    assert "Kari Nordmann" in history and "lukket" in history

    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url(f"{base}/staff/signed-out*")
    assert STAFF_SIGN_IN["signed_out"] in page.locator("main").text_content()
    assert provider.logouts and provider.logouts[-1]["id_token_hint"] == provider.issued[-1]
    assert provider.logouts[-1]["client_id"] == CLIENT_ID
    page.goto(f"{base}/staff/queue")
    assert page.url.startswith(f"{base}/staff/login")


def test_an_admin_sees_every_region(page, stack):
    base, _ = stack
    sign_in_as(page, base, "ola")
    page.wait_for_url(f"{base}/staff")
    assert "alle regioner" in page.locator("header").text_content()
    page.get_by_role("link", name="Brukere").click()
    assert "Ola Admin" in page.locator("main").text_content()


REFUSALS = {
    "wrong issuer": ({"iss": "https://login.evil.example/v2.0"}, "token_rejected", 401),
    "wrong audience": ({"aud": "another-client"}, "token_rejected", 401),
    "expired token": ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, "token_rejected", 401),
    "bad signature": ({"sign_with": "foreign"}, "token_rejected", 401),
    "wrong nonce": ({"nonce": "not-the-nonce-we-sent"}, "token_rejected", 401),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_bad_id_token_is_refused_with_a_clear_page(page, stack, case):
    base, provider = stack
    provider.tweak, code, status = REFUSALS[case]
    response = sign_in_as(page, base, "kari")
    assert response.status == status
    alert = page.get_by_role("alert")
    assert STAFF_SIGN_IN[code] in alert.text_content() and "Traceback" not in page.content()
    page.goto(f"{base}/staff")
    assert page.url.startswith(f"{base}/staff/login")  # no session was made


def test_a_replayed_callback_is_refused(page, stack):
    base, _ = stack
    callback = sign_in_as(page, base, "kari")
    assert callback.status == 303
    page.context.clear_cookies()
    replay = page.goto(callback.url)
    assert (
        replay.status == 400 and STAFF_SIGN_IN["sign_in_expired"] in page.get_by_role("alert").text_content()
    )


def test_an_unknown_group_gets_the_no_access_page_and_stays_there(page, stack):
    base, _ = stack
    response = sign_in_as(page, base, "per")
    assert response.status == 403
    alert = page.get_by_role("alert").text_content()
    assert STAFF_SIGN_IN["no_access"] in alert and PEOPLE["per"].sub in alert
    url = page.url
    page.wait_for_timeout(500)
    assert page.url == url  # no redirect back into a new sign-in


def test_key_rotation_mid_session(page, stack, browser):
    base, provider = stack
    sign_in_as(page, base, "kari")
    page.wait_for_url(f"{base}/staff")
    retired = provider.keys[0]
    provider.rotate()
    page.goto(f"{base}/staff/queue")
    assert page.url == f"{base}/staff/queue"  # still signed in

    colleague = browser.new_context().new_page()
    try:
        assert (
            sign_in_as(colleague, base, "ola").status == 303
        )  # signed with the new key: fetched and accepted
        colleague.wait_for_url(f"{base}/staff")
        provider.tweak = {"sign_with": retired}
        colleague.context.clear_cookies()
        refused = sign_in_as(colleague, base, "ola")
        assert refused.status == 401
    finally:
        colleague.context.close()
    page.reload()
    assert "Kari Nordmann" in page.locator("header").text_content()


def test_the_sign_in_pages_have_no_serious_axe_violations(stack, browser):
    from test_accessibility import AXE, serious_violations

    if not AXE.exists():
        unavailable(f"{AXE} is missing: npm ci --prefix tests/browser")
    axe = AXE.read_text(encoding="utf-8")
    base, _ = stack
    context = browser.new_context(bypass_csp=True)  # axe goes in as an inline script, which the CSP forbids
    context.set_default_timeout(20_000)
    page = context.new_page()
    found = {}
    sign_in_as(page, base, "per")
    found["no access"] = serious_violations(page, axe)
    page.goto(f"{base}/staff/login")
    found["login with provider"] = serious_violations(page, axe)
    sign_in_as(page, base, "kari")
    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url(f"{base}/staff/signed-out*")
    found["signed out"] = serious_violations(page, axe)
    context.close()
    assert {name: v for name, v in found.items() if v} == {}
