"""Versioned schema migrations, applied by `serve` and by `dbmanager migrate`.

Each migration is (version, name, statements). They run in one transaction that first takes a
lock (a PostgreSQL advisory lock; BEGIN IMMEDIATE on SQLite), so two daemons starting at once on
one database apply each migration exactly once: the second waits, then finds nothing to do.
A new migration is appended to MIGRATIONS; a released one is never edited.
"""

from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from daemon.clock import now_rfc3339
from daemon.storage import tables
from daemon.storage.database import Database

log = logging.getLogger(__name__)

_ADVISORY_LOCK_ID = 0x64626D6D  # "dbmm"


def _create(*names: str) -> Callable[[Dialect], list[str]]:
    def ddl(dialect: Dialect) -> list[str]:
        statements = []
        for name in names:
            table = tables.metadata.tables[name]
            statements.append(str(CreateTable(table).compile(dialect=dialect)))
            statements += [str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes]
        return statements
    return ddl


MIGRATIONS: list[tuple[int, str, Callable[[Dialect], list[str]]]] = [
    (1, "users, balances, ledger, audit outbox", _create("users", "balances", "transactions", "audit_outbox")),
]


async def migrate(db: Database) -> list[int]:
    """Apply pending migrations; returns the versions applied by this call."""
    dialect = postgresql.dialect() if db.kind == "postgresql" else sqlite.dialect()
    if db.kind == "sqlite":
        async with db.session() as conn:  # WAL: readers never wait for the writer; persists in the file
            await conn.execute("PRAGMA journal_mode=WAL")
    applied = []
    async with db.write() as conn:
        if db.kind == "postgresql":
            await conn.execute(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_ID})")
        await conn.execute(str(CreateTable(tables.schema_migrations, if_not_exists=True).compile(dialect=dialect)))
        done = {row[0] for row in await conn.fetch_all(select(tables.schema_migrations.c.version))}
        for version, name, ddl in MIGRATIONS:
            if version in done:
                continue
            for statement in ddl(dialect):
                await conn.execute(statement)
            await conn.execute(tables.schema_migrations.insert().values(
                version=version, name=name, applied_at=now_rfc3339()))
            applied.append(version)
            log.info("applied migration %d: %s", version, name)
    return applied
