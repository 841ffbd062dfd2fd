"""The audit stream's source: ledger transactions, through audit_outbox (written in the ledger's
transaction, read and emptied by the relay)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select

from daemon.domains.credits.tables import transactions
from daemon.streams.source import Source
from daemon.streams.tables import audit_outbox


async def enqueue(conn: Any, tx_id: int) -> None:
    await conn.execute(audit_outbox.insert().values(tx_id=tx_id))


# The LIMIT sits inside, on the outbox alone: on a plain join the planner may pick a merge join
# that walks the whole ledger from its first row up to the first waiting one.
_PG_PENDING = """
SELECT t.id, t.transaction_key, t.user_id, t.type, t.amount, t.running_balance, t.metadata, t.created_at
FROM (SELECT tx_id FROM audit_outbox ORDER BY tx_id LIMIT $1) o JOIN transactions t ON t.id = o.tx_id
ORDER BY o.tx_id"""


def _pending(limit: int) -> Select[Any]:
    return (select(transactions).join(audit_outbox, audit_outbox.c.tx_id == transactions.c.id)
            .order_by(audit_outbox.c.tx_id).limit(limit))


def entry(row: Mapping[str, Any]) -> dict[str, str]:
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


AUDIT = Source(name="audit", key_setting="audit_stream", table=audit_outbox, id_field="tx_id",
               identity=("user_id", "transaction_key"), pg_pending=_PG_PENDING, pending_query=_pending, entry=entry)
