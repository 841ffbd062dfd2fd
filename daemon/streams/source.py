"""What defines one stream fed from an outbox: which rows wait, what entry each becomes, how
relayed rows leave, and what names a row in its exactly-once marker.

The relay (relay.py), the exactly-once append (stream.py) and `tail` (commands.py) are written
once against this; the audit stream (audit.py) and the execution event stream (events.py) are
each one `Source`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import Select, Table, func, select

from daemon.settings import Settings
from daemon.storage.database import Database


@dataclasses.dataclass(frozen=True)
class Source:
    name: str  # audit, events: in log lines, and the command that reads it (`dbmanager <name> tail`)
    key_setting: str  # the Settings field holding the stream's key
    table: Table  # the outbox
    id_field: str  # the outbox's key column, also an entry field: relay order, removal, markers
    # entry fields that name the row the id was handed out for (see Stream.marker)
    identity: tuple[str, ...]
    # the oldest waiting rows, at most $1, oldest first, as raw SQL for asyncpg (PostgreSQL) …
    pg_pending: str
    # … and the same through SQLAlchemy (SQLite)
    pending_query: Callable[[int], Select[Any]]
    entry: Callable[[Mapping[str, Any]], dict[str, str]]  # a pending row as the stream carries it

    def key(self, settings: Settings) -> str:
        return cast(str, getattr(settings, self.key_setting))

    # On PostgreSQL the relay's queries run as statements prepared once, on the raw asyncpg
    # connection: at thousands of entries a second, compiling them through SQLAlchemy for every
    # batch (and binding one parameter per id to delete) cost more than running them.
    async def pending(self, db: Database, limit: int) -> list[dict[str, str]]:
        """The oldest waiting rows, as entries (every field a string)."""
        async with db.session() as conn:
            if db.kind == "postgresql":
                return [self.entry(row) for row in await conn.raw_connection.fetch(self.pg_pending, limit)]
            return [self.entry(row._mapping) for row in await conn.fetch_all(self.pending_query(limit))]

    async def remove(self, db: Database, ids: list[int]) -> None:
        if db.kind == "postgresql":  # one statement: atomic without a transaction around it
            async with db.session() as conn:
                await conn.raw_connection.execute(self._pg_remove, ids)
            return
        column = self.table.c[self.id_field]
        async with db.write() as conn:
            await conn.execute(self.table.delete().where(column.in_(ids)))

    @property
    def _pg_remove(self) -> str:
        return f"DELETE FROM {self.table.name} WHERE {self.id_field} = ANY($1::bigint[])"

    async def vacuum(self, db: Database) -> None:
        """On PostgreSQL, clears the outbox of the rows the relay deleted.

        An outbox is a queue: rows come in at one end of its index and leave at the other, and
        every deleted row stays in the index until a VACUUM. The relay's query walks the index from
        its oldest end, so between two VACUUMs it reads past every row deleted since the last, and at
        thousands of rows a second autovacuum (if on; it wakes once a minute) is not often enough.
        A VACUUM of this small table takes well under a second and blocks no writer. Without the rights to
        vacuum it, PostgreSQL warns and skips it."""
        if db.kind == "postgresql":
            async with db.session() as conn:
                await conn.raw_connection.execute(f"VACUUM {self.table.name}")

    async def backlog(self, db: Database) -> int:
        async with db.session() as conn:
            return cast(int, await conn.fetch_val(select(func.count()).select_from(self.table)))
