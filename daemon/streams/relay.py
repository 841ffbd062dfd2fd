"""The relay: moves committed rows from a stream's outbox to its stream, one relay per stream.

It wakes when this daemon commits a write with outbox rows (an event, so an entry reaches the
stream a few milliseconds after its call returns), and every RELAY_IDLE_POLL_S besides, for rows
that another daemon or a crashed run left behind. While Redis is down it backs off and the
backlog waits in the database; it drains by itself when Redis returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from daemon.constants import RELAY_BATCH, RELAY_IDLE_POLL_S, RELAY_RETRY_FIRST_S, RELAY_RETRY_MAX_S, RELAY_VACUUM_EVERY
from daemon.storage.database import Database
from daemon.streams.stream import Stream
from daemon.web.metrics import StreamMetrics

log = logging.getLogger(__name__)


class Relay:
    def __init__(self, db: Database, stream: Stream, metrics: StreamMetrics):
        self.db = db
        self.stream = stream
        self.source = stream.source
        self.metrics = metrics
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.healthy = True
        self._removed_since_vacuum = 0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.source.name}-relay")

    async def stop(self, flush_timeout_s: float) -> None:
        """Lets the loop finish its batch and end, then drains what is left, within the bound.

        The loop is asked to stop, not cancelled: a cancel landing inside a `databases` or
        redis-py call can strand a pooled connection (and redis-py's wait_for may swallow it)."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=flush_timeout_s)
            if not done:  # stuck past the bound (a store hanging): give up on it, and on the drain
                self._task.cancel()
                self._task = None
                return
            self._task = None
        with contextlib.suppress(Exception):
            async with asyncio.timeout(flush_timeout_s):
                while await self.relay_once() == RELAY_BATCH:
                    pass

    async def relay_once(self) -> int:
        """One batch from the outbox to the stream; returns how many rows it moved."""
        entries = await self.source.pending(self.db, RELAY_BATCH)
        if entries:
            appended = await self.stream.append(entries)
            if appended < len(entries):  # after a crash or beside another relay: expected, and worth seeing
                log.info("%s relay: %d of %d entries were already in the stream", self.source.name,
                         len(entries) - appended, len(entries))
            await self.source.remove(self.db, [int(e[self.source.id_field]) for e in entries])
            self.metrics.relayed.inc(appended)
            await self._vacuum_now_and_then(len(entries))
        if len(entries) < RELAY_BATCH:  # it took every row there was: caught up
            self.metrics.backlog.set(0)
        return len(entries)

    async def _vacuum_now_and_then(self, removed: int) -> None:
        self._removed_since_vacuum += removed
        if self._removed_since_vacuum >= RELAY_VACUUM_EVERY:
            self._removed_since_vacuum = 0
            await self.source.vacuum(self.db)

    async def _run(self) -> None:
        delay = RELAY_RETRY_FIRST_S
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                moved = await self.relay_once()
                self.healthy, delay = True, RELAY_RETRY_FIRST_S
            except Exception as exc:
                if self.healthy:
                    log.warning("%s relay paused: %s; retrying", self.source.name, type(exc).__name__)
                self.healthy = False
                await self._count_backlog()
                await _wait(self._stopping, delay)  # commits do not cut a back-off short
                delay = min(delay * 2, RELAY_RETRY_MAX_S)
                continue
            if moved < RELAY_BATCH:
                await _wait(self._wake, RELAY_IDLE_POLL_S)

    async def _count_backlog(self) -> None:
        with contextlib.suppress(Exception):
            self.metrics.backlog.set(await self.source.backlog(self.db))


async def _wait(event: asyncio.Event, timeout_s: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            await event.wait()
