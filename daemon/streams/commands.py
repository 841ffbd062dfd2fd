"""`dbmanager audit tail`, `dbmanager events tail` (one `tail`, given the stream's Source) and
`dbmanager audit verify`."""

from __future__ import annotations

import collections
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any, TextIO, cast

import orjson
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ResponseError
from sqlalchemy import select

from daemon.constants import TAIL_RECLAIM_IDLE_MS
from daemon.domains.credits.tables import transactions
from daemon.errors import StartupError
from daemon.settings import Settings
from daemon.storage import redis as redis_store
from daemon.storage.database import Database
from daemon.streams import follow as following
from daemon.streams.audit import AUDIT
from daemon.streams.source import Source
from daemon.streams.stream import NotReplicated, Stream, as_json_line
from daemon.streams.tables import audit_outbox

BLOCK_MS = 2000  # below redis-py's socket timeout, so a blocking read is never cut off as a failure
CHUNK = 500  # entries per read
DEFAULT_CONSUMER = "dbmanager-cli"
# what XREADGROUP answers (RESP2, decode_responses): [(stream, [(id, fields), …])];
# fields are None for an entry deleted from the stream while pending
Reply = list[tuple[str, list[tuple[str, dict[str, str] | None]]]]


async def tail(settings: Settings, source: Source, follow: bool, group: str | None, consumer: str | None,
               min_idle_ms: int = TAIL_RECLAIM_IDLE_MS, out: TextIO | None = None) -> None:
    """Prints the stream of `source` as JSON lines (the README, "The audit stream")."""
    out = out or sys.stdout
    reader = _GroupReader(group, consumer or DEFAULT_CONSUMER, min_idle_ms, out) if group else _PlainReader(out)
    if follow:
        await following.follow(lambda: _stream(settings, source), reader)
        return
    try:
        async with _stream(settings, source) as stream:
            await reader.read(stream, follow=False)
    except following.LOST as exc:
        raise following.unreachable(exc) from None


class _PlainReader:
    """Every entry, oldest first; after a lost connection, on from the last one printed."""

    def __init__(self, out: TextIO):
        self.out = out
        self.last = "0-0"

    async def read(self, stream: Stream, follow: bool) -> None:
        if follow:
            await self._follow(stream)
            return
        async for entry_id, fields in stream.entries():
            _print(self.out, entry_id, fields)
        self.out.flush()

    async def _follow(self, stream: Stream) -> None:
        while True:  # XREAD answers at once while entries after `last` wait, so this also catches up
            got = cast(list[tuple[str, list[tuple[str, dict[str, str]]]]] | None,  # never None fields: no group
                       await stream.redis.xread({stream.key: self.last}, block=BLOCK_MS, count=CHUNK))
            for _, batch in got or []:
                for entry_id, fields in batch:
                    _print(self.out, entry_id, fields)
                    self.last = entry_id
            self.out.flush()


