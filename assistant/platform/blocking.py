"""The one thread-pool helper: blocking model and store calls run here, off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

T = TypeVar("T")
_executor: ThreadPoolExecutor | None = None
# Most of these threads wait, not compute: on the QueryBatcher's result, the database, the store. A question
# holds its thread while its query embedding waits for the next batch, so the pool bounds the batch size:
# with 4 threads a batch never held more than 4 questions (issue 18), far from the 32 the batcher takes.
MAX_THREADS = 64


async def run_blocking(fn: Callable[..., T], *args, **kwargs) -> T:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=MAX_THREADS, thread_name_prefix="blocking")
    return await asyncio.get_running_loop().run_in_executor(_executor, partial(fn, *args, **kwargs))
