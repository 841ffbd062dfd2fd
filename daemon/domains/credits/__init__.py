"""The credits domain: balances, spends, top-ups, grants, refunds and their history."""

from daemon.context import Context
from daemon.domains.credits.batcher import BATCHER, SpendBatcher
from daemon.domains.credits.methods import (
    get_credits,
    get_transaction_history,
    grant_credits,
    refund_credits,
    spend_credits,
    top_up_credits,
)
from daemon.domains.credits.tables import balances, transactions
from daemon.rpc.registry import Domain


async def start(ctx: Context) -> None:
    """On PostgreSQL, spends go by group commit (batcher.py); SQLite serializes its writers
    anyway, so there every spend takes the one-call path."""
    if ctx.db.kind == "postgresql":
        ctx.state.set(BATCHER, SpendBatcher(ctx.db, ctx.audit_committed))


async def stop(ctx: Context) -> None:
    ctx.state.pop(BATCHER)


DOMAIN = Domain(
    "credits", "the credit ledger: balances, spends, top-ups, grants, refunds and their history",
    methods=(get_credits, spend_credits, top_up_credits, grant_credits, refund_credits, get_transaction_history),
    tables=(balances, transactions), start=start, stop=stop,
)
