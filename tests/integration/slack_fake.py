"""A local fake of the Slack Web API (and of `response_url`): a real HTTP server on 127.0.0.1 that records
every call, as bolt-python's own tests do. The app's `AsyncWebClient` is pointed at it with `base_url`.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tests.fake_http import FakeServiceHandler

BOT_USER = "UBOT0001"
TEAM = "T0000001"


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.failing: dict[str, str] = {}  # method -> Slack error code to answer with
        self.socket_url: str | None = None  # what apps.connections.open hands out (Socket Mode)
        self._lock = threading.Lock()
        self._ts = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    @property
    def api_url(self) -> str:
        return self.root + "api/"

    def response_url(self, name: str) -> str:
        return f"{self.root}response/{name}"

    def start(self) -> FakeSlack:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def record(self, method: str, args: dict) -> dict:
        with self._lock:
            self.calls.append({"method": method, "args": args})
            self._ts += 1
            return {"ts": f"1700000100.{self._ts:06d}"}

    def calls_to(self, method: str) -> list[dict]:
        with self._lock:
            return [c["args"] for c in self.calls if c["method"] == method]

    def methods(self) -> list[str]:
        with self._lock:
            return [c["method"] for c in self.calls]

    def wait_for(self, method: str, count: int = 1, timeout: float = 30.0) -> list[dict]:
        """Answers come after the ack, so poll until `count` calls to `method` arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) to {method}, got {self.methods()}")


def _parse(handler: BaseHTTPRequestHandler) -> dict:
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length).decode("utf-8") if length else ""
    args: dict = {k: v[0] for k, v in parse_qs(urlparse(handler.path).query).items()}
    if raw and "json" in (handler.headers.get("Content-Type") or ""):
        args.update(json.loads(raw))
    elif raw:
        args.update({k: v[0] for k, v in parse_qs(raw).items()})
    for key in ("blocks", "prompts", "metadata"):
        if isinstance(args.get(key), str):
            args[key] = json.loads(args[key])
    return args


def _handler(fake: FakeSlack):
    class Handler(FakeServiceHandler):
        def do_GET(self) -> None:
            self.do_POST()

        def do_POST(self) -> None:
            path = urlparse(self.path).path
            args = _parse(self)
            if path.startswith("/response/"):
                fake.record("response_url", {**args, "name": path.rsplit("/", 1)[-1]})
                self.reply(200, "ok")
                return
            method = path.rsplit("/", 1)[-1]
            args["authorization"] = self.headers.get("Authorization")
            ts = fake.record(method, args)["ts"]
            if method in fake.failing:
                self.reply(200, {"ok": False, "error": fake.failing[method]})
            elif method == "auth.test":
                self.reply(
                    200,
                    {
                        "ok": True,
                        "url": "https://innkjop-test.slack.com/",
                        "team": "Test",
                        "team_id": TEAM,
                        "user": "innkjop",
                        "user_id": BOT_USER,
                        "bot_id": "BBOT0001",
                    },
                )
            elif method == "chat.postMessage":
                self.reply(200, {"ok": True, "channel": args.get("channel"), "ts": ts, "message": {"ts": ts}})
            elif method == "chat.getPermalink":
                channel, message_ts = args.get("channel"), args.get("message_ts", "")
                link = f"https://innkjop-test.slack.com/archives/{channel}/p{message_ts.replace('.', '')}"
                self.reply(200, {"ok": True, "channel": channel, "permalink": link})
            elif method == "apps.connections.open":
                self.reply(200, {"ok": True, "url": fake.socket_url})
            elif method in ("conversations.replies", "conversations.history"):
                self.reply(200, {"ok": True, "messages": []})
            else:
                self.reply(200, {"ok": True})

    return Handler
