"""The daemon's long-lived parts, started and stopped in order: database, Redis, the relays of
the audit and execution event streams, then each domain's own state. `Services` is what methods
see as their `ctx` (daemon.context)."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from daemon.auth import Tokens
from daemon.constants import HEALTH_CHECK_TIMEOUT_S, SHUTDOWN_GRACE_S, START_RETRY_FIRST_S, START_RETRY_MAX_S
from daemon.context import State
from daemon.domains import DOMAINS
from daemon.errors import ConfigError, StartupError
from daemon.rpc.deadlines import Deadlines
from daemon.rpc.discover import openrpc_document, rpc_url
from daemon.rpc.registry import Domain, Registry
from daemon.rpc.slots import Slots
from daemon.settings import Settings
from daemon.storage import redis as redis_store
from daemon.storage.database import Database, is_refused_for_good
from daemon.storage.migrate import upgrade
from daemon.streams.audit import AUDIT
from daemon.streams.events import EVENTS
from daemon.streams.relay import Relay
from daemon.streams.source import Source
from daemon.streams.stream import Stream
from daemon.web.metrics import Metrics, StreamMetrics

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Services:
    settings: Settings
    registry: Registry  # the methods this daemon serves
    db: Database
    redis: redis_store.RedisClient
    audit_relay: Relay
    events_relay: Relay
    metrics: Metrics
    tokens: Tokens | None
    call_slots: Slots
    deadlines: Deadlines  # DBM_CALL_TIMEOUT_S for each call
    embedded: redis_store.EmbeddedRedis | None = None
    state: State = dataclasses.field(default_factory=State)  # the domains' own (daemon.context)

    @classmethod
    async def start(cls, settings: Settings, *, domains: Sequence[Domain] = DOMAINS,
                    run_relay: bool = True) -> Services:
        tokens = Tokens.load(settings.auth_tokens_file) if settings.auth_tokens_file else None
        prepare_state_dir(settings)
        for domain in domains:
            if domain.check is not None:
                domain.check(settings)
        metrics = Metrics()
        db = Database(settings.database_url, settings.pool_size, settings.call_timeout_s, settings.pgbouncer)
        await _retry("database", settings.start_timeout_s, db.connect, db.ping)
        for applied in await upgrade(settings.database_url):
            log.info("applied migration %s", applied)
        redis, embedded = await redis_store.open_redis(settings.redis_url, settings.state_dir)
        await _retry("redis", settings.start_timeout_s, redis.ping)
        audit_relay = _relay(settings, db, redis, AUDIT, metrics.audit)
        events_relay = _relay(settings, db, redis, EVENTS, metrics.events)
        metrics.track_pool(lambda: db.in_use, settings.pool_size)
        services = cls(settings, Registry(domains).for_dialect(db.kind), db, redis, audit_relay, events_relay, metrics,
                       tokens, Slots(settings.max_concurrent_calls), Deadlines(settings.call_timeout_s),
                       embedded)
        try:
            for domain in services.registry.domains:
                if domain.start is not None:
                    await domain.start(services)
        except BaseException:  # a domain refused to start (a bad key file: ConfigError, exit 2)
            await services.stop()  # else the embedded Redis, a child process, would outlive us
            raise
        if run_relay:
            audit_relay.start()
            events_relay.start()
        return services

    @functools.cached_property
    def openrpc(self) -> dict[str, Any]:
        """rpc.discover's answer (also GET /openrpc.json): built once, for the methods served here."""
        return openrpc_document(self.registry, rpc_url(self.settings.host, self.settings.port))

    def audit_committed(self) -> None:
        self.audit_relay.wake()

    def events_committed(self) -> None:
        self.events_relay.wake()

    async def health(self) -> dict[str, str]:
        db_ok, redis_ok = await asyncio.gather(_bounded(self.db.ping), _bounded(self.redis.ping))
        return {"database": "ok" if db_ok else "unavailable", "redis": "ok" if redis_ok else "unavailable"}

    async def stop(self) -> None:
        for domain in reversed(self.registry.domains):
            if domain.stop is not None:
                await domain.stop(self)
        # side by side: together they take no longer than the audit relay alone did
        await asyncio.gather(self.audit_relay.stop(flush_timeout_s=SHUTDOWN_GRACE_S / 2),
                             self.events_relay.stop(flush_timeout_s=SHUTDOWN_GRACE_S / 2))
        for relay in (self.audit_relay, self.events_relay):
            await relay.stream.primary.aclose()
        await self.redis.aclose()
        if self.embedded is not None:
            await self.embedded.stop()
        await self.db.disconnect()


def _relay(settings: Settings, db: Database, redis: redis_store.RedisClient, source: Source, metrics: StreamMetrics) -> Relay:
    return Relay(db, Stream(redis, source.key(settings), source), metrics)


def prepare_state_dir(settings: Settings) -> None:
    """The directories the daemon keeps files in exist and are directories it may write: a
    configuration error (exit 2, naming the path) at once, not a store that "did not answer"."""
    folders = [settings.state_dir] if settings.redis_url == "embedded" else []
    if settings.sqlite_path is not None:
        folders.append(settings.sqlite_path.parent)
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"DBM_STATE_DIR: cannot use {folder}: {exc.strerror or type(exc).__name__}") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ConfigError(f"DBM_STATE_DIR: {folder} is not writable by this user")


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
    deadline, delay, attempt = loop.time() + timeout_s, START_RETRY_FIRST_S, 1
    while True:
        try:
            for step in steps:
                await step()
            return
        except Exception as exc:
            if is_refused_for_good(exc):  # a wrong role, password or database: no retry will fix it
                raise ConfigError(f"the {store} refused the connection: {exc}") from None
            if loop.time() + delay > deadline:
                raise StartupError(f"the {store} did not answer within {timeout_s:g} s ({type(exc).__name__})") from None
            log.warning("the %s is not answering (try %d, %s); retrying in %.1f s", store, attempt, type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay, attempt = min(delay * 2, START_RETRY_MAX_S), attempt + 1
