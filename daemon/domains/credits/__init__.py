"""The credits domain: balances, spends, top-ups, grants, refunds, their history, and holds."""

from daemon.context import Context
from daemon.domains.credits.batcher import BATCHER, SpendBatcher
from daemon.domains.credits.holds import (
    SWEEPER,
    capture_hold,
    get_balance,
    get_hold,
    hold_sweeper,
    release_hold,
    reserve_credits,
)
from daemon.domains.credits.methods import (
    get_credits,
    get_transaction_history,
    grant_credits,
    refund_credits,
    spend_credits,
    top_up_credits,
)
from daemon.domains.credits.tables import balances, holds, transactions
from daemon.rpc.registry import Domain


async def start(ctx: Context) -> None:
    """On PostgreSQL, spends go by group commit (batcher.py); SQLite serializes its writers
    anyway, so there every spend takes the one-call path. Lapsed holds are swept on both."""
    if ctx.db.kind == "postgresql":
        ctx.state.set(BATCHER, SpendBatcher(ctx.db, ctx.audit_committed))
    sweeper = hold_sweeper(ctx.db)
    sweeper.start()
    ctx.state.set(SWEEPER, sweeper)


async def stop(ctx: Context) -> None:
    ctx.state.pop(BATCHER)
    sweeper = ctx.state.pop(SWEEPER)
    if sweeper is not None:
        await sweeper.stop()


DOMAIN = Domain(
    "credits", "the credit ledger: balances, spends, top-ups, grants, refunds, their history, and holds",
    methods=(get_credits, spend_credits, top_up_credits, grant_credits, refund_credits, get_transaction_history,
             reserve_credits, capture_hold, release_hold, get_hold, get_balance),
    tables=(balances, transactions, holds), start=start, stop=stop,
)
