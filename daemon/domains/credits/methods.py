"""The credit ledger: balances, spends, top-ups, grants, refunds and their history.

Spends on PostgreSQL are grouped, many calls to one statement and one commit, by
`batcher.py` (its docstring explains how the same rules hold there). Every other write runs
in `write`: one transaction that locks the user's balance row (FOR UPDATE on
PostgreSQL; BEGIN IMMEDIATE on SQLite), replays a known `transaction_key`, applies the change,
appends the immutable ledger row and its audit outbox row, and commits them together. Holding
the row lock from the check to the write is what keeps a balance from ever going below zero (nor
below what holds set aside: holds.py) and a retry from ever charging twice, with one daemon or
several on one database.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, cast

import orjson
from sqlalchemy import func, select

from daemon.clock import now_rfc3339
from daemon.constants import HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT, MAX_ROW_ID, MAX_SAFE_INTEGER
from daemon.context import Context
from daemon.domains.credits.batcher import BATCHER
from daemon.domains.credits.ledger import Funds, lock_funds, request_hash, reused_key
from daemon.domains.credits.tables import balances, transactions
from daemon.domains.credits.types import Amount, Balance, PositiveAmount, Transaction, TransactionPage, TransactionType
from daemon.domains.types import Metadata, Name, TransactionKey, UserId
from daemon.errors import Conflict, InsufficientBalance, InvalidParams, NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc, Range
from daemon.streams import audit

# The seed's UsageTransactionMetadata: spend metadata is kept as given, these fields included.
USAGE_METADATA_FIELDS = ("graph_exec_id", "graph_id", "node_id", "node_exec_id", "block_id", "block", "input", "reason")

UsageMetadata = Annotated[Metadata, Doc("UsageTransactionMetadata: " + ", ".join(USAGE_METADATA_FIELDS))]
RefundAmount = Annotated[PositiveAmount, Doc("default: all that is left to refund of that spend")]

# plan(conn, funds) → (signed amount, metadata, refunded transaction id or None)
Plan = Callable[[Any, Funds], Awaitable[tuple[int, dict[str, Any], int | None]]]


@rpc_method(errors=(NotFound,), retry="safe")
async def get_credits(ctx: Context, user_id: UserId) -> Balance:
    """The user's balance."""
    async with ctx.db.session() as conn:
        return await _balance(conn, user_id)


@rpc_method(errors=(NotFound, InsufficientBalance, Conflict), retry="keyed")
async def spend_credits(ctx: Context, user_id: UserId, cost: Amount,
                        metadata: UsageMetadata | None = None,
                        transaction_key: TransactionKey | None = None) -> Balance:
    """Spends `cost` credits; 1001, changing nothing, when the available credits are short.

    Available is the balance less what holds set aside (`get_balance`)."""
    if cost == 0:  # records nothing, by the contract
        return await get_credits(ctx, user_id)
    request = {"cost": cost, "metadata": metadata or {}}  # left out and {} store the same: one request
    batcher = ctx.state.get(BATCHER)
    if batcher is not None:  # PostgreSQL: by group commit, see batcher.py
        return await batcher.spend(user_id, cost, metadata or {}, transaction_key, request_hash("USAGE", request))

    async def plan(conn: Any, funds: Funds) -> tuple[int, dict[str, Any], int | None]:
        if cost > funds.available:
            await funds.let_lapsed_go(conn)
        if cost > funds.available:
            raise InsufficientBalance(user_id, funds.balance, cost, funds.available)
        return -cost, metadata or {}, None
    return await write(ctx, user_id, transaction_key, "USAGE", request, plan)


@rpc_method(errors=(NotFound, Conflict), retry="keyed")
async def top_up_credits(ctx: Context, user_id: UserId, amount: PositiveAmount, metadata: Metadata | None = None,
                         transaction_key: TransactionKey | None = None) -> Balance:
    """Adds `amount` credits bought by the user."""
    return await write(ctx, user_id, transaction_key, "TOP_UP", {"amount": amount, "metadata": metadata or {}},
                        _credit(amount, metadata or {}))


@rpc_method(errors=(NotFound, Conflict), retry="keyed")
async def grant_credits(ctx: Context, user_id: UserId, amount: PositiveAmount,
                        reason: Annotated[Name, Doc("why the credits are given; kept in the transaction's metadata")],
                        transaction_key: TransactionKey | None = None) -> Balance:
    """Gives `amount` credits for free, for a reason."""
    return await write(ctx, user_id, transaction_key, "GRANT", {"amount": amount, "reason": reason},
                        _credit(amount, {"reason": reason}))


@rpc_method(errors=(NotFound, Conflict), retry="keyed")
async def refund_credits(ctx: Context, user_id: UserId,
                         spend_transaction_key: Annotated[Name, Doc("the transaction_key of the spend to refund")],
                         amount: RefundAmount | None = None,
                         reason: Name | None = None,
                         transaction_key: TransactionKey | None = None) -> Balance:
    """Gives back all or part of one earlier spend, never more than it cost over all its refunds."""
    async def plan(conn: Any, funds: Funds) -> tuple[int, dict[str, Any], int | None]:
        spend_id, refundable = await _refundable(conn, user_id, spend_transaction_key)
        if refundable == 0:
            raise Conflict({"spend_transaction_key": spend_transaction_key, "refundable": 0,
                            "reason": "that spend is already fully refunded"})
        refund = refundable if amount is None else amount
        if refund > refundable:
            raise InvalidParams("amount", f"at most {refundable} is left to refund of that spend", refundable=refundable)
        return refund, {"reason": reason, "spend_transaction_key": spend_transaction_key}, spend_id
    request = {"spend_transaction_key": spend_transaction_key, "amount": amount, "reason": reason}
    return await write(ctx, user_id, transaction_key, "REFUND", request, plan)


