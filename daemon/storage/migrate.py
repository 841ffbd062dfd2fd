"""Schema migrations: Alembic revisions (`storage/migrations/versions/`), applied under a lock.

`upgrade()` runs on a short-lived SQLAlchemy async engine of its own, in one transaction that
first takes a lock — a PostgreSQL advisory lock, SQLite's BEGIN IMMEDIATE — so several daemons
starting at once on one database apply each revision exactly once: the others wait, then find
nothing to do. DDL is transactional on both databases, so a failed upgrade leaves nothing half
done.

Databases made by release 0.1.0 kept their versions in a `schema_migrations` table of our own.
Its versions 1 and 2 are revisions 0001 and 0002, unchanged: such a database is stamped at the
matching revision and its old table dropped, under the same lock, before upgrading.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from daemon.constants import SQLITE_BUSY_TIMEOUT_S
from daemon.settings import database_kind, sqlite_file

log = logging.getLogger(__name__)

_ADVISORY_LOCK_ID = 0x64626D6D  # "dbmm"
_WAL_RETRY_S = 0.02
_SCRIPTS = Path(__file__).resolve().parent / "migrations"
_LEGACY_TABLE = "schema_migrations"
_LEGACY_REVISIONS = {1: "0001", 2: "0002"}  # release 0.1.0's versions → the same schema's revisions
# What a frozen revision does on SQLite, where its docstring's first line (written for PostgreSQL)
# would name a function SQLite never gets. A new revision's first line holds for both databases.
_ON_SQLITE = {
    "0002": "nothing on SQLite (the group-commit function is PostgreSQL's)",
    "0003": "credit holds: the holds table and balances.held",
}


async def upgrade(database_url: str) -> list[str]:
    """Applies pending revisions; returns those this call applied, oldest first ("0002 spends …")."""
    if database_kind(database_url) == "sqlite":
        await asyncio.to_thread(_use_wal, sqlite_file(database_url))
    engine = _engine(database_url)
    try:
        async with engine.connect() as conn, conn.begin():
            if engine.dialect.name == "postgresql":
                await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _ADVISORY_LOCK_ID})
            return await conn.run_sync(_upgrade)
    finally:
        await engine.dispose()


async def current_revision(database_url: str) -> str | None:
    engine = _engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()


async def drift(database_url: str) -> list[Any]:
    """How the database differs from the tables the code declares (Alembic's compare_metadata):
    empty when the revisions build exactly what the domains' tables say."""
    from alembic.autogenerate import compare_metadata

    from daemon.domains import compared, schema
    engine = _engine(database_url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": True, "include_object": compared}), schema()))
    finally:
        await engine.dispose()


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None
    return head


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def _upgrade(conn: Connection) -> list[str]:
    _adopt_legacy(conn)
    before = MigrationContext.configure(conn).get_current_revision()
    command.upgrade(alembic_config(conn), "head")
    after = MigrationContext.configure(conn).get_current_revision()
    applied = list(_scripts().iterate_revisions(after, before)) if after != before else []
    sqlite = conn.dialect.name == "sqlite"
    return [f"{r.revision} {_ON_SQLITE.get(r.revision, r.doc) if sqlite else r.doc}" for r in reversed(applied)]


def _adopt_legacy(conn: Connection) -> None:
    if not inspect(conn).has_table(_LEGACY_TABLE):
        return
    version = conn.execute(text(f"SELECT max(version) FROM {_LEGACY_TABLE}")).scalar()
    if version is not None:
        revision = _LEGACY_REVISIONS[version]
        command.stamp(alembic_config(conn), revision)
        log.info("adopted a database of release 0.1.0 (schema version %s) as revision %s", version, revision)
    conn.execute(text(f"DROP TABLE {_LEGACY_TABLE}"))


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


# Migrations run rarely and briefly, so they never reuse a prepared statement, and name each
# one afresh: then they also run through PgBouncer in transaction mode, where a server
# connection may still hold another client's `__asyncpg_stmt_1__` (DBM_PGBOUNCER, docs/SCALING.md).
_NO_STATEMENT_REUSE = {"statement_cache_size": 0, "prepared_statement_cache_size": 0,
                       "prepared_statement_name_func": lambda: f"__dbm_migrate_{uuid.uuid4().hex}__"}


def _engine(database_url: str) -> AsyncEngine:
    if database_kind(database_url) == "postgresql":
        return create_async_engine(_sqlalchemy_url(database_url, "postgresql+asyncpg"), poolclass=NullPool,
                                   connect_args=_NO_STATEMENT_REUSE)
    engine = create_async_engine(_sqlalchemy_url(database_url, "sqlite+aiosqlite"), poolclass=NullPool)
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # The driver's own transaction handling would BEGIN (deferred) by itself; ours says when.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def _use_wal(path: Path) -> None:
    """Puts the file in WAL mode (kept in the file: readers never wait for the writer), before
    the migration's transaction. Switching needs the file alone for a moment, and SQLite answers
    "locked" at once, without its busy wait, while another connection reads the file, as daemons
    starting together on one new file do: so it is tried again until the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        conn = sqlite3.connect(path, isolation_level=None, timeout=SQLITE_BUSY_TIMEOUT_S)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        finally:
            conn.close()
        time.sleep(_WAL_RETRY_S)


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")  # the migration lock: other writers wait for it


def _sqlalchemy_url(url: str, driver: str) -> str:
    return driver + url[url.index(":"):]
