"""Group commit: the question-log rows of concurrent answers written together, one transaction per batch.

Under load every answer wrote its row in a transaction of its own, and that was the largest part of a
repeated question's CPU (38 % of the server's samples, SQLAlchemy's session, flush and commit; issue 18).
One writer thread takes every row waiting while it wrote the previous batch, so an idle server adds no
waiting and a busy one pays one session and one commit for many rows. A caller returns only when its own
row is committed (or with the batch's error), so an answer a client received is always in the log, also at
shutdown; nothing is buffered that a crash could lose.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_BATCH = 64


class GroupCommit(Generic[T]):
    """`write(item)` blocks until `write_batch` has committed a batch holding the item. When a batch fails
    with an error `retry_alone` accepts (one bad row, e.g. an integrity error), each of its items is written
    on its own, so only that item's caller sees the error; any other error reaches every caller of it."""

    def __init__(
        self,
        write_batch: Callable[[list[T]], None],
        *,
        retry_alone: Callable[[Exception], bool] = lambda _exc: False,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.write_batch = write_batch
        self.retry_alone = retry_alone
        self.max_batch = max_batch
        self._pending: queue.SimpleQueue[tuple[T, Future]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def write(self, item: T) -> None:
        future: Future = Future()
        self._pending.put((item, future))
        self._ensure_thread()  # started on first use: a forked server worker gets its own thread
        future.result()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._start_lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="log-writer", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._pending.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[tuple[T, Future]]) -> None:
        try:
            self.write_batch([item for item, _ in batch])
        except Exception as exc:
            if len(batch) > 1 and self.retry_alone(exc):
                for one in batch:
                    self._commit([one])
                return
            for _, future in batch:
                future.set_exception(exc)
            return
        for _, future in batch:
            future.set_result(None)
