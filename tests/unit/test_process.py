"""`limit_malloc_arenas` really caps glibc's arenas: threads made afterwards share them."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)

# Six threads allocate while all are alive (an exited thread's arena would be reused), then glibc's own
# report (malloc_info) is read back and its heaps (arenas) counted.
COUNT_ARENAS = """
import ctypes, sys, tempfile, threading
from assistant.platform.process import limit_malloc_arenas

limit_malloc_arenas(int(sys.argv[1]))
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.fopen.restype = ctypes.c_void_p
barrier = threading.Barrier(7)

def allocate():
    libc.malloc(4096)
    barrier.wait()
    barrier.wait()

threads = [threading.Thread(target=allocate) for _ in range(6)]
for thread in threads:
    thread.start()
barrier.wait()
with tempfile.NamedTemporaryFile(suffix=".xml") as report:
    stream = libc.fopen(report.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    print(open(report.name).read().count("<heap nr="))
barrier.wait()
"""


def arenas_with(limit: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", COUNT_ARENAS, str(limit)], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_two_arenas_are_shared_by_many_threads():
    assert arenas_with(2) <= 2


def test_zero_keeps_glibcs_default_of_an_arena_per_thread():
    assert arenas_with(0) > 2  # what the cap is for: without it the six threads spread over more arenas
