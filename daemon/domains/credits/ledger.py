"""Rules of the ledger that every write path shares: what a request hashes to, and the funds a
write may draw on (`available = balance − held`), read under the balance row's lock."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, cast

import orjson
from sqlalchemy import func, select

from daemon.clock import now_rfc3339
from daemon.domains.credits.tables import balances, holds
from daemon.errors import Conflict, NotFound


def request_hash(tx_type: str, request: dict[str, Any]) -> str:
    """What a write asked for, hashed: a retry with the same transaction_key must ask the same."""
    return hashlib.sha256(orjson.dumps({"type": tx_type, **request}, option=orjson.OPT_SORT_KEYS)).hexdigest()


def reused_key(key: str | None) -> Conflict:
    return Conflict({"transaction_key": key, "reason": "this transaction_key was used with other params"})


@dataclasses.dataclass
class Funds:
    """A user's balance and the credits holds set aside, as locked by `lock_funds`.

    `held` may still count holds that lapsed since the sweeper last ran: it is never less than
    what truly counts, so a write that fits `available` can never overdraw. Only a write that does
    not fit pays to look closer (`let_lapsed_go`): a lapsed hold stops counting at once."""
    user_id: str
    balance: int
    held: int

    @property
    def available(self) -> int:
        return self.balance - self.held

    async def let_lapsed_go(self, conn: Any) -> None:
        """Marks the user's lapsed holds EXPIRED and stops counting them."""
        lapsed = holds.c.user_id == self.user_id, holds.c.status == "HELD", holds.c.expires_at <= now_rfc3339()
        freed = int(await conn.fetch_val(select(func.coalesce(func.sum(holds.c.amount), 0)).where(*lapsed)))
        if freed:
            await conn.execute(holds.update().where(*lapsed).values(status="EXPIRED"))
            await self.add_held(conn, -freed)

    async def add_held(self, conn: Any, amount: int) -> None:
        await conn.execute(balances.update().where(balances.c.user_id == self.user_id)
                           .values(held=balances.c.held + amount))
        self.held += amount


async def lock_funds(conn: Any, user_id: str) -> Funds:
    """The user's funds, their balance row locked until the transaction ends (FOR UPDATE on
    PostgreSQL; SQLite's BEGIN IMMEDIATE already holds the database). 1002 for an unknown user."""
    row = await conn.fetch_one(select(balances.c.balance, balances.c.held)
                               .where(balances.c.user_id == user_id).with_for_update())
    if row is None:
        raise NotFound("user", user_id)
    return Funds(user_id, cast(int, row[0]), cast(int, row[1]))
