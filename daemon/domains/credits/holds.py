"""Credit holds: credits set aside for work that has not finished, as a card authorisation is.

A hold moves no credits, so it is no ledger transaction: it raises the user's `held`, and spends
and new holds draw only on `available = balance − held`. It ends one of three ways:
- captured: one USAGE transaction for at most the held amount (audited like any spend, its
  metadata naming the hold), the rest released;
- released by its owner;
- expired: past `expires_at` it stops counting at once. A write that finds `available` short lets
  the user's lapsed holds go first (`Funds.let_lapsed_go`, and the same step inside PostgreSQL's
  group-commit function), reads compute the status, and `hold_sweeper` marks them EXPIRED in the
  background, so no call is needed for that.

Every writer of a hold locks the user's balance row first, then the hold: the same order
everywhere, so two writers (in one daemon or several) wait for each other and never deadlock, and
`held` always equals the HELD holds it counts (lapsed ones included until let go).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
from sqlalchemy import func, select

from daemon.clock import now_rfc3339, rfc3339
from daemon.constants import HOLD_SWEEP_BATCH, HOLD_SWEEP_INTERVAL_S
from daemon.context import Context, StateKey
from daemon.domains.credits.ledger import Funds, lock_funds, request_hash, reused_key
from daemon.domains.credits.methods import write
from daemon.domains.credits.tables import balances, holds
from daemon.domains.credits.types import Balance, BalanceSummary, CaptureAmount, Hold, HoldId, PositiveAmount, TtlS
from daemon.domains.types import Metadata, TransactionKey, UserId
from daemon.errors import Conflict, InsufficientBalance, InvalidParams, NotFound
from daemon.periodic import Periodic
from daemon.rpc.registry import rpc_method
from daemon.storage.database import Database

DEFAULT_TTL_S = 900


@rpc_method(errors=(NotFound, InsufficientBalance, Conflict), retry="keyed")
async def reserve_credits(ctx: Context, user_id: UserId, amount: PositiveAmount, ttl_s: TtlS = DEFAULT_TTL_S,
                          metadata: Metadata | None = None, transaction_key: TransactionKey | None = None) -> Hold:
    """Sets `amount` credits aside for `ttl_s` seconds; 1001 when the available credits are short.
    A retry with the same key returns the hold as it is now."""
    digest = request_hash("HOLD", {"amount": amount, "ttl_s": ttl_s, "metadata": metadata or {}})
    async with ctx.db.write() as conn:
        funds = await lock_funds(conn, user_id)
        if transaction_key is not None:
            prior = await conn.fetch_one(select(holds).where(holds.c.user_id == user_id,
                                                             holds.c.transaction_key == transaction_key))
            if prior is not None:
                if prior._mapping["request_hash"] != digest:
                    raise reused_key(transaction_key)
                return hold_view(prior._mapping)
        if amount > funds.available:
            await funds.let_lapsed_go(conn)
        if amount > funds.available:
            raise InsufficientBalance(user_id, funds.balance, amount, funds.available)
        now = datetime.now(UTC)
        row = {"id": uuid.uuid4().hex, "user_id": user_id, "amount": amount, "status": "HELD", "captured": 0,
               "expires_at": rfc3339(now + timedelta(seconds=ttl_s)), "created_at": rfc3339(now),
               "transaction_key": transaction_key or uuid.uuid4().hex, "request_hash": digest,
               "metadata": orjson.dumps(metadata or {}).decode()}
        await conn.execute(holds.insert().values(**row))
        await funds.add_held(conn, amount)
    return hold_view(row)


@rpc_method(errors=(NotFound, Conflict, InsufficientBalance), retry="keyed")
async def capture_hold(ctx: Context, user_id: UserId, hold_id: HoldId,
                       amount: CaptureAmount | None = None,
                       metadata: Metadata | None = None, transaction_key: TransactionKey | None = None) -> Balance:
    """Turns a HELD hold into one USAGE transaction of `amount` (default: all of it) and releases
    the rest; returns the new balance. 1003 for a hold that is not HELD (expired included)."""
    request = {"hold_id": hold_id, "amount": amount, "metadata": metadata or {}}

    async def plan(conn: Any, funds: Funds) -> tuple[int, dict[str, Any], int | None]:
        hold = await _hold(conn, user_id, hold_id, lock=True)
        status = current_status(hold)
        if status != "HELD":
            raise Conflict({"hold_id": hold_id, "status": status, "reason": "only a HELD hold can be captured"})
        take = hold["amount"] if amount is None else amount
        if take > hold["amount"]:
            raise InvalidParams("amount", f"at most {hold['amount']}, the amount held", held=hold["amount"])
        if take > funds.balance:  # cannot happen while every writer honours holds; never overdraw if one did not
            raise InsufficientBalance(user_id, funds.balance, take, funds.available)
        await conn.execute(holds.update().where(holds.c.id == hold_id).values(status="CAPTURED", captured=take))
        await funds.add_held(conn, -hold["amount"])
        return -take, {**(metadata or {}), "hold_id": hold_id}, None
    return await write(ctx, user_id, transaction_key, "USAGE", request, plan)


@rpc_method(errors=(NotFound,), retry="safe")
async def release_hold(ctx: Context, user_id: UserId, hold_id: HoldId) -> Hold:
    """Releases a HELD hold; one that is not HELD is returned unchanged."""
    async with ctx.db.write() as conn:
        funds = await lock_funds(conn, user_id)
        hold = dict(await _hold(conn, user_id, hold_id, lock=True))
        if hold["status"] == "HELD":
            hold["status"] = "EXPIRED" if current_status(hold) == "EXPIRED" else "RELEASED"
            await conn.execute(holds.update().where(holds.c.id == hold_id).values(status=hold["status"]))
            await funds.add_held(conn, -hold["amount"])
    return hold_view(hold)


@rpc_method(errors=(NotFound,), retry="safe")
async def get_hold(ctx: Context, user_id: UserId, hold_id: HoldId) -> Hold:
    """The hold, as it is now (a HELD hold past its expires_at reads EXPIRED)."""
    async with ctx.db.session() as conn:
        return hold_view(await _hold(conn, user_id, hold_id))


@rpc_method(errors=(NotFound,), retry="safe")
async def get_balance(ctx: Context, user_id: UserId) -> BalanceSummary:
    """The balance, what holds set aside (lapsed ones not counted), and what is available."""
    live = select(func.coalesce(func.sum(holds.c.amount), 0)).where(
        holds.c.user_id == user_id, holds.c.status == "HELD", holds.c.expires_at > now_rfc3339()).scalar_subquery()
    async with ctx.db.session() as conn:
        row = await conn.fetch_one(select(balances.c.balance, live).where(balances.c.user_id == user_id))
    if row is None:
        raise NotFound("user", user_id)
    balance, held = int(row[0]), int(row[1])
    return {"balance": balance, "held": held, "available": balance - held}


def current_status(hold: Any) -> str:
    if hold["status"] == "HELD" and hold["expires_at"] <= now_rfc3339():
        return "EXPIRED"
    return cast(str, hold["status"])


def hold_view(hold: Any) -> Hold:
    return {"hold_id": hold["id"], "user_id": hold["user_id"], "amount": hold["amount"],
            "status": cast(Any, current_status(hold)), "expires_at": hold["expires_at"],
            "created_at": hold["created_at"], "captured": hold["captured"]}


async def _hold(conn: Any, user_id: str, hold_id: str, lock: bool = False) -> Any:
    query = select(holds).where(holds.c.id == hold_id, holds.c.user_id == user_id)
    row = await conn.fetch_one(query.with_for_update() if lock else query)
    if row is None:  # another user's hold does not exist, to this user
        raise NotFound("hold", hold_id)
    return row._mapping


# ---------- expiry without a call ----------

SWEEPER: StateKey[Periodic] = StateKey("credits.hold_sweeper")


def hold_sweeper(db: Database) -> Periodic:
    """Marks lapsed holds EXPIRED every HOLD_SWEEP_INTERVAL_S, a user at a time under that user's
    balance row lock. Safe beside other daemons' sweepers: a hold leaves HELD once, whoever
    takes it, and the lock makes the second find nothing to do."""
    return Periodic("hold sweeper", HOLD_SWEEP_INTERVAL_S, lambda: sweep_lapsed_holds(db))


async def sweep_lapsed_holds(db: Database) -> int:
    """Lets every lapsed hold go; returns how many users had some."""
    async with db.session() as conn:
        rows = await conn.fetch_all(select(holds.c.user_id).distinct().where(
            holds.c.status == "HELD", holds.c.expires_at <= now_rfc3339()).limit(HOLD_SWEEP_BATCH))
    for row in rows:  # (a databases Record iterates over its keys: index it)
        async with db.write() as conn:
            await (await lock_funds(conn, row[0])).let_lapsed_go(conn)
    return len(rows)

