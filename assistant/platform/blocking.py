"""The one thread-pool helper: blocking model and store calls run here, off the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

T = TypeVar("T")
_executor: ThreadPoolExecutor | None = None


async def run_blocking(fn: Callable[..., T], *args, **kwargs) -> T:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="blocking")
    return await asyncio.get_running_loop().run_in_executor(_executor, partial(fn, *args, **kwargs))
