"""Group commit for the alarm intake: the notifications that arrive together are written in one
store transaction, and each request is answered once the transaction holding it has committed.

Why: under a storm every acknowledgement used to take two trips through asyncio's default thread pool
(the write, then a read of the incident for the answer) and a transaction of its own; the threads
queued on the store's one lock and the event loop paid for every hop. Here one writer thread owns the
intake's writes: it takes whatever is waiting (up to the store's `group_commit_limit`), runs each
intake -- correlation, dedupe and backpressure exactly as one at a time, in arrival order, each in a
savepoint of its own -- commits once, and hands every caller its result in one call back into its
event loop. Nothing is acknowledged before its commit: a failed commit fails every intake in the batch.

PostgreSQL stores set `group_commit_limit` to 1: replicas take per-key advisory locks, and holding
several keys until one commit could deadlock two replicas batching the same keys in another order."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
_STOP = object()


class _Pending:
    __slots__ = ("work", "loop", "future", "result", "error")

    def __init__(self, work: Callable[[], Any], loop: asyncio.AbstractEventLoop, future: asyncio.Future) -> None:
        self.work, self.loop, self.future = work, loop, future
        self.result: Any = None
        self.error: BaseException | None = None


class GroupCommit:
    """`await submit(work)`: run `work()` (store writes and reads) in the writer thread, inside a batch
    transaction; its return value once the batch has committed, or its exception."""

    def __init__(self, store: Any, name: str = "intake-writer") -> None:
        self.store = store
        self.limit = max(1, int(getattr(store, "group_commit_limit", 1)))
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._name = name
        self.batches = 0  # commits so far, and the intakes they held: the batching this load produced
        self.intakes = 0

    async def submit(self, work: Callable[[], Any]) -> Any:
        loop = asyncio.get_running_loop()
        pending = _Pending(work, loop, loop.create_future())
        self._ensure_started()
        self._queue.put(pending)
        return await pending.future

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:  # daemon: a service used without its lifespan (tests) never hangs exit
                    self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                    self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Finish what was submitted, then end the thread."""
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout_s)
            self._thread = None

    # --- the writer thread -----------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch, stop = [first], False
            while len(batch) < self.limit:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            with self.store.atomic():
                for pending in batch:
                    try:
                        with self.store.atomic():  # a savepoint: all of this intake, or none of it
                            pending.result = pending.work()
                    except Exception as exc:  # its savepoint is undone; the others go on
                        pending.error = exc
        except BaseException as exc:  # the commit failed: none of the batch is durable, none acknowledged
            log.error("group commit of %d notifications failed: %s: %s", len(batch), type(exc).__name__, exc)
            for pending in batch:
                pending.error, pending.result = exc, None
        self.batches += 1
        self.intakes += len(batch)
        by_loop: dict[asyncio.AbstractEventLoop, list[_Pending]] = {}
        for pending in batch:
            by_loop.setdefault(pending.loop, []).append(pending)
        for loop, answered in by_loop.items():  # one wake-up per event loop, not one per request
            try:
                loop.call_soon_threadsafe(_settle, answered)
            except RuntimeError:  # that loop is closed: its callers are gone
                pass


def _settle(answered: list[_Pending]) -> None:
    for pending in answered:
        if pending.future.done():  # the caller went away (cancelled)
            continue
        if pending.error is not None:
            pending.future.set_exception(pending.error)
        else:
            pending.future.set_result(pending.result)


__all__ = ["GroupCommit"]
