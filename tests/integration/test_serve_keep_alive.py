"""`assistant serve` keeps idle connections open for `keep_alive_seconds` (default 75), not uvicorn's 5 s.

With the 5-s default the server closed idle keep-alive connections at the moment clients (httpx: also 5 s;
proxies: 60 s) reused them, and a request sent on a closing connection failed (ReadError in
benchmarks/bench_http.py, 4 in 13 224 requests; docs/performance.md). A proxy's idle timeout must be the
shorter one.
"""

from __future__ import annotations

import re
import socket
import time

from tests.integration.scale_out_support import ASSISTANT, Process, fake_model_environment, free_port

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def _serve(tmp_path, **settings: str) -> tuple[Process, int]:
    port = free_port()
    command = [*ASSISTANT, "serve", "--host", "127.0.0.1", "--port", str(port)]
    env = fake_model_environment(tmp_path / "data", **settings)
    server = Process(command, env, tmp_path / "serve.log", f"http://127.0.0.1:{port}/readyz")
    server.start(timeout=120)
    return server, port


def _response(sock: socket.socket) -> bytes:
    """One whole response (headers and a Content-Length body may arrive in separate segments); b"" if the
    server closed the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"content-length: *(\d+)", head, re.IGNORECASE).group(1))
    while len(body) < length:
        body += sock.recv(65536)
    return head


def _open_after_idle(port: int, seconds: float) -> bool:
    """One request on a keep-alive connection, then idle: does the server still answer on it?"""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(REQUEST)
        assert _response(sock).startswith(b"HTTP/1.1 200")
        time.sleep(seconds)
        try:
            sock.sendall(REQUEST)
            return _response(sock).startswith(b"HTTP/1.1 200")
        except OSError:
            return False


def test_idle_connection_outlives_uvicorns_five_second_default(tmp_path):
    server, port = _serve(tmp_path)
    try:
        assert _open_after_idle(port, 6.5)
    finally:
        server.stop()


def test_keep_alive_is_a_setting(tmp_path):
    server, port = _serve(tmp_path, ASSISTANT_KEEP_ALIVE_SECONDS="1")
    try:
        assert not _open_after_idle(port, 2.5)  # closed by the server: the setting reached uvicorn
    finally:
        server.stop()
