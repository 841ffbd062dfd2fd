"""The relay: moves committed ledger rows from the outbox to the audit stream.

It wakes when this daemon commits a ledger write (an event, so an entry reaches the stream a few
milliseconds after its call returns), and every AUDIT_IDLE_POLL_S besides, for rows that another
daemon or a crashed run left behind. While Redis is down it backs off and the backlog waits in
the database; it drains by itself when Redis returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from daemon.audit import outbox
from daemon.audit.stream import AuditStream
from daemon.constants import AUDIT_BATCH, AUDIT_IDLE_POLL_S, AUDIT_RETRY_FIRST_S, AUDIT_RETRY_MAX_S, AUDIT_VACUUM_EVERY
from daemon.storage.database import Database
from daemon.web.metrics import Metrics

log = logging.getLogger(__name__)


class AuditRelay:
    def __init__(self, db: Database, stream: AuditStream, metrics: Metrics):
        self.db = db
        self.stream = stream
        self.metrics = metrics
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.healthy = True
        self._removed_since_vacuum = 0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-relay")

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
                while await self.relay_once() == AUDIT_BATCH:
                    pass

    async def relay_once(self) -> int:
        """One batch from the outbox to the stream; returns how many rows it moved."""
        entries = await outbox.pending(self.db, AUDIT_BATCH)
        if entries:
            appended = await self.stream.append(entries)
            if appended < len(entries):  # after a crash or beside another relay: expected, and worth seeing
                log.info("audit relay: %d of %d entries were already in the stream", len(entries) - appended, len(entries))
            await outbox.remove(self.db, [int(e["tx_id"]) for e in entries])
            self.metrics.audit_relayed.inc(appended)
            await self._vacuum_now_and_then(len(entries))
        if len(entries) < AUDIT_BATCH:  # it took every row there was: caught up
            self.metrics.audit_backlog.set(0)
        return len(entries)

    async def _vacuum_now_and_then(self, removed: int) -> None:
        self._removed_since_vacuum += removed
        if self._removed_since_vacuum >= AUDIT_VACUUM_EVERY:
            self._removed_since_vacuum = 0
            await outbox.vacuum(self.db)

    async def _run(self) -> None:
        delay = AUDIT_RETRY_FIRST_S
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                moved = await self.relay_once()
                self.healthy, delay = True, AUDIT_RETRY_FIRST_S
            except Exception as exc:
                if self.healthy:
                    log.warning("audit relay paused: %s; retrying", type(exc).__name__)
                self.healthy = False
                await self._count_backlog()
                await _wait(self._stopping, delay)  # commits do not cut a back-off short
                delay = min(delay * 2, AUDIT_RETRY_MAX_S)
                continue
            if moved < AUDIT_BATCH:
                await _wait(self._wake, AUDIT_IDLE_POLL_S)

    async def _count_backlog(self) -> None:
        with contextlib.suppress(Exception):
            self.metrics.audit_backlog.set(await outbox.backlog(self.db))


async def _wait(event: asyncio.Event, timeout_s: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            await event.wait()