@rpc_method(errors=(NotFound,), retry="safe")
async def get_transaction_history(
        ctx: Context, user_id: UserId,
        limit: Annotated[int, Range(1, HISTORY_MAX_LIMIT), Doc(f"default {HISTORY_DEFAULT_LIMIT}")] = HISTORY_DEFAULT_LIMIT,
        cursor: Annotated[str, Doc("next_cursor of the previous page")] | None = None,
        types: list[TransactionType] | None = None) -> TransactionPage:
    """The user's transactions, newest first, a page at a time."""
    before = _parse_cursor(cursor)
    query = select(transactions).where(transactions.c.user_id == user_id)
    if before is not None:
        query = query.where(transactions.c.id < before)
    if types:  # deduplicated: a long repeated list must not become thousands of query arguments
        query = query.where(transactions.c.type.in_(sorted(set(types))))
    query = query.order_by(transactions.c.id.desc()).limit(limit + 1)
    async with ctx.db.session() as conn:
        rows = await conn.fetch_all(query)
        if not rows:
            await _balance(conn, user_id)  # 1002 for an unknown user; a user with rows exists
    page = [transaction_view(row._mapping) for row in rows[:limit]]
    return {"transactions": page, "next_cursor": page[-1]["id"] if len(rows) > limit else None}


def transaction_view(row: Any) -> Transaction:
    return {"id": str(row["id"]), "transaction_key": row["transaction_key"], "user_id": row["user_id"],
            "type": row["type"], "amount": row["amount"], "running_balance": row["running_balance"],
            "metadata": orjson.loads(row["metadata"]), "created_at": row["created_at"]}


def _credit(amount: int, metadata: dict[str, Any]) -> Plan:
    async def plan(conn: Any, funds: Funds) -> tuple[int, dict[str, Any], int | None]:
        return amount, metadata, None
    return plan


async def write(ctx: Context, user_id: str, key: str | None, tx_type: str, request: dict[str, Any], plan: Plan) -> int:
    """One ledger write, in one transaction of its own (see `record`), and the audit relay woken
    once it commits. Returns the new balance."""
    async with ctx.db.write() as conn:
        new_balance = await record(conn, user_id, key, tx_type, request, plan)
    ctx.audit_committed()
    return new_balance


async def grant(conn: Any, user_id: str, amount: int, reason: str, key: str) -> int:
    """grant_credits inside the caller's transaction (onboarding's rewards): the same request, so
    a key replays alike whichever path wrote it first. The caller wakes the audit relay
    (`ctx.audit_committed()`) once its transaction commits."""
    return await record(conn, user_id, key, "GRANT", {"amount": amount, "reason": reason},
                        _credit(amount, {"reason": reason}))


async def record(conn: Any, user_id: str, key: str | None, tx_type: str, request: dict[str, Any], plan: Plan) -> int:
    """One ledger write inside the caller's transaction: lock the user's funds, replay a known
    key, apply what `plan` decides, append the ledger row and its outbox row (committed with the
    caller's transaction, so audited exactly once). Returns the new balance."""
    digest = request_hash(tx_type, request)
    funds = await lock_funds(conn, user_id)
    if key is not None:
        replayed = await _replay(conn, user_id, key, digest)
        if replayed is not None:
            return replayed
    amount, metadata, refund_of = await plan(conn, funds)
    new_balance = funds.balance + amount
    if new_balance > MAX_SAFE_INTEGER:
        raise InvalidParams("amount", "would take the balance past 2^53-1")
    await conn.execute(balances.update().where(balances.c.user_id == user_id).values(balance=new_balance))
    tx_id = await conn.fetch_val(transactions.insert().values(
        user_id=user_id, transaction_key=key or uuid.uuid4().hex, type=tx_type, amount=amount,
        running_balance=new_balance, metadata=orjson.dumps(metadata).decode(), created_at=now_rfc3339(),
        request_hash=digest, refund_of=refund_of,
    ).returning(transactions.c.id))
    await audit.enqueue(conn, tx_id)
    return new_balance


async def _balance(conn: Any, user_id: str) -> int:
    query = select(balances.c.balance).where(balances.c.user_id == user_id)
    balance = cast("int | None", await conn.fetch_val(query))
    if balance is None:
        raise NotFound("user", user_id)
    return balance


async def _replay(conn: Any, user_id: str, key: str, digest: str) -> int | None:
    """The first call's result for a key already used with the same params; 1003 for other params."""
    prior = await conn.fetch_one(select(transactions.c.request_hash, transactions.c.running_balance).where(
        transactions.c.user_id == user_id, transactions.c.transaction_key == key))
    if prior is None:
        return None
    if prior[0] != digest:
        raise reused_key(key)
    return cast(int, prior[1])


async def _refundable(conn: Any, user_id: str, spend_key: str) -> tuple[int, int]:
    spend = await conn.fetch_one(select(transactions.c.id, transactions.c.amount).where(
        transactions.c.user_id == user_id, transactions.c.transaction_key == spend_key,
        transactions.c.type == "USAGE"))
    if spend is None:
        raise NotFound("transaction", spend_key)
    refunded = await conn.fetch_val(select(func.coalesce(func.sum(transactions.c.amount), 0)).where(
        transactions.c.refund_of == spend[0]))
    return spend[0], -spend[1] - int(refunded)


def _parse_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 19 or int(cursor) > MAX_ROW_ID:
        raise InvalidParams("cursor", "not a cursor this method returned")
    return int(cursor)
