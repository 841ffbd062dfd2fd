"""`dbmanager audit tail` and `dbmanager audit verify`."""

from __future__ import annotations

import collections
import sys
from typing import Any, TextIO, cast

import orjson
import redis.asyncio as aioredis
from redis.exceptions import ResponseError
from sqlalchemy import select

from daemon.audit.stream import AuditStream, as_json_line
from daemon.audit.tables import audit_outbox
from daemon.constants import AUDIT_RECLAIM_IDLE_MS
from daemon.domains.credits.tables import transactions
from daemon.errors import StartupError
from daemon.settings import Settings
from daemon.storage import redis as redis_store
from daemon.storage.database import Database

BLOCK_MS = 2000  # below redis-py's socket timeout, so a blocking read is never cut off as a failure


async def tail(settings: Settings, follow: bool, group: str | None, consumer: str | None,
               min_idle_ms: int = AUDIT_RECLAIM_IDLE_MS, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    async with _stream(settings) as stream:
        if group:
            await _tail_group(stream, group, consumer or "dbmanager-cli", follow, min_idle_ms, out)
        else:
            await _tail_plain(stream, follow, out)


async def _tail_plain(stream: AuditStream, follow: bool, out: TextIO) -> None:
    last = "0"
    async for entry_id, fields in stream.entries():
        _print(out, entry_id, fields)
        last = entry_id
    while follow:
        got = cast(list[tuple[str, list[tuple[str, dict[str, str]]]]] | None,  # RESP2, decode_responses
                   await stream.redis.xread({stream.key: last}, block=BLOCK_MS, count=500))
        for _, batch in got or []:
            for entry_id, fields in batch:
                _print(out, entry_id, fields)
                last = entry_id


async def _tail_group(stream: AuditStream, group: str, consumer: str, follow: bool, min_idle_ms: int,
                      out: TextIO) -> None:
    r = stream.redis
    try:
        await r.xgroup_create(stream.key, group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise
    # Own pending entries first (a previous run of this consumer died before acknowledging),
    # then entries another consumer left idle, then new ones.
    await _deliver(r, stream.key, group, out, await r.xreadgroup(group, consumer, {stream.key: "0"}, count=500))
    start = "0-0"
    while True:
        # Redis 7 answers (next, claimed, deleted); 6.2, which the embedded server is, only (next, claimed)
        reply = await r.xautoclaim(stream.key, group, consumer, min_idle_ms, start, count=500)
        start, claimed = reply[0], reply[1]
        await _deliver(r, stream.key, group, out, [[stream.key, claimed]])
        if start == "0-0":
            break
    while True:
        got = await r.xreadgroup(group, consumer, {stream.key: ">"}, count=500, block=BLOCK_MS if follow else None)
        if not got and not follow:
            return
        await _deliver(r, stream.key, group, out, got)


async def _deliver(r: aioredis.Redis, key: str, group: str, out: TextIO, got: Any) -> None:
    for _, batch in got or []:
        for entry_id, fields in batch:
            if fields is not None:  # None: deleted from the stream while pending; acknowledged all the same
                _print(out, entry_id, fields)
        out.flush()
        ids = [entry_id for entry_id, _ in batch]
        if ids:
            await r.xack(key, group, *ids)


def _print(out: TextIO, entry_id: str, fields: dict[str, str]) -> None:
    out.write(orjson.dumps(as_json_line(entry_id, fields)).decode() + "\n")


async def verify(settings: Settings, out: TextIO | None = None) -> bool:
    """True when every ledger transaction is in the stream exactly once and nothing else is."""
    out = out or sys.stdout
    require_state(settings)
    db = Database(settings.database_url, 2, settings.call_timeout_s)
    await db.connect()
    try:
        async with db.session() as conn:
            ledger = {str(r[0]) for r in await conn.fetch_all(select(transactions.c.id))}
            waiting = {str(r[0]) for r in await conn.fetch_all(select(audit_outbox.c.tx_id))}
    finally:
        await db.disconnect()
    async with _stream(settings) as stream:
        seen = collections.Counter([fields.get("tx_id", "") async for _, fields in stream.entries()])
    problems = _differences(ledger, waiting, seen)
    for line in problems:
        out.write(line + "\n")
    out.write(f"{len(ledger)} ledger transactions, {sum(seen.values())} stream entries: "
              f"{'OK' if not problems else f'{len(problems)} differences'}\n")
    return not problems


def _differences(ledger: set[str], waiting: set[str], seen: collections.Counter[str]) -> list[str]:
    problems = []
    for tx_id in sorted(ledger - set(seen), key=_numeric):
        state = "still in the outbox" if tx_id in waiting else "lost"
        problems.append(f"missing from the stream: tx_id {tx_id} ({state})")
    for tx_id, count in sorted(seen.items(), key=lambda kv: _numeric(kv[0])):
        if count > 1:
            problems.append(f"duplicated in the stream: tx_id {tx_id} appears {count} times")
        if tx_id not in ledger:
            problems.append(f"not in the ledger: tx_id {tx_id!r}")
    return problems


def _numeric(tx_id: str) -> tuple[int, str]:
    return (int(tx_id), "") if tx_id.isdigit() else (-1, tx_id)


class _stream:
    """An AuditStream on its own client, closed on exit (the embedded Redis must be a running daemon's)."""

    def __init__(self, settings: Settings):
        self.settings = settings

    async def __aenter__(self) -> AuditStream:
        self.redis = await redis_store.running_redis(self.settings.redis_url, self.settings.state_dir)
        return AuditStream(self.redis, self.settings.audit_stream)

    async def __aexit__(self, *exc: Any) -> None:
        await self.redis.aclose()


def require_state(settings: Settings) -> None:
    """A command that reads a ledger says so plainly where there is none, and creates nothing."""
    path = settings.sqlite_path
    if path is not None and not path.exists():
        raise StartupError(f"no dbmanager state in {path.parent.resolve()}: {path.name} does not exist "
                           "(set DBM_STATE_DIR or DBM_DATABASE_URL)")

