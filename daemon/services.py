"""The daemon's long-lived parts, started and stopped in order: database, Redis, audit relay."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import Awaitable, Callable

import redis.asyncio as aioredis

from daemon.audit.relay import AuditRelay
from daemon.audit.stream import AuditStream
from daemon.auth import Tokens
from daemon.constants import HEALTH_CHECK_TIMEOUT_S, SHUTDOWN_GRACE_S
from daemon.errors import StartupError
from daemon.methods.spend_batcher import SpendBatcher
from daemon.rpc.deadlines import Deadlines
from daemon.settings import Settings
from daemon.storage import redis as redis_store
from daemon.storage.database import Database
from daemon.storage.migrations import migrate
from daemon.web.metrics import Metrics

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Services:
    settings: Settings
    db: Database
    redis: aioredis.Redis
    stream: AuditStream
    relay: AuditRelay
    metrics: Metrics
    tokens: Tokens | None
    call_slots: asyncio.Semaphore
    deadlines: Deadlines  # DBM_CALL_TIMEOUT_S for each call
    embedded: redis_store.EmbeddedRedis | None = None
    spends: SpendBatcher | None = None  # PostgreSQL only: spends by group commit

    @classmethod
    async def start(cls, settings: Settings, *, run_relay: bool = True) -> "Services":
        tokens = Tokens.load(settings.auth_tokens_file) if settings.auth_tokens_file else None
        metrics = Metrics()
        db = Database(settings.database_url, settings.pool_size)
        await _retry("database", settings.start_timeout_s, db.connect, db.ping)
        await migrate(db)
        redis, embedded = await redis_store.open_redis(settings.redis_url, settings.state_dir)
        await _retry("redis", settings.start_timeout_s, redis.ping)
        stream = AuditStream(redis, settings.audit_stream)
        relay = AuditRelay(db, stream, metrics)
        metrics.track_pool(lambda: db.in_use, settings.pool_size)
        spends = SpendBatcher(db, relay.wake) if db.kind == "postgresql" else None
        services = cls(settings, db, redis, stream, relay, metrics, tokens, asyncio.Semaphore(settings.max_concurrent_calls),
                       Deadlines(settings.call_timeout_s), embedded, spends)
        if run_relay:
            relay.start()
        return services

    def audit_committed(self) -> None:
        self.relay.wake()

    async def health(self) -> dict[str, str]:
        db_ok, redis_ok = await asyncio.gather(_bounded(self.db.ping), _bounded(self.redis.ping))
        return {"database": "ok" if db_ok else "unavailable", "redis": "ok" if redis_ok else "unavailable"}

    async def stop(self) -> None:
        await self.relay.stop(flush_timeout_s=SHUTDOWN_GRACE_S / 2)
        await self.redis.aclose()
        if self.embedded is not None:
            await self.embedded.stop()
        await self.db.disconnect()


async def _bounded(check: Callable[[], Awaitable[object]]) -> bool:
    try:
        async with asyncio.timeout(HEALTH_CHECK_TIMEOUT_S):
            await check()
        return True
    except Exception:
        return False


async def _retry(store: str, timeout_s: float, *steps: Callable[[], Awaitable[object]]) -> None:
    """Runs the steps until they all succeed, with backoff, for at most timeout_s: a daemon must
    not die because its store came up a second later."""
    loop = asyncio.get_running_loop()
    deadline, delay, attempt = loop.time() + timeout_s, 0.2, 1
    while True:
        try:
            for step in steps:
                await step()
            return
        except Exception as exc:
            if loop.time() + delay > deadline:
                raise StartupError(f"the {store} did not answer within {timeout_s:g} s ({type(exc).__name__})") from None
            log.warning("the %s is not answering (try %d, %s); retrying in %.1f s", store, attempt, type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay, attempt = min(delay * 2, 5.0), attempt + 1
