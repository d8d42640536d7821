"""Bot Framework authentication, both directions, for the Teams channel.

Inbound: `InboundVerifier` checks the JWT the Bot Connector sends with every activity, the way Microsoft's
"Authentication with the Bot Connector API" asks a bot that writes its own code to: signature against the
keys published through the OpenID metadata (`jwks_uri`), issuer `https://api.botframework.com`, audience
= our app id, expiry (5 minutes of clock skew), an RS* algorithm the metadata advertises, the `serviceurl`
claim equal to the activity's `serviceUrl`, and the key's endorsements containing the activity's `channelId`.
Outbound: `BotToken` gets a token from the Microsoft identity endpoint with the client-credentials flow
and caches it until shortly before it expires.

Endpoints come from settings, so tests point both at a local fake. Owns no HTTP route and no answer logic.
PyJWT is imported lazily; without it, only inbound verification fails, naming the `teams` extra.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from assistant.config import Settings
from assistant.errors import ChannelAuthError, ConfigError

log = logging.getLogger(__name__)

CONNECTOR_ISSUER = "https://api.botframework.com"
BOT_SCOPE = "https://api.botframework.com/.default"
ALGORITHMS = ["RS256", "RS384", "RS512"]
CLOCK_SKEW_SECONDS = 300
KEYS_MAX_AGE_SECONDS = 24 * 3600  # Microsoft rotates rarely; the SDK keeps keys for a day or more
UNKNOWN_KEY_REFRESH_SECONDS = 300  # a token with an unknown kid may refetch the keys at most this often
HTTP_TIMEOUT = httpx.Timeout(10.0)
INSTALL_HINT = 'Teams support is not installed: pip install "innkjopsassistent[teams]"'


def require_jwt() -> None:
    try:
        import jwt  # noqa: F401
    except ImportError as exc:
        raise ConfigError(INSTALL_HINT, code="missing_extra") from exc


@dataclass
class _SigningKey:
    key: Any
    endorsements: list[str] = field(default_factory=list)


class InboundVerifier:
    """Verifies `Authorization: Bearer <jwt>` on activities sent by the Bot Connector service."""

    def __init__(self, settings: Settings) -> None:
        require_jwt()
        if not settings.microsoft_app_id:
            raise ConfigError("MICROSOFT_APP_ID is not set.", code="teams_not_configured")
        self.app_id = settings.microsoft_app_id
        self.openid_url = settings.teams_openid_url
        self._keys: dict[str, _SigningKey] = {}
        self._algorithms = ALGORITHMS
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def verify(self, authorization: str | None, activity: dict) -> dict:
        """The token's claims, or `ChannelAuthError` (→ 401) for anything not exactly right."""
        import jwt

        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ChannelAuthError("A Bot Framework bearer token is required.", code="missing_token")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise ChannelAuthError("The token is not a JWT.", code="invalid_token") from exc
        signing_key = await self._key(header.get("kid"))
        channel_id = activity.get("channelId")
        if signing_key.endorsements and channel_id and channel_id not in signing_key.endorsements:
            raise ChannelAuthError("The signing key is not endorsed for this channel.", code="invalid_token")
        try:
            claims = jwt.decode(
                token,
                signing_key.key,
                algorithms=self._algorithms,
                audience=self.app_id,
                issuer=CONNECTOR_ISSUER,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise ChannelAuthError("The token has expired.", code="token_expired") from exc
        except jwt.InvalidTokenError as exc:
            log.info("teams token rejected: %s", exc)
            raise ChannelAuthError("The token is not valid for this bot.", code="invalid_token") from exc
        if not activity.get("serviceUrl") or claims.get("serviceurl") != activity.get("serviceUrl"):
            raise ChannelAuthError("The token was not issued for this serviceUrl.", code="invalid_token")
        return claims

    async def _key(self, kid: str | None) -> _SigningKey:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            stale = age > KEYS_MAX_AGE_SECONDS
            if stale or (kid not in self._keys and age > UNKNOWN_KEY_REFRESH_SECONDS):
                await self._refresh()
            if kid not in self._keys:
                raise ChannelAuthError("The token is signed with an unknown key.", code="invalid_token")
            return self._keys[kid]

    async def _refresh(self) -> None:
        """OpenID metadata → `jwks_uri` → keys. Fails closed: no keys, no accepted tokens."""
        import jwt

        try:
            async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
                metadata = (await http.get(self.openid_url)).raise_for_status().json()
                jwks = (await http.get(metadata["jwks_uri"])).raise_for_status().json()
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.error("Bot Framework signing keys could not be fetched from %s: %s", self.openid_url, exc)
            raise ChannelAuthError(
                "The bot cannot verify tokens right now.", code="keys_unavailable"
            ) from exc
        keys: dict[str, _SigningKey] = {}
        for jwk in jwks.get("keys", []):
            try:
                keys[jwk["kid"]] = _SigningKey(jwt.PyJWK(jwk).key, list(jwk.get("endorsements") or []))
            except (jwt.PyJWTError, KeyError, TypeError) as exc:  # PyJWK raises InvalidKeyError too
                log.warning("skipping an unusable signing key: %s", exc)
        advertised = metadata.get("id_token_signing_alg_values_supported") or ALGORITHMS
        self._algorithms = [alg for alg in ALGORITHMS if alg in advertised]
        self._keys = keys
        self._fetched_at = time.monotonic()
        log.info("Bot Framework signing keys refreshed (%d keys)", len(keys))


class BotToken:
    """The bot's own access token for calls to the Bot Connector, cached until five minutes before expiry.
    Without an app id and password (the Emulator without credentials) no token is sent."""

    def __init__(self, settings: Settings) -> None:
        self.app_id = settings.microsoft_app_id
        self.password = settings.microsoft_app_password
        self.url = token_url(settings)
        self._token: str | None = None
        self._valid_until = float("-inf")
        self._lock = asyncio.Lock()

    async def headers(self, http: httpx.AsyncClient) -> dict[str, str]:
        if not (self.app_id and self.password):
            return {}
        async with self._lock:
            if self._token is None or time.monotonic() >= self._valid_until:
                await self._fetch(http)
        return {"Authorization": f"Bearer {self._token}"}

    async def _fetch(self, http: httpx.AsyncClient) -> None:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.app_id,
            "client_secret": self.password,
            "scope": BOT_SCOPE,
        }
        response = await http.post(self.url, data=form)
        if response.status_code != 200:
            # the body may name the app but never holds the secret; keep it short in the log anyway
            log.error("bot token request failed: HTTP %s %s", response.status_code, response.text[:200])
            raise ConfigError(
                "The bot could not get a token; check the app id and password.", code="teams_token"
            )
        body = response.json()
        lifetime = float(body.get("expires_in", 3600))
        self._token = body["access_token"]
        self._valid_until = time.monotonic() + max(lifetime / 2, lifetime - 300)


def token_url(settings: Settings) -> str:
    """Single-tenant bots get their token from their own tenant instead of `botframework.com`."""
    url = settings.teams_token_url
    tenant = settings.microsoft_app_tenant_id
    if tenant and "/botframework.com/" in url:
        url = url.replace("/botframework.com/", f"/{tenant}/")
    return url
