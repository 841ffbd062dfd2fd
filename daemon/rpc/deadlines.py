"""Call deadlines (DBM_CALL_TIMEOUT_S) without an event-loop timer per call.

`asyncio.timeout` arms a timer for each call and disarms it after; on uvloop each is a libuv
timer, and a profile of `ping` put that at a seventh of the daemon's time per call. A call's
deadline is not needed to the millisecond, so `Deadlines` files each call under its deadline
rounded up to a tick (1/16 of the timeout, at most a second) and keeps one timer per tick that
has calls: when it fires, it cancels every call still filed there. A call so cancelled raises
TimeoutError as it leaves `within()`, exactly as with `asyncio.timeout` (which it mirrors,
`uncancel` included), at most one tick after its timeout.
"""

from __future__ import annotations

import asyncio
import math
from types import TracebackType


class Deadlines:
    def __init__(self, timeout_s: float):
        self.timeout_s = timeout_s
        self._tick_s = min(1.0, timeout_s / 16)
        self._due: dict[int, set[_Deadline]] = {}  # tick number → calls whose deadline falls in it

    def within(self, since: float | None = None) -> _Deadline:
        """`async with deadlines.within():` — the block is cancelled, and raises TimeoutError, once it
        has run for the timeout; or, given `since` (the event loop's time the call arrived), once
        the timeout has passed since then, and at once if it already has."""
        return _Deadline(self, since)

    def _file(self, call: _Deadline, loop: asyncio.AbstractEventLoop, since: float) -> set[_Deadline]:
        tick = math.ceil((since + self.timeout_s) / self._tick_s)
        calls = self._due.get(tick)
        if calls is None:
            calls = self._due[tick] = set()
            loop.call_at(tick * self._tick_s, self._expire, tick)
        calls.add(call)
        return calls

    def _expire(self, tick: int) -> None:
        for call in self._due.pop(tick, ()):
            call.expire()


class _Deadline:
    __slots__ = ("_owner", "_since", "_task", "_filed", "_cancelling", "_expired")

    def __init__(self, owner: Deadlines, since: float | None):
        self._owner = owner
        self._since = since
        self._expired = False

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("a deadline must be used inside a task")
        loop = asyncio.get_running_loop()
        now = loop.time()
        since = now if self._since is None else self._since
        if since + self._owner.timeout_s <= now:
            raise TimeoutError  # it waited its whole time before it could start
        self._task = task
        self._cancelling = task.cancelling()
        self._filed = self._owner._file(self, loop, since)

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self._filed.discard(self)
        if self._expired and self._task.uncancel() <= self._cancelling and exc_type is asyncio.CancelledError:
            raise TimeoutError from exc

    def expire(self) -> None:
        self._expired = True
        self._task.cancel()
