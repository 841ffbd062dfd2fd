"""The onboarding domain's method (SEED_MODEL.md §7)."""

from __future__ import annotations

from daemon.context import Context
from daemon.domains.onboarding.runs import count_run
from daemon.domains.types import UserId
from daemon.errors import NotFound
from daemon.rpc.registry import rpc_method


@rpc_method(errors=(NotFound,), retry="unsafe")
async def increment_onboarding_runs(ctx: Context, user_id: UserId) -> None:
    """Counts one agent run of the user's, keeps the run streak in the user's timezone, and rewards new milestones.

    Streak: the first run is day 1, another run the same local day keeps it, a run the next local
    day adds one, any later day starts again at 1 (`not-set` is UTC). Milestones: 10 runs
    RUN_AGENTS (300 credits), 100 runs RUN_AGENTS_100 (300), 3 days RUN_3_DAYS (100), 14 days
    RUN_14_DAYS (300), each one GRANT keyed REWARD-{user_id}-{step}, granted once. 1002 for an
    unknown user. A retry counts one more run: unsafe."""
    if await count_run(ctx.db, user_id):
        ctx.audit_committed()
