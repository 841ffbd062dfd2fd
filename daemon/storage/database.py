"""The shared database pool, through `databases` (asyncpg or aiosqlite).

Every use goes through `session()` (reads) or `write()` (a transaction), which:
- bound the wait for a connection (`databases` has no acquire timeout of its own) with a
  semaphore the size of the pool;
- serialize writers on SQLite, where concurrent writers would answer "database is locked":
  one in-process lock, and BEGIN IMMEDIATE so that writers in other processes wait on the
  busy timeout instead of failing an upgrade;
- turn "the store cannot be reached" into `Unavailable` (-32002), whatever the driver says.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import databases

from daemon.constants import DB_ACQUIRE_TIMEOUT_S, SQLITE_BEGIN_SLICE_MS, SQLITE_BUSY_TIMEOUT_S, STATEMENT_TIMEOUT_MARGIN_S
from daemon.errors import Conflict, Unavailable
from daemon.settings import database_kind

log = logging.getLogger(__name__)

# Errors that mean the server is gone or refusing, as opposed to a bug in a query.
_UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # admin shutdown, cannot connect now
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections, disk full
)
_SQLITE_UNREACHABLE = ("locked", "unable to open", "disk i/o", "readonly", "busy")
# asyncpg's InterfaceError is also "too many query arguments" or a value it cannot encode, and
# its InternalClientError a bug of its own: not outages (-32002 tells a client to retry forever).
# Only these words are: the connection went away under the call ("cannot switch to state": the
# server's FATAL "terminating connection" came in, and the socket's close is still on its way).
_ASYNCPG_UNREACHABLE = ("connection is closed", "pool is closing", "pool is closed", "cannot switch to state")


def is_unreachable(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return any(word in str(exc).lower() for word in _SQLITE_UNREACHABLE)
    if isinstance(exc, (asyncpg.InterfaceError, asyncpg.InternalClientError)):
        return any(words in str(exc) for words in _ASYNCPG_UNREACHABLE)
    return isinstance(exc, _UNREACHABLE)


def is_refused_for_good(exc: BaseException) -> bool:
    """PostgreSQL refused us for a reason no retry fixes: a wrong role or password (SQLSTATE class
    28) or a database that does not exist (3D000). Its message names the role or database, never
    a password."""
    sqlstate = getattr(exc, "sqlstate", None)
    return isinstance(exc, asyncpg.PostgresError) and isinstance(sqlstate, str) and sqlstate[:2] in ("28", "3D")


@contextlib.contextmanager
def unavailable_on_store_errors() -> Any:
    try:
        yield
    except Exception as exc:
        if is_unreachable(exc):
            raise Unavailable() from exc
        raise


@contextlib.contextmanager
def conflict_on_duplicate(data: dict[str, Any]) -> Any:
    """A unique constraint that another daemon won the race for → 1003 Conflict."""
    try:
        yield
    except (sqlite3.IntegrityError, asyncpg.UniqueViolationError) as exc:
        raise Conflict(data) from exc


class Database:
    def __init__(self, url: str, pool_size: int, call_timeout_s: float, pgbouncer: bool = False):
        """`call_timeout_s` is DBM_CALL_TIMEOUT_S. A call's own deadline cancels its statements
        (and answers -32003); asyncpg's statement timeout is only the backstop, so it fires a
        margin later, never first. `pgbouncer` is DBM_PGBOUNCER (docs/SCALING.md)."""
        self.url = url
        self.pgbouncer = pgbouncer
        self.statement_timeout_s = call_timeout_s + STATEMENT_TIMEOUT_MARGIN_S
        self.kind = database_kind(url)
        self.pool_size = pool_size
        self._db = databases.Database(_driver_url(url), **self._options())
        self._slots = asyncio.Semaphore(pool_size)
        self._sqlite_writer = asyncio.Lock()
        self.in_use = 0

    def _options(self) -> dict[str, Any]:
        if self.kind == "sqlite":
            return {"timeout": SQLITE_BUSY_TIMEOUT_S}
        # statement_cache_size stays on: the ledger's statements repeat and asyncpg prepares them.
        # Behind PgBouncer in transaction mode it goes: a named statement lives on one server
        # connection, which the next transaction may not get, and another client's statement of
        # the same name may already be there (DuplicatePreparedStatementError). Without the cache
        # asyncpg uses the unnamed statement, parsed and run before the Sync that ends its turn.
        options: dict[str, Any] = {"min_size": 1, "max_size": self.pool_size, "command_timeout": self.statement_timeout_s,
                                   "timeout": DB_ACQUIRE_TIMEOUT_S, "reset": _no_session_state}
        if self.pgbouncer:
            options["statement_cache_size"] = 0
        return options

    async def connect(self) -> None:
        if self.kind == "sqlite":
            Path(self._db.url.database).parent.mkdir(parents=True, exist_ok=True)
        with unavailable_on_store_errors():
            await self._db.connect()

    async def disconnect(self, timeout_s: float = 5.0) -> None:
        """Closes the pool, waiting at most timeout_s for connections still in use; then closes
        them anyway (asyncpg's close waits for every connection, with no bound of its own)."""
        if not self._db.is_connected:
            return
        try:
            async with asyncio.timeout(timeout_s):
                await self._db.disconnect()
        except Exception:
            log.warning("the database pool did not close in %.0f s; closing its connections", timeout_s)
            pool: Any = getattr(self._db._backend, "_pool", None)
            if hasattr(pool, "terminate"):
                pool.terminate()

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[databases.core.Connection]:
        """One pooled connection for this task, for reads (or DDL)."""
        with unavailable_on_store_errors():
            async with self._slot():
                async with self._db.connection() as conn:
                    yield conn

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[databases.core.Connection]:
        """A write transaction: commits when the block ends, rolls back when it raises."""
        if self.kind == "postgresql":
            async with self.session() as conn, conn.transaction():
                yield conn
            return
        async with self._sqlite_writer, self.session() as conn:
            await _begin_immediate(conn)
            try:
                yield conn
            except BaseException:
                with contextlib.suppress(Exception):
                    await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    @contextlib.asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        if self._slots.locked():  # only a wait needs a timer: arming one per session costs on the hot path
            try:
                async with asyncio.timeout(DB_ACQUIRE_TIMEOUT_S):
                    await self._slots.acquire()
            except TimeoutError:
                raise Unavailable() from None
        else:
            await self._slots.acquire()  # a free slot: returns at once
        self.in_use += 1
        try:
            yield
        finally:
            self.in_use -= 1
            self._slots.release()

    async def ping(self) -> None:
        async with self.session() as conn:
            await conn.fetch_val("SELECT 1")


async def _begin_immediate(conn: databases.core.Connection) -> None:
    """BEGIN IMMEDIATE, waiting up to the busy timeout for another process's writer, in short
    slices: a cancelled call (its -32003 timeout) cannot interrupt SQLite's own busy wait, so
    one long wait would hold the call, and this daemon's writer lock, for all of it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SQLITE_BUSY_TIMEOUT_S
    await conn.execute(f"PRAGMA busy_timeout = {SQLITE_BEGIN_SLICE_MS}")
    while True:
        try:
            await conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or loop.time() >= deadline:
                raise
    # the rest of the transaction waits as before (a COMMIT outside WAL mode may have to)
    await conn.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")


async def _no_session_state(conn: asyncpg.Connection) -> None:
    """asyncpg's reset for a connection going back to the pool. Its default sends a query on
    every release (unlock session advisory locks, close cursors, UNLISTEN, RESET ALL) to undo
    session state this daemon never makes; an open transaction is rolled back before this runs."""


def _driver_url(url: str) -> str:
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://"):]
    return url
