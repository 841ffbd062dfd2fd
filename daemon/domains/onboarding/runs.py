"""increment_onboarding_runs: count a run, keep the streak, reward milestones, in one transaction.

Concurrent calls for one user serialise on the user's onboarding row (created by an
`ON CONFLICT DO NOTHING` insert, then read `FOR UPDATE`; SQLite's BEGIN IMMEDIATE serialises
every writer anyway), so N calls count N runs. A milestone's reward is the credits domain's own
GRANT (credits.methods.grant) keyed `REWARD-{user_id}-{step}`, written in the same transaction:
the step joins `rewarded_for` and the ledger row and its audit outbox row commit together, once.
A key the ledger already holds (a retry, or a grant_credits call that used it) is not granted again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from daemon.clock import rfc3339
from daemon.domains.credits.methods import grant
from daemon.domains.onboarding.streak import REWARDS, next_streak, reached, reward_key, user_zone
from daemon.domains.onboarding.tables import user_onboarding
from daemon.domains.users.tables import users
from daemon.errors import Conflict, NotFound
from daemon.storage.database import Database
from daemon.storage.sql import dump, load, upsert_insert


def utc_now() -> datetime:
    """The moment of the run (the tests set it to cross local midnights)."""
    return datetime.now(UTC)


async def count_run(db: Database, user_id: str) -> list[str]:
    """Counts one run of the user's; returns the steps rewarded by it (the caller wakes the
    audit relay when there are some)."""
    now = utc_now()
    async with db.write() as conn:
        timezone = await conn.fetch_val(select(users.c.timezone).where(users.c.id == user_id))
        if timezone is None:
            raise NotFound("user", user_id)
        row = await _locked_row(conn, db.kind, user_id, rfc3339(now))
        last = datetime.fromisoformat(row["last_run_at"]) if row["last_run_at"] else None
        runs, days = row["agent_runs"] + 1, next_streak(last, row["consecutive_run_days"], now, user_zone(timezone))
        completed, rewarded = load(row["completed_steps"]), load(row["rewarded_for"])
        new_steps = [step for step in reached(runs, days) if step not in rewarded]
        for step in new_steps:
            await _reward(conn, user_id, step)
        await conn.execute(user_onboarding.update().where(user_onboarding.c.user_id == user_id).values(
            agent_runs=runs, consecutive_run_days=days, last_run_at=rfc3339(now), updated_at=rfc3339(now),
            completed_steps=dump(completed + [s for s in new_steps if s not in completed]),
            rewarded_for=dump(rewarded + new_steps)))
    return new_steps


async def _locked_row(conn: Any, kind: str, user_id: str, now: str) -> Any:
    await conn.execute(upsert_insert(kind)(user_onboarding).values(user_id=user_id, created_at=now, updated_at=now)
                       .on_conflict_do_nothing(index_elements=[user_onboarding.c.user_id]))
    row = await conn.fetch_one(select(user_onboarding).where(user_onboarding.c.user_id == user_id).with_for_update())
    return row._mapping


async def _reward(conn: Any, user_id: str, step: str) -> None:
    try:
        await grant(conn, user_id, REWARDS[step], f"onboarding reward: {step}", reward_key(user_id, step))
    except Conflict:  # the key is in the ledger already, with other params: granted once, never twice
        pass
