"""Base for the local fake services the tests start on 127.0.0.1 (Slack Web API, Bot Framework, OpenAI)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler


class FakeServiceHandler(BaseHTTPRequestHandler):
    """Replies with JSON (a dict) or plain text (a str) and keeps test output free of request logs."""

    def reply(self, status: int, body: dict | str) -> None:
        data = (json.dumps(body) if isinstance(body, dict) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass
