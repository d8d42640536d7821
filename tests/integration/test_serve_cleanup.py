"""`assistant serve --workers N` leaves nothing behind in the temp directory.

With several workers the server gives them a fresh `assistant-metrics-*` directory for their Prometheus
counters (`PROMETHEUS_MULTIPROC_DIR`). It used to stay in /tmp after every run; now it is removed when the
server stops (SIGTERM, as systemd, Docker and the test helpers stop it), and one that a killed server left
behind is removed by the next start.
"""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.integration.scale_out_support import ASSISTANT, Process, fake_model_environment, free_port


def test_serve_with_workers_removes_its_metrics_directory_when_stopped(tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()  # its pid no longer runs, like a server killed with SIGKILL
    killed = temp / f"assistant-metrics-{finished.pid}-x1"
    running = temp / f"assistant-metrics-{os.getpid()}-x2"  # another server that is still alive
    for leftover in (killed, running):
        leftover.mkdir()
        (leftover / "counter_1.db").write_bytes(b"x")
    # TMPDIR: tempfile.mkdtemp() uses it, so the test sees exactly what this server made
    env = fake_model_environment(tmp_path / "data", TMPDIR=str(temp))
    port = free_port()
    command = [*ASSISTANT, "serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)]
    server = Process(command, env, tmp_path / "serve.log", f"http://127.0.0.1:{port}/readyz")
    try:
        server.start(timeout=120)
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30)
        assert metrics.status_code == 200 and "assistant_http_requests_total" in metrics.text
        assert not killed.exists() and running.exists()  # the killed server's directory, and only it
        in_use = [path for path in temp.glob("assistant-metrics-*") if path != running]
        assert len(in_use) == 1 and any(in_use[0].iterdir())  # the workers' counter files
    finally:
        server.stop()
    assert server.process is not None and server.process.returncode == 0  # a clean stop, not a kill
    assert list(temp.glob("assistant-metrics-*")) == [running]
