"""Teams: the inbound verifier against the local fake of the Microsoft side (OpenID metadata and JWKS on
127.0.0.1, tokens minted with the fake's key), without the app or the model: each refusal with its code and
message, keys fetched again once a day old or for an unknown key id (at most every five minutes), keys that
cannot be fetched failing closed, only the algorithms the metadata advertises, and the missing `teams` extra
named. Written against mutmut survivors (docs/testing.md): each test says which mutation it kills."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import time

import httpx
import jwt
import pytest
from teams_fake import FakeBotFramework, new_private_key

from assistant.channels import teams_auth
from assistant.errors import ChannelAuthError, ConfigError
from tests.conftest import make_settings

APP_ID = "00000000-0000-0000-0000-0000000000aa"


@pytest.fixture
def fake():
    fake = FakeBotFramework().start()
    yield fake
    fake.stop()


@pytest.fixture
def verifier(fake, tmp_path):
    settings = make_settings(tmp_path, microsoft_app_id=APP_ID, teams_openid_url=fake.openid_url)
    return teams_auth.InboundVerifier(settings)


def activity(fake: FakeBotFramework, **fields) -> dict:
    return {"channelId": "msteams", "serviceUrl": fake.service_url, **fields}


async def refusal(verifier, authorization: str | None, activity: dict) -> tuple[str, str]:
    with pytest.raises(ChannelAuthError) as caught:
        await verifier.verify(authorization, activity)
    return caught.value.code, caught.value.message


async def test_keys_older_than_a_day_are_fetched_again_so_a_rotated_out_key_is_refused(fake, verifier):
    """Kills `stale = None` (cached signing keys trusted forever)."""
    old_token = fake.connector_token(APP_ID)
    assert (await verifier.verify(f"Bearer {old_token}", activity(fake)))["aud"] == APP_ID

    fake.private_key = new_private_key()  # Microsoft rotates the key behind the same kid
    assert (await verifier.verify(f"Bearer {old_token}", activity(fake)))["aud"] == APP_ID  # cached: today
    verifier._fetched_at -= teams_auth.KEYS_MAX_AGE_SECONDS + 1  # a day later (not the process clock)
    with pytest.raises(ChannelAuthError):
        await verifier.verify(f"Bearer {old_token}", activity(fake))
    new_token = fake.connector_token(APP_ID)
    assert (await verifier.verify(f"Bearer {new_token}", activity(fake)))["aud"] == APP_ID


async def test_an_unknown_key_id_fetches_the_keys_again_but_at_most_every_five_minutes(fake, verifier):
    """Kills `stale and (…)` for `stale or (…)` (a new key id never fetched before a day has passed) and
    `kid not in keys or age > …` (every token, or every unknown one, would fetch the keys again)."""
    await verifier.verify(f"Bearer {fake.connector_token(APP_ID)}", activity(fake))
    fetches = fake.key_fetches
    fake.private_key, fake.kid = new_private_key(), "test-key-2"  # a new key under a new id
    rotated = f"Bearer {fake.connector_token(APP_ID)}"
    assert await refusal(verifier, rotated, activity(fake)) == (
        "invalid_token",
        "The token is signed with an unknown key.",
    )
    assert fake.key_fetches == fetches  # fetched under five minutes ago: an unknown kid does not refetch
    verifier._fetched_at -= teams_auth.UNKNOWN_KEY_REFRESH_SECONDS + 1
    assert (await verifier.verify(rotated, activity(fake)))["aud"] == APP_ID
    assert fake.key_fetches == fetches + 1
    await verifier.verify(rotated, activity(fake))  # a known kid: the cache, no fetch
    assert fake.key_fetches == fetches + 1


async def test_unusable_keys_are_skipped_with_a_warning_and_a_key_set_without_keys_accepts_nothing(
    fake, verifier, monkeypatch, caplog
):
    """Kills `jwks.get("keys", None)` (a key set without `keys` crashed instead of failing closed) and the
    mutations of the two log lines of `_refresh`. Found with it: a key PyJWT cannot read raised
    `InvalidKeyError`, which the skip did not catch, so one malformed key in Microsoft's set broke every
    Teams request."""
    published = fake.jwks()["keys"][0]
    unusable = [{"kid": "no-modulus", "kty": "RSA"}, {"kid": "odd", "kty": "nope"}, {"kty": "RSA"}]
    monkeypatch.setattr(fake, "jwks", lambda: {"keys": [*unusable, published]})
    token = f"Bearer {fake.connector_token(APP_ID)}"
    with caplog.at_level(logging.INFO, logger="assistant.channels.teams_auth"):
        assert (await verifier.verify(token, activity(fake)))["aud"] == APP_ID
    lines = [r.getMessage() for r in caplog.records]
    skipped = [line for line in lines if line.startswith("skipping an unusable signing key: ")]
    assert len(skipped) == 3 and "Not a public or private key" in skipped[0] and "nope" in skipped[1]
    assert "Bot Framework signing keys refreshed (1 keys)" in lines

    monkeypatch.setattr(fake, "jwks", lambda: {"note": "no keys today"})
    verifier._fetched_at -= teams_auth.KEYS_MAX_AGE_SECONDS + 1
    assert await refusal(verifier, token, activity(fake)) == (
        "invalid_token",
        "The token is signed with an unknown key.",
    )


async def test_each_refusal_has_its_code_and_message(fake, verifier):
    """Kills the code and message mutations of every `ChannelAuthError` in `verify`, the `or` → `and` of the
    bearer check (a blank bearer token), the issuer left unchecked (`issuer=None` or dropped), `rpartition`
    for `partition` (a trailing space), and the `or` → `and` of the serviceUrl check (an activity without
    a serviceUrl and a token without the claim)."""
    now = int(time.time())
    good = fake.connector_token(APP_ID)
    required = ("missing_token", "A Bot Framework bearer token is required.")
    not_for_us = ("invalid_token", "The token is not valid for this bot.")
    wrong_service = ("invalid_token", "The token was not issued for this serviceUrl.")
    cases = [
        (None, activity(fake), required),
        ("Bearer   ", activity(fake), required),
        (f"Basic {good}", activity(fake), required),
        ("Bearer not-a-jwt", activity(fake), ("invalid_token", "The token is not a JWT.")),
        (
            f"Bearer {fake.connector_token(APP_ID, kid='not-published')}",
            activity(fake),
            ("invalid_token", "The token is signed with an unknown key."),
        ),
        (
            f"Bearer {good}",
            activity(fake, channelId="webchat"),
            ("invalid_token", "The signing key is not endorsed for this channel."),
        ),
        (
            f"Bearer {fake.connector_token(APP_ID, exp=now - 600, iat=now - 4200, nbf=now - 4200)}",
            activity(fake),
            ("token_expired", "The token has expired."),
        ),
        (f"Bearer {fake.connector_token('another-bots-app-id')}", activity(fake), not_for_us),
        (
            f"Bearer {fake.connector_token(APP_ID, iss='https://sts.windows.net/someone/')}",
            activity(fake),
            not_for_us,
        ),
        (f"Bearer {fake.connector_token(APP_ID, key=new_private_key())}", activity(fake), not_for_us),
        (
            f"Bearer {fake.connector_token(APP_ID, serviceurl='https://attacker.example/')}",
            activity(fake),
            wrong_service,
        ),
        (f"Bearer {fake.connector_token(APP_ID, serviceurl=None)}", activity(fake), wrong_service),
        (
            f"Bearer {fake.connector_token(APP_ID, serviceurl=None)}",
            activity(fake, serviceUrl=None),
            wrong_service,
        ),
    ]
    for authorization, sent, expected in cases:
        assert await refusal(verifier, authorization, sent) == expected, authorization
    claims = await verifier.verify(f"Bearer {good} ", activity(fake))  # a trailing space is tolerated
    assert claims["aud"] == APP_ID and claims["serviceurl"] == fake.service_url


async def test_a_token_expired_within_the_clock_skew_is_accepted(fake, verifier):
    """Kills the `leeway` dropped from `jwt.decode` (no clock skew allowed)."""
    now = int(time.time())
    late = fake.connector_token(APP_ID, exp=now - 120, iat=now - 3720, nbf=now - 3720)
    assert (await verifier.verify(f"Bearer {late}", activity(fake)))["aud"] == APP_ID


async def test_a_rejected_token_is_logged_with_the_reason(fake, verifier, caplog):
    """Kills the mutations of the `teams token rejected` log line (its text, or the reason left out)."""
    caplog.set_level(logging.INFO, logger="assistant.channels.teams_auth")
    await refusal(verifier, f"Bearer {fake.connector_token('another-bots-app-id')}", activity(fake))
    (line,) = [r.getMessage() for r in caplog.records if "rejected" in r.getMessage()]
    assert line.startswith("teams token rejected: ") and "audience" in line.lower()


async def test_a_token_without_an_expiry_is_refused(fake, verifier):
    """Kills `"exp"` dropped from (or renamed in) the claims `jwt.decode` requires: a token without `exp`
    would be valid forever."""
    forever = fake.connector_token(APP_ID, exp=None)
    assert await refusal(verifier, f"Bearer {forever}", activity(fake)) == (
        "invalid_token",
        "The token is not valid for this bot.",
    )


async def test_only_the_algorithms_the_metadata_advertises_are_accepted(fake, verifier):
    """The fake advertises RS256 only. Kills `… or ALGORITHMS` → `and`, and a misspelt metadata key (both
    accept every RS* algorithm whatever the metadata says)."""
    rs384 = fake.connector_token(APP_ID, algorithm="RS384")
    assert await refusal(verifier, f"Bearer {rs384}", activity(fake)) == (
        "invalid_token",
        "The token is not valid for this bot.",
    )
    assert verifier._algorithms == ["RS256"]


async def test_keys_that_cannot_be_fetched_fail_closed_with_their_own_code_and_a_log_line(
    fake, tmp_path, caplog
):
    """Kills the code and message mutations of the `keys_unavailable` error in `_refresh`, and those of its
    log line (the text, the address or the cause left out)."""
    url = fake.root + "/no-such-metadata"
    verifier = teams_auth.InboundVerifier(
        make_settings(tmp_path, microsoft_app_id=APP_ID, teams_openid_url=url)
    )
    token = f"Bearer {fake.connector_token(APP_ID)}"
    with caplog.at_level(logging.ERROR, logger="assistant.channels.teams_auth"):
        assert await refusal(verifier, token, activity(fake)) == (
            "keys_unavailable",
            "The bot cannot verify tokens right now.",
        )
    (line,) = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert line.startswith(f"Bot Framework signing keys could not be fetched from {url}: ")
    assert "404" in line
    assert verifier._keys == {}


async def test_a_key_server_that_never_answers_fails_closed_within_the_http_timeout(tmp_path, monkeypatch):
    """Kills `httpx.AsyncClient(timeout=None)`: a key server that accepts and never answers would hold every
    Teams request forever."""
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setattr(teams_auth, "HTTP_TIMEOUT", httpx.Timeout(0.5))
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/metadata"
        verifier = teams_auth.InboundVerifier(
            make_settings(tmp_path, microsoft_app_id=APP_ID, teams_openid_url=url)
        )
        token = jwt.encode({"aud": APP_ID}, "a-shared-secret-of-thirty-two-bytes", headers={"kid": "k1"})
        with pytest.raises(ChannelAuthError) as caught:
            await asyncio.wait_for(verifier.verify(f"Bearer {token}", {}), timeout=10)
    assert caught.value.code == "keys_unavailable"


def test_without_pyjwt_the_verifier_names_the_teams_extra(tmp_path, monkeypatch):
    """Kills the message and code mutations of `require_jwt`'s `ConfigError`."""
    monkeypatch.setitem(sys.modules, "jwt", None)  # `import jwt` raises ImportError
    settings = make_settings(tmp_path, microsoft_app_id=APP_ID)
    with pytest.raises(ConfigError) as caught:
        teams_auth.InboundVerifier(settings)
    assert caught.value.code == "missing_extra"
    assert caught.value.message == 'Teams support is not installed: pip install "innkjopsassistent[teams]"'


def test_without_an_app_id_the_verifier_says_which_setting_is_missing(tmp_path):
    """Kills the message and code mutations of the `teams_not_configured` error in `InboundVerifier`."""
    with pytest.raises(ConfigError) as caught:
        teams_auth.InboundVerifier(make_settings(tmp_path, microsoft_app_id=None))
    assert (caught.value.code, caught.value.message) == (
        "teams_not_configured",
        "MICROSOFT_APP_ID is not set.",
    )
