"""`--follow`: a reader that outlives its Redis, and stops cleanly on SIGINT or SIGTERM.

A daemon restart takes its embedded Redis away, and an outside Redis restarts now and then; a
follower is expected to carry on. Each connection is fresh: the client is made again (so the
embedded Redis of the daemon now running is found anew) and the reader resumes from where it
was (see `Reader.read`). Until the first connection has answered, failing is the right answer:
a follower pointed at nothing says so and exits 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from daemon.constants import RELAY_RETRY_FIRST_S, RELAY_RETRY_MAX_S
from daemon.errors import StartupError
from daemon.streams.stream import Stream

log = logging.getLogger(__name__)

# what a Redis going away looks like: a closed or refused socket, a read that timed out, a
# server still loading its data (BusyLoadingError is a ConnectionError)
LOST = (RedisConnectionError, RedisTimeoutError)


class Reader(Protocol):
    async def read(self, stream: Stream, follow: bool) -> None:
        """Reads from its position on, which it keeps across calls; returns only when not following."""


def unreachable(exc: BaseException) -> StartupError:
    """The one line a reader ends with when Redis fails it (without --follow, or from the start)."""
    return StartupError(f"Redis is unreachable ({type(exc).__name__})")


async def follow(connect: Callable[[], AbstractAsyncContextManager[Stream]], reader: Reader) -> None:
    """Runs the reader until SIGINT or SIGTERM, reconnecting after each lost connection."""
    async with _stop_on_signals() as stop:
        await _until(stop, _reconnecting(connect, reader))


async def _reconnecting(connect: Callable[[], AbstractAsyncContextManager[Stream]], reader: Reader) -> None:
    delay, answered, away = RELAY_RETRY_FIRST_S, False, False
    while True:
        try:
            async with connect() as stream:
                await stream.redis.ping()
                if away:
                    log.info("reconnected to Redis; carrying on")
                answered, away, delay = True, False, RELAY_RETRY_FIRST_S
                await reader.read(stream, follow=True)
        except (*LOST, StartupError) as exc:  # StartupError: no daemon runs the embedded Redis (yet)
            if not answered and isinstance(exc, StartupError):
                raise
            if not answered:
                raise unreachable(exc) from None
            if not away:
                log.warning("lost the connection to Redis (%s); reconnecting", type(exc).__name__)
            away = True
        await asyncio.sleep(_jittered(delay))
        delay = min(delay * 2, RELAY_RETRY_MAX_S)


def _jittered(delay_s: float) -> float:
    """Half the delay fixed, half random: followers that lost one Redis together do not all
    knock at once when it returns."""
    return delay_s / 2 + random.uniform(0, delay_s / 2)


@contextlib.asynccontextmanager
async def _stop_on_signals() -> AsyncIterator[asyncio.Event]:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield stop
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _until(stop: asyncio.Event, work: Awaitable[None]) -> None:
    """Runs the work until it ends (its exception raised) or `stop` is set (then it is cancelled).
    Cancelled until it is done: redis-py's asyncio.wait_for can swallow one cancellation on 3.11."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    if not task.cancelled():
        task.result()
