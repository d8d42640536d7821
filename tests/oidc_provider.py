"""A small OpenID provider for the staff sign-in tests, served by uvicorn on 127.0.0.1.

It does what Entra ID and ID-porten do for a confidential web client, and checks what they check:
discovery, JWKS, the authorization endpoint (response type `code`, a registered redirect URI, `openid` in the
scope, state, nonce and an S256 PKCE challenge are required), the token endpoint (client secret by HTTP Basic,
one use per code, redirect URI and PKCE verifier checked) and RP-initiated logout. The sign-in page is a form
with one button per test person. ID tokens are RS256 JWTs signed with PyJWT (not the Authlib/joserfc code
the app verifies with) by a key pair made when the provider starts; `rotate()` replaces it.

`tweak` changes the ID tokens it issues the way a misbehaving or hostile provider would (another issuer,
audience or nonce, an expired token; `sign_with`: "foreign" for a forged signature under the current key id,
or a retired `SigningKey`), so each refusal can be tested.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

CLIENT_ID = "innkjop-staff-test"
CLIENT_SECRET = "test-client-secret-0123456789"
TOKEN_SECONDS = 300  # lifetime of an ID token, as Entra ID and ID-porten give (minutes, not hours)


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def new(cls) -> SigningKey:
        return cls(secrets.token_hex(8), rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def jwk(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}


@dataclass
class Person:
    """Someone who can sign in at the provider, with the claims it puts in their ID token."""

    sub: str
    name: str
    groups: list[str] = field(default_factory=list)


@dataclass
class Provider:
    people: dict[str, Person]
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_uris: list[str] = field(default_factory=list)
    logout_supported: bool = True
    issuer: str = ""  # set by `serve_provider` once the port is known
    keys: list[SigningKey] = field(default_factory=lambda: [SigningKey.new()])
    tweak: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: int = 0
    jwks_fetches: int = 0
    logouts: list[dict[str, str]] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)

    def rotate(self, *, keep_old: bool = False) -> None:
        """Sign with a new key from now on; the old one leaves the JWKS unless `keep_old`."""
        self.keys = [SigningKey.new(), *(self.keys if keep_old else [])]

    # ---- endpoints ------------------------------------------------------------------------------------

    async def discovery(self, _: Request) -> JSONResponse:
        metadata = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile", "email"],
        }
        if self.logout_supported:
            metadata["end_session_endpoint"] = f"{self.issuer}/logout"
        return JSONResponse(metadata)

    async def jwks(self, _: Request) -> JSONResponse:
        self.jwks_fetches += 1
        return JSONResponse({"keys": [key.jwk() for key in self.keys]})

    async def authorize_form(self, request: Request):
        query = dict(request.query_params)
        self.authorize_requests.append(query)
        problem = self._authorize_problem(query)
        if problem:
            return PlainTextResponse(problem, status_code=400)
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        buttons = "".join(
            f'<button type="submit" name="person" value="{html.escape(login)}">{html.escape(p.name)}</button>'
            for login, p in self.people.items()
        )
        return HTMLResponse(
            f"<!doctype html><title>Test provider</title><h1>Sign in</h1><form method=post>{hidden}{buttons}"
            '<button type="submit" name="person" value="-cancel">Cancel</button></form>'
        )

    def _authorize_problem(self, query: dict[str, str]) -> str | None:
        if query.get("client_id") != CLIENT_ID:
            return "unknown client_id"
        if query.get("redirect_uri") not in self.redirect_uris:
            return "redirect_uri is not registered"
        if query.get("response_type") != "code":
            return "only response_type=code"
        if "openid" not in query.get("scope", "").split():
            return "scope must include openid"
        if not query.get("state") or not query.get("nonce"):
            return "state and nonce are required"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return "PKCE with S256 is required"
        return None

    async def authorize(self, request: Request) -> RedirectResponse | PlainTextResponse:
        form = dict(await request.form())
        problem = self._authorize_problem(form)
        if problem:
            return PlainTextResponse(problem, status_code=400)
        target = form["redirect_uri"]
        if form.get("person") == "-cancel":
            query = urlencode({"error": "access_denied", "state": form["state"]})
            return RedirectResponse(f"{target}?{query}", status_code=302)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {**form, "used": False}
        return RedirectResponse(f"{target}?{urlencode({'code': code, 'state': form['state']})}", 302)

    async def token(self, request: Request) -> JSONResponse:
        self.token_requests += 1
        form = dict(await request.form())
        if not self._client_authenticated(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.get(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or grant is None or grant["used"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        grant["used"] = True
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "redirect_uri"}, 400)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not verifier or challenge != grant["code_challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE verifier"}, 400)
        id_token = self.id_token(self.people[grant["person"]], nonce=grant["nonce"])
        self.issued.append(id_token)
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        )

    def _client_authenticated(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            client, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        else:
            client, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client == CLIENT_ID and secrets.compare_digest(secret, CLIENT_SECRET)

    def id_token(self, person: Person, *, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": person.sub,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + TOKEN_SECONDS,
            "nonce": nonce,
            "name": person.name,
            "groups": person.groups,
        }
        tweak = dict(self.tweak)
        sign_with = tweak.pop("sign_with", None)
        claims.update(tweak)
        claims = {k: v for k, v in claims.items() if v is not None}  # a tweak of None drops the claim
        key = self.keys[0]
        if isinstance(sign_with, SigningKey):  # a key of the provider's choosing, e.g. one it retired
            key = sign_with
        elif sign_with == "foreign":  # another key under the current key's id: a forged signature
            key = SigningKey(key.kid, SigningKey.new().private)
        return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})

    async def logout(self, request: Request) -> RedirectResponse | PlainTextResponse:
        query = dict(request.query_params)
        self.logouts.append(query)
        if query.get("id_token_hint") not in self.issued:
            return PlainTextResponse("unknown id_token_hint", status_code=400)
        target = query.get("post_logout_redirect_uri")
        if not target:
            return PlainTextResponse("signed out at the provider")
        if target not in self.post_logout_uris:
            return PlainTextResponse("post_logout_redirect_uri is not registered", status_code=400)
        suffix = f"?{urlencode({'state': query['state']})}" if query.get("state") else ""
        return RedirectResponse(f"{target}{suffix}", status_code=302)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize_form, methods=["GET"]),
                Route("/authorize", self.authorize, methods=["POST"]),
                Route("/token", self.token, methods=["POST"]),
                Route("/logout", self.logout),
            ]
        )
