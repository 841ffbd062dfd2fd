"""A job the daemon runs in the background every so often until it stops (the hold sweeper, the
OAuth cleanup). A failed run (a store that is down) is logged in one line and tried again at the
next turn; stopping asks the loop to end rather than cancelling it, since a cancel inside a pooled
call could strand its connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs `job` every `interval_s` seconds: first at start when `at_start`, else one interval in."""

    def __init__(self, name: str, interval_s: float, job: Callable[[], Awaitable[object]], at_start: bool = True):
        self.name, self._interval_s, self._job, self._at_start = name, interval_s, job, at_start
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=5)
            if not done:
                self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        if not self._at_start:
            await self._wait()
        while not self._stopping.is_set():
            try:
                await self._job()
            except Exception as exc:  # a store that is down: try again next time
                log.warning("%s paused: %s; retrying", self.name, type(exc).__name__)
            await self._wait()

    async def _wait(self) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._interval_s):
                await self._stopping.wait()
