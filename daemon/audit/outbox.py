"""The transactional outbox: written in the ledger's transaction, read and emptied by the relay."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from daemon.storage.database import Database
from daemon.storage.tables import audit_outbox, transactions


async def enqueue(conn: Any, tx_id: int) -> None:
    await conn.execute(audit_outbox.insert().values(tx_id=tx_id))


async def pending(db: Database, limit: int) -> list[dict]:
    """The oldest waiting ledger rows, as audit entries (every field a string)."""
    query = (select(transactions).join(audit_outbox, audit_outbox.c.tx_id == transactions.c.id)
             .order_by(audit_outbox.c.tx_id).limit(limit))
    async with db.session() as conn:
        return [entry(row._mapping) for row in await conn.fetch_all(query)]


async def remove(db: Database, tx_ids: list[int]) -> None:
    async with db.write() as conn:
        await conn.execute(audit_outbox.delete().where(audit_outbox.c.tx_id.in_(tx_ids)))


async def backlog(db: Database) -> int:
    async with db.session() as conn:
        return await conn.fetch_val(select(func.count()).select_from(audit_outbox))


def entry(row: Any) -> dict[str, str]:
    """A ledger row as the audit stream carries it (API.md, "The audit stream")."""
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
