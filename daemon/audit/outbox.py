"""The transactional outbox: written in the ledger's transaction, read and emptied by the relay."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import func, select

from daemon.audit.tables import audit_outbox
from daemon.domains.credits.tables import transactions
from daemon.storage.database import Database


async def enqueue(conn: Any, tx_id: int) -> None:
    await conn.execute(audit_outbox.insert().values(tx_id=tx_id))


# On PostgreSQL the relay's queries run as statements prepared once, on the raw asyncpg
# connection: at thousands of entries a second, compiling them through SQLAlchemy for every
# batch (and binding one parameter per id to delete) cost more than running them. The LIMIT sits
# inside, on the outbox alone: on a plain join the planner may pick a merge join that walks the
# whole ledger from its first row up to the first waiting one.
_PG_PENDING = """
SELECT t.id, t.transaction_key, t.user_id, t.type, t.amount, t.running_balance, t.metadata, t.created_at
FROM (SELECT tx_id FROM audit_outbox ORDER BY tx_id LIMIT $1) o JOIN transactions t ON t.id = o.tx_id
ORDER BY o.tx_id"""
_PG_REMOVE = "DELETE FROM audit_outbox WHERE tx_id = ANY($1::bigint[])"


async def pending(db: Database, limit: int) -> list[dict[str, str]]:
    """The oldest waiting ledger rows, as audit entries (every field a string)."""
    async with db.session() as conn:
        if db.kind == "postgresql":
            return [entry(row) for row in await conn.raw_connection.fetch(_PG_PENDING, limit)]
        query = (select(transactions).join(audit_outbox, audit_outbox.c.tx_id == transactions.c.id)
                 .order_by(audit_outbox.c.tx_id).limit(limit))
        return [entry(row._mapping) for row in await conn.fetch_all(query)]


async def remove(db: Database, tx_ids: list[int]) -> None:
    if db.kind == "postgresql":  # one statement: atomic without a transaction around it
        async with db.session() as conn:
            await conn.raw_connection.execute(_PG_REMOVE, tx_ids)
        return
    async with db.write() as conn:
        await conn.execute(audit_outbox.delete().where(audit_outbox.c.tx_id.in_(tx_ids)))


async def vacuum(db: Database) -> None:
    """On PostgreSQL, clears the outbox of the rows the relay deleted.

    The outbox is a queue: rows come in at one end of its index and leave at the other, and
    every deleted row stays in the index until a VACUUM. The relay's query walks the index from
    its oldest end, so between two VACUUMs it reads past every row deleted since the last, and at
    thousands of rows a second autovacuum (if on; it wakes once a minute) is not often enough.
    A VACUUM of this small table takes well under a second and blocks no writer. Without the rights to
    vacuum it, PostgreSQL warns and skips it."""
    if db.kind == "postgresql":
        async with db.session() as conn:
            await conn.raw_connection.execute("VACUUM audit_outbox")


async def backlog(db: Database) -> int:
    async with db.session() as conn:
        return cast(int, await conn.fetch_val(select(func.count()).select_from(audit_outbox)))


def entry(row: Any) -> dict[str, str]:
    """A ledger row as the audit stream carries it (the README, "The audit stream")."""
    return {
        "tx_id": str(row["id"]),
        "transaction_key": row["transaction_key"],
        "user_id": row["user_id"],
        "type": row["type"],
        "amount": str(row["amount"]),
        "running_balance": str(row["running_balance"]),
        "metadata": row["metadata"],
        "created_at": row["created_at"],
    }
