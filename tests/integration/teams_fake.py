"""A local fake of the Microsoft side of a Bot Framework bot, as one real HTTP server on 127.0.0.1:

- the OpenID metadata document and its JWKS (with endorsements), serving the public half of an RSA key pair
  generated here, so tests can mint Bot Connector tokens the app must accept or reject;
- the identity endpoint's client-credentials token request;
- the Bot Connector's conversation API (`/v3/conversations/...`), recording every activity the bot sends.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fake_http import FakeServiceHandler

ISSUER = "https://api.botframework.com"
KID = "test-key-1"


def new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeBotFramework:
    def __init__(self, endorsements: tuple[str, ...] = ("msteams", "emulator")) -> None:
        self.private_key = new_private_key()
        self.kid = KID  # the published key's id; a test rotates it with the key
        self.endorsements = list(endorsements)
        self.activities: list[dict] = []  # {"path", "conversation_id", "reply_to", "authorization", "body"}
        self.token_requests: list[dict] = []
        self.key_fetches = 0
        self._lock = threading.Lock()
        self._issued = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def service_url(self) -> str:
        """What activities carry as `serviceUrl` (Teams' look like `https://smba.trafficmanager.net/emea/`)."""
        return self.root + "/connector/"

    @property
    def openid_url(self) -> str:
        return self.root + "/v1/.well-known/openidconfiguration"

    @property
    def token_url(self) -> str:
        return self.root + "/botframework.com/oauth2/v2.0/token"

    def start(self) -> FakeBotFramework:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ---- tokens the "Bot Connector" sends to the bot --------------------------------------------------

    def connector_token(
        self, audience: str, *, key=None, kid: str | None = None, algorithm: str = "RS256", **overrides
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": audience,
            "serviceurl": self.service_url,
            "nbf": now - 5,
            "iat": now - 5,
            "exp": now + 3600,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        key = key or self.private_key
        return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid or self.kid})

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256", "endorsements": self.endorsements})
        return {"keys": [jwk]}

    # ---- what the bot sent -----------------------------------------------------------------------------

    def record_activity(self, path: str, headers, body: dict) -> dict:
        parts = path.split("/")  # /connector/v3/conversations/{id}/activities[/{activity_id}]
        with self._lock:
            self.activities.append(
                {
                    "path": path,
                    "conversation_id": unquote(parts[4]),
                    "reply_to": unquote(parts[6]) if len(parts) > 6 else None,
                    "authorization": headers.get("Authorization"),
                    "body": body,
                }
            )
            return {"id": f"bot-activity-{len(self.activities)}"}

    def issue_token(self, form: dict) -> dict:
        with self._lock:
            self.token_requests.append(form)
            self._issued += 1
            return {"token_type": "Bearer", "expires_in": 3599, "access_token": f"bot-token-{self._issued}"}

    def sent(self, kind: str | None = None) -> list[dict]:
        with self._lock:
            return [a for a in self.activities if kind is None or a["body"].get("type") == kind]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 30.0) -> list[dict]:
        """Activities are handled after the 202, so poll until `count` of `kind` arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent(kind)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} {kind!r} activities, got {self.sent()}")


def _handler(fake: FakeBotFramework):
    class Handler(FakeServiceHandler):
        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            path = urlparse(self.path).path
            if path == urlparse(fake.openid_url).path:
                metadata = {
                    "issuer": ISSUER,
                    "jwks_uri": fake.root + "/v1/.well-known/keys",
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
                self.reply(200, metadata)
            elif path == "/v1/.well-known/keys":
                with fake._lock:
                    fake.key_fetches += 1
                self.reply(200, fake.jwks())
            else:
                self.reply(404, {"error": "not found"})

        def do_POST(self) -> None:
            path = urlparse(self.path).path
            if path == urlparse(fake.token_url).path:
                form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
                self.reply(200, fake.issue_token(form))
            elif path.startswith("/connector/v3/conversations/"):
                self.reply(200, fake.record_activity(path, self.headers, json.loads(self._body())))
            else:
                self.reply(404, {"error": "not found"})

    return Handler
