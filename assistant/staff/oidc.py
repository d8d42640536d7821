"""Staff sign-in with an OpenID Connect provider (Microsoft Entra ID, ID-porten, any OIDC provider).

The flow is the authorization code flow with PKCE, state and nonce; every OAuth and JOSE step is Authlib's:
1. `OidcClient.start` loads the provider's discovery document (once per process; its `issuer` must be the
   configured one, as OpenID Connect Discovery requires) and makes state, nonce, PKCE verifier and the
   authorization URL. `save_pending` keeps them in `staff_sign_ins` for SIGN_IN_MINUTES, for one use only;
   the caller also puts the state in a cookie, so a callback is only accepted in the browser that started it.
2. `take_pending` removes that row again when the provider sends the browser back (a replayed or unknown
   state finds nothing); `OidcClient.finish` redeems the code at the token endpoint (client secret, PKCE
   verifier) and checks the ID token: signature against the provider's JWKS (fetched once more when a token
   names a key id the cached set lacks — key rotation), issuer, audience, expiry, nonce and `azp`.
3. `access_for` maps the values of the configured claims (Entra ID's `groups` or `roles`, ID-porten's `sub`)
   to our role and region through `staff_oidc_access`.

Every refusal is a `SignInRefused` with a code the staff app shows in bokmål. Owns no route and no session:
`assistant.staff.routes` drives it and `assistant.staff.auth` keeps users and sessions.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from authlib.integrations.starlette_client import OAuth, OAuthError
from joserfc.errors import JoseError
from sqlalchemy import delete

from assistant.errors import AssistantError, ConfigError
from assistant.regions import region_id
from assistant.staff.records import StaffSignInRow

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.platform.db import Database
    from assistant.regions import Regions

log = logging.getLogger(__name__)

# How long a person may stay at the provider's sign-in page (password, MFA prompt) before the started
# sign-in is void: Entra ID's and ID-porten's own sign-in pages time out well within this.
SIGN_IN_MINUTES = 10
# Clock difference between us and the provider that `exp`, `iat` and `nbf` tolerate; a minute is what
# common OIDC libraries use (Authlib's own default of two minutes is looser than needed).
CLOCK_LEEWAY_SECONDS = 60
# Seconds an HTTP call to the provider (discovery, JWKS, token) may take before the sign-in is refused as
# "provider unavailable"; the token call is one round trip, a person is waiting on it.
PROVIDER_TIMEOUT_SECONDS = 10.0

try:  # Authlib's HTTP client is httpx2 where that is installed, else httpx: a provider's failure is either
    import httpx2

    PROVIDER_HTTP_ERRORS: tuple[type[Exception], ...] = (httpx.HTTPError, httpx2.HTTPError)
except ImportError:  # pragma: no cover - depends on what else is installed
    PROVIDER_HTTP_ERRORS = (httpx.HTTPError,)


class SignInRefused(AssistantError):
    """A sign-in that cannot go on; `code` names the bokmål text, `status` the HTTP status."""

    code = "sign_in_refused"

    def __init__(self, code: str, status: int, detail: str = "", **fields: str) -> None:
        super().__init__(detail or code, code=code)
        self.status = status
        self.fields = fields  # shown on the refusal page (the person's name and subject for "no access")


@dataclass(frozen=True)
class Access:
    role: str  # "admin" | "staff"
    region: str | None  # a staff user's region; None for an admin (every region)


@dataclass(frozen=True)
class Identity:
    """The person the provider vouched for, and what they may do here (None: nothing)."""

    issuer: str
    subject: str
    name: str
    access: Access | None


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str


# ---- the claim → role/region table ---------------------------------------------------------------------


def parse_access(mapping: Mapping[str, str], regions: Regions | None = None) -> dict[str, Access]:
    """`staff_oidc_access` as a table: claim value → "admin" or "staff:<region id>" (ConfigError otherwise,
    also for a region the regions file does not know)."""
    table: dict[str, Access] = {}
    for value, grant in mapping.items():
        role, _, region = str(grant).strip().partition(":")
        region = region_id(region)
        if role == "admin" and not region:
            table[value] = Access("admin", None)
        elif role == "staff" and region and (regions is None or region in regions):
            table[value] = Access("staff", region)
        else:
            raise ConfigError(
                f"staff_oidc_access[{value!r}] is {grant!r}: it must be 'admin' or 'staff:<region id>' "
                "with a region from the regions file.",
                code="invalid_staff_oidc_access",
            )
    return table


def claim_values(claims: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """The string values of the named claims (a claim may hold one string or a list of them)."""
    values: list[str] = []
    for name in names:
        value = claims.get(name)
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, list):
            values += [v for v in value if isinstance(v, str)]
    return values


def access_for(values: Iterable[str], table: Mapping[str, Access]) -> Access | None:
    """The access the mapped values grant: admin if any value maps to admin, else the one region they
    name. None when nothing maps; SignInRefused when they name several regions (a staff user has one)."""
    granted = [table[v] for v in values if v in table]
    if any(a.role == "admin" for a in granted):
        return Access("admin", None)
    regions = sorted({a.region for a in granted if a.region})
    if len(regions) > 1:
        raise SignInRefused("several_regions", 403, regions=", ".join(regions))
    return Access("staff", regions[0]) if regions else None


def display_name(claims: Mapping[str, Any]) -> str:
    """The person's name for the staff pages: `name`, else the login name or e-mail, else the start of the
    subject (ID-porten sends no name)."""
    for key in ("name", "preferred_username", "email"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return f"{str(claims.get('sub', ''))[:12]}…"


# ---- pending sign-ins (one use each) -------------------------------------------------------------------


def _digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def save_pending(db: Database, pending: PendingSignIn) -> None:
    now = datetime.now(UTC)
    with db.session() as s, s.begin():
        s.execute(delete(StaffSignInRow).where(StaffSignInRow.expires_at < now))
        s.add(
            StaffSignInRow(
                state_hash=_digest(pending.state),
                nonce=pending.nonce,
                code_verifier=pending.code_verifier,
                redirect_uri=pending.redirect_uri,
                next_path=pending.next_path,
                expires_at=now + timedelta(minutes=SIGN_IN_MINUTES),
            )
        )


def take_pending(db: Database, state: str) -> PendingSignIn | None:
    """The sign-in started with `state`, removed so it cannot be used twice; None if unknown or expired."""
    with db.session() as s, s.begin():
        row = s.get(StaffSignInRow, _digest(state))
        if row is None:
            return None
        s.delete(row)
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        if expires < datetime.now(UTC):
            return None
        return PendingSignIn(state, row.nonce, row.code_verifier, row.redirect_uri, row.next_path)


# ---- the provider --------------------------------------------------------------------------------------


class OidcClient:
    """One provider, as configured in settings; one per process (it caches discovery and JWKS)."""

    def __init__(self, settings: Settings, regions: Regions | None = None) -> None:
        if not settings.staff_oidc_issuer or not settings.staff_oidc_client_id:
            raise ConfigError("staff_oidc_issuer and staff_oidc_client_id are both needed for staff sign-in.")
        self.issuer = settings.staff_oidc_issuer
        self.client_id = settings.staff_oidc_client_id
        self.claims = list(settings.staff_oidc_role_claims)
        self.table = parse_access(settings.staff_oidc_access, regions)
        self.app = OAuth().register(
            name="staff",
            client_id=self.client_id,
            client_secret=settings.staff_oidc_client_secret,
            server_metadata_url=f"{self.issuer.rstrip('/')}/.well-known/openid-configuration",
            client_kwargs={
                "scope": " ".join(settings.staff_oidc_scopes),
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": settings.staff_oidc_token_auth,
                "timeout": PROVIDER_TIMEOUT_SECONDS,
            },
        )

    async def _metadata(self) -> dict[str, Any]:
        try:
            metadata = await self.app.load_server_metadata()
        except (*PROVIDER_HTTP_ERRORS, ValueError) as exc:
            log.warning("OIDC discovery failed", extra={"issuer": self.issuer, "error": type(exc).__name__})
            raise SignInRefused("provider_unavailable", 502) from exc
        if metadata.get("issuer") != self.issuer:
            self.app.server_metadata.clear()  # read it again next time: the setting may be fixed by then
            log.error("OIDC discovery names another issuer", extra={"issuer": metadata.get("issuer")})
            raise SignInRefused("provider_misconfigured", 502)
        return metadata

    async def start(self, redirect_uri: str, next_path: str) -> tuple[str, PendingSignIn]:
        """The provider's authorization URL and what the callback needs to finish the sign-in."""
        await self._metadata()
        made = await self.app.create_authorization_url(redirect_uri)
        pending = PendingSignIn(made["state"], made["nonce"], made["code_verifier"], redirect_uri, next_path)
        return made["url"], pending

    async def finish(self, pending: PendingSignIn, code: str) -> tuple[Identity, str]:
        """(who signed in, their ID token) for the code the provider sent back with `pending`'s state."""
        await self._metadata()
        try:
            token = await self.app.fetch_access_token(
                redirect_uri=pending.redirect_uri, code=code, code_verifier=pending.code_verifier
            )
        except OAuthError as exc:  # the token endpoint said no (used code, wrong verifier, …)
            log.warning("OIDC token request refused", extra={"error": exc.error})
            raise SignInRefused("token_refused", 401) from exc
        except (*PROVIDER_HTTP_ERRORS, ValueError) as exc:
            raise SignInRefused("provider_unavailable", 502) from exc
        if "id_token" not in token:
            raise SignInRefused("token_rejected", 401, "the token response has no id_token")
        claims = await self._verified_claims(token, pending.nonce)
        access = access_for(claim_values(claims, self.claims), self.table)
        identity = Identity(self.issuer, str(claims["sub"]), display_name(claims), access)
        return identity, token["id_token"]

    async def _verified_claims(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        # Authlib checks `aud` only when told to: without this option a token for another client whose
        # `azp` names us would pass.
        options = {
            "iss": {"essential": True, "value": self.issuer},
            "aud": {"essential": True, "value": self.client_id},
            "sub": {"essential": True},
        }
        try:
            claims = await self.app.parse_id_token(
                token, nonce=nonce, claims_options=options, leeway=CLOCK_LEEWAY_SECONDS
            )
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            # The reason (claim name, "bad signature") is logged, never the token itself.
            log.warning("ID token rejected", extra={"reason": f"{type(exc).__name__}: {exc}"[:200]})
            raise SignInRefused("token_rejected", 401) from exc
        except PROVIDER_HTTP_ERRORS as exc:  # the JWKS could not be fetched
            raise SignInRefused("provider_unavailable", 502) from exc
        return dict(claims)

    async def logout_url(self, id_token: str, post_logout_redirect_uri: str) -> str | None:
        """Where to send the browser to end the provider's session too (None: the provider has no
        `end_session_endpoint`, or cannot be reached; our own session is ended either way)."""
        try:
            metadata = await self._metadata()
        except SignInRefused:
            return None
        if not metadata.get("end_session_endpoint"):
            return None
        made = await self.app.create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri,
            id_token_hint=id_token,
            client_id=self.client_id,
        )
        return made["url"]