class _GroupReader:
    """As consumer `consumer` of `group`: its own pending entries first (a previous run, or this
    one before a lost connection, read them but did not acknowledge them), then entries another
    consumer left idle, then new ones; each acknowledged once printed. Its position is the
    group's, kept by Redis, so a reconnection starts over from the top of this list."""

    def __init__(self, group: str, consumer: str, min_idle_ms: int, out: TextIO):
        self.group, self.consumer, self.min_idle_ms, self.out = group, consumer, min_idle_ms, out
        # printed, but the XACK did not come back: such entries return as pending after a lost
        # connection, and are then acknowledged without being printed twice
        self.unacknowledged: set[str] = set()

    async def read(self, stream: Stream, follow: bool) -> None:
        await self._create_group(stream)
        await self._pending(stream)
        await self._reclaim(stream)
        while True:
            got = cast(Reply | None, await stream.redis.xreadgroup(self.group, self.consumer, {stream.key: ">"},
                                                                   count=CHUNK, block=BLOCK_MS if follow else None))
            if not got and not follow:
                return
            await self._deliver(stream, got)

    async def _create_group(self, stream: Stream) -> None:
        try:
            await stream.redis.xgroup_create(stream.key, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _pending(self, stream: Stream) -> None:
        after = "0"
        while True:
            got = cast(Reply | None, await stream.redis.xreadgroup(self.group, self.consumer, {stream.key: after},
                                                                   count=CHUNK))
            batch = got[0][1] if got else []
            if not batch:
                return
            await self._deliver(stream, got)
            after = batch[-1][0]

    async def _reclaim(self, stream: Stream) -> None:
        start = "0-0"
        while True:
            # Redis 7 answers (next, claimed, deleted); 6.2, which the embedded server is, only (next, claimed)
            reply = await stream.redis.xautoclaim(stream.key, self.group, self.consumer, self.min_idle_ms, start,
                                                  count=CHUNK)
            start, claimed = reply[0], reply[1]
            await self._deliver(stream, [(stream.key, claimed)])
            if start == "0-0":
                return

    async def _deliver(self, stream: Stream, got: Reply | None) -> None:
        for _, batch in got or []:
            ids = [entry_id for entry_id, _ in batch]
            for entry_id, fields in batch:
                # None: deleted from the stream while pending; acknowledged all the same
                if fields is not None and entry_id not in self.unacknowledged:
                    _print(self.out, entry_id, fields)
            self.out.flush()
            self.unacknowledged.update(ids)
            if ids:
                await stream.redis.xack(stream.key, self.group, *ids)
            self.unacknowledged.difference_update(ids)


def _print(out: TextIO, entry_id: str, fields: dict[str, str]) -> None:
    out.write(orjson.dumps(as_json_line(entry_id, fields)).decode() + "\n")


async def verify(settings: Settings, out: TextIO | None = None) -> bool:
    """True when every ledger transaction is in the stream exactly once and nothing else is."""
    out = out or sys.stdout
    require_state(settings)
    ledger, waiting = await _ledger(settings)
    try:
        async with _stream(settings, AUDIT) as stream:
            seen = await _seen(stream)
    except following.LOST as exc:  # one line, as tail says it, not a traceback
        raise following.unreachable(exc) from None
    problems = _differences(ledger, waiting, seen)
    for line in problems:
        out.write(line + "\n")
    out.write(f"{len(ledger)} ledger transactions, {sum(seen.values())} stream entries: "
              f"{'OK' if not problems else f'{len(problems)} differences'}\n")
    return not problems


async def repair(settings: Settings, out: TextIO | None = None) -> bool:
    """Appends, from the ledger, each transaction `verify` reports lost (in neither the stream nor
    the outbox: a Redis that restarted empty or was restored from an old backup), then verifies.

    The ledger and the outbox are read before the stream: a row the relay let go of had its entry
    in the stream by then, so what the stream lacks afterwards was lost, not on its way. Rows
    still in the outbox are the relay's to send. The append is the relay's own, markers and all,
    so two repairs at once, or a repair beside the relay, still append each entry once."""
    out = out or sys.stdout
    require_state(settings)
    ledger, waiting = await _ledger(settings)
    try:
        async with _stream(settings, AUDIT) as stream:
            lost = sorted(int(tx_id) for tx_id in ledger - waiting - set(await _seen(stream)))
            appended = 0
            for start in range(0, len(lost), CHUNK):
                appended += await stream.append(await _ledger_entries(settings, lost[start:start + CHUNK]))
    except (*following.LOST, NotReplicated) as exc:
        raise following.unreachable(exc) from None
    out.write(f"repair: {len(lost)} transactions lost from the stream, {appended} appended from the ledger\n")
    return await verify(settings, out)


async def _ledger(settings: Settings) -> tuple[set[str], set[str]]:
    """Every ledger transaction's id, and those still waiting in the outbox."""
    async with _database(settings) as db, db.session() as conn:
        ledger = {str(r[0]) for r in await conn.fetch_all(select(transactions.c.id))}
        waiting = {str(r[0]) for r in await conn.fetch_all(select(audit_outbox.c.tx_id))}
    return ledger, waiting


async def _ledger_entries(settings: Settings, tx_ids: list[int]) -> list[dict[str, str]]:
    """These ledger transactions as the audit stream carries them, oldest first."""
    query = select(transactions).where(transactions.c.id.in_(tx_ids)).order_by(transactions.c.id)
    async with _database(settings) as db, db.session() as conn:
        return [AUDIT.entry(row._mapping) for row in await conn.fetch_all(query)]


async def _seen(stream: Stream) -> collections.Counter[str]:
    """How often each tx_id is in the stream."""
    return collections.Counter([fields.get("tx_id", "") async for _, fields in stream.entries()])


@contextlib.asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Database]:
    db = Database(settings.database_url, 2, settings.call_timeout_s, settings.pgbouncer)
    await db.connect()
    try:
        yield db
    finally:
        await db.disconnect()


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
    """The stream of `source` on its own client, closed on exit (the embedded Redis must be a running daemon's)."""

    def __init__(self, settings: Settings, source: Source):
        self.settings = settings
        self.source = source

    async def __aenter__(self) -> Stream:
        self.redis = await redis_store.running_redis(self.settings.redis_url, self.settings.state_dir)
        # No retries inside redis-py: an XREADGROUP it sends again after a lost reply would skip
        # the entries the first one delivered. A reader fails instead, and a follower reconnects
        # and reads its pending entries first (daemon/streams/follow.py).
        self.redis.set_retry(Retry(NoBackoff(), 0))
        self.stream = Stream(self.redis, self.source.key(self.settings), self.source)
        return self.stream

    async def __aexit__(self, *exc: Any) -> None:
        await self.stream.primary.aclose()
        await self.redis.aclose()


def require_state(settings: Settings) -> None:
    """A command that reads a ledger says so plainly where there is none, and creates nothing."""
    path = settings.sqlite_path
    if path is not None and not path.exists():
        raise StartupError(f"no dbmanager state in {path.parent.resolve()}: {path.name} does not exist "
                           "(set DBM_STATE_DIR or DBM_DATABASE_URL)")

