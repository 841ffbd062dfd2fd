"""What the domains' queries share: JSON text in and out, the INSERT that knows ON CONFLICT for
the database in use, multi-row inserts, and a connection for a write that is a single statement."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import orjson
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from daemon.storage.database import Database

# rows per multi-row INSERT: 500 rows of up to 10 columns stay far below the bind-parameter
# limits of SQLite (32766) and asyncpg (32767)
_INSERT_CHUNK = 500


def dump(value: Any) -> str:
    return orjson.dumps(value).decode()


def load(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def upsert_insert(kind: str) -> Any:
    """`insert` with ON CONFLICT (on_conflict_do_nothing / _do_update) for the database `kind`."""
    return postgresql.insert if kind == "postgresql" else sqlite.insert


async def insert_rows(conn: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """The rows in as few statements as the bind-parameter limits allow (`execute_many` would
    send one statement per row)."""
    for start in range(0, len(rows), _INSERT_CHUNK):
        await conn.execute(table.insert().values(list(rows[start:start + _INSERT_CHUNK])))


@contextlib.asynccontextmanager
async def one_statement(db: Database) -> AsyncIterator[Any]:
    """A connection for a write made of one statement, atomic by itself: on PostgreSQL it runs
    in autocommit (no BEGIN and COMMIT round trips); SQLite's writers must still queue on the
    one writer lock."""
    if db.kind == "postgresql":
        async with db.session() as conn:
            yield conn
    else:
        async with db.write() as conn:
            yield conn
