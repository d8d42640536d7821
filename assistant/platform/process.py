"""Process-wide tuning for long-running servers (`assistant serve`, its workers, `assistant slack`); called
by those entry points, never at import time.

glibc gives every thread that allocates its own malloc arena, up to eight per core. A server with ~60
threads (uvicorn, the thread pool, torch, Chroma) then keeps freed memory on many arenas' free lists, and RSS
creeps up under steady load although nothing leaks: a 10-minute soak traced Python memory flat, malloc's
in-use bytes flat and only its free bytes growing (docs/reliability.md, section 6). Capping the arenas makes
threads share them, so freed memory is reused instead of retained.
"""

from __future__ import annotations

import ctypes
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas(arenas: int) -> bool:
    """Cap glibc's malloc arenas for the rest of this process (threads made later share them). 0 keeps
    glibc's default. Returns whether the cap was set; other C libraries have no such knob and are left."""
    if arenas <= 0:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    if mallopt(M_ARENA_MAX, arenas) != 1:
        log.debug("mallopt(M_ARENA_MAX) refused")
        return False
    return True
