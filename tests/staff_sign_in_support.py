"""Helpers for the staff sign-in tests: the test OpenID provider running on 127.0.0.1, settings that point the
app at it, and one sign-in through the whole redirect flow without a browser (the provider's sign-in form
posted as a browser would post it)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlsplit

import httpx
from oidc_provider import CLIENT_ID, CLIENT_SECRET, Person, Provider
from widget_support import serve

from assistant.config import Settings

PEOPLE = {
    "kari": Person("sub-kari-0001", "Kari Nordmann", ["g-vest"]),
    "ola": Person("sub-ola-0002", "Ola Admin", ["g-vest", "g-admins"]),
    "per": Person("sub-per-0003", "Per Utenfor", ["g-other"]),
    "siri": Person("sub-siri-0004", "Siri To Regioner", ["g-vest", "g-nord"]),
}
ACCESS = {"g-vest": "staff:vestland", "g-nord": "staff:nordland", "g-admins": "admin"}
LABEL = "Testleverandør"


@contextmanager
def running_provider(**options) -> Iterator[Provider]:
    """The test provider on a free loopback port; `issuer` is its base URL."""
    provider = Provider(people=copy.deepcopy(PEOPLE), **options)  # a test may change its people
    with serve(provider.app()) as base:
        provider.issuer = base
        yield provider


def with_provider(settings: Settings, provider: Provider, **overrides) -> Settings:
    values = {
        "staff_oidc_issuer": provider.issuer,
        "staff_oidc_client_id": CLIENT_ID,
        "staff_oidc_client_secret": CLIENT_SECRET,
        "staff_oidc_access": ACCESS,
        "staff_oidc_label": LABEL,
        **overrides,
    }
    return settings.model_copy(update=values)


def allow_app(provider: Provider, base: str) -> None:
    """Register the app at `base` with the provider (redirect and post-logout URIs), as an admin would."""
    provider.redirect_uris.append(f"{base}/staff/oidc/callback")
    provider.post_logout_uris.append(f"{base}/staff/signed-out")


def through_provider(client, provider: Provider, person: str, *, next_path: str = "/staff") -> str:
    """Start a sign-in in `client` (a TestClient), sign in at the provider as `person`; returns the callback
    URL the provider sends the browser back to (not yet opened)."""
    start = client.get("/staff/oidc/start", params={"next": next_path}, follow_redirects=False)
    assert start.status_code in (302, 303), start.text
    authorize = start.headers["location"]
    assert authorize.startswith(f"{provider.issuer}/authorize?")
    page = httpx.get(authorize)
    assert page.status_code == 200, page.text
    params = dict(parse_qsl(urlsplit(authorize).query))
    back = httpx.post(f"{provider.issuer}/authorize", data={**params, "person": person})
    assert back.status_code == 302, back.text
    return back.headers["location"]


def sign_in(client, provider: Provider, person: str, *, next_path: str = "/staff"):
    """The whole flow; returns the app's answer to the callback."""
    return client.get(through_provider(client, provider, person, next_path=next_path), follow_redirects=False)
