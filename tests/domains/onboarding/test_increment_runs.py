"""increment_onboarding_runs through the daemon: runs and streaks in the user's timezone, each
milestone one GRANT keyed REWARD-{user_id}-{step}, audited once, never twice, also under
concurrent calls; unknown users and bad params."""

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import select

from daemon.domains.credits.tables import transactions
from daemon.domains.onboarding import runs
from daemon.domains.onboarding.tables import user_onboarding


@pytest.fixture
async def ann(rpc):
    await rpc.result("create_user", {"email": "ann@x.io", "user_id": "ann"})
    return rpc


@pytest.fixture
def clock(monkeypatch):
    """Sets the moment the next runs happen at."""
    def set_now(text: str) -> None:
        monkeypatch.setattr(runs, "utc_now", lambda: datetime.fromisoformat(text))
    return set_now


async def _onboarding(rpc, user_id="ann"):
    async with rpc.services.db.session() as conn:
        row = await conn.fetch_one(select(user_onboarding).where(user_onboarding.c.user_id == user_id))
    return dict(row._mapping) if row is not None else None


async def _grants(rpc, user_id="ann"):
    async with rpc.services.db.session() as conn:
        rows = await conn.fetch_all(select(transactions.c.transaction_key, transactions.c.amount, transactions.c.id)
                                    .where(transactions.c.user_id == user_id, transactions.c.type == "GRANT")
                                    .order_by(transactions.c.id))
    return [(r[0], r[1]) for r in rows]


async def _audited_keys(rpc):
    while await rpc.services.audit_relay.relay_once():
        pass
    entries = await rpc.services.redis.xrange(rpc.services.settings.audit_stream)
    return [fields["transaction_key"] for _, fields in entries]


async def test_streak_days_are_the_users_local_days(ann, clock):
    await ann.result("update_user", {"user_id": "ann", "timezone": "America/New_York"})
    steps = [("2026-03-02T04:30:00Z", 1),   # Mar 1, 23:30 in New York
             ("2026-03-02T05:30:00Z", 2),   # Mar 2, 00:30: the next local day, the same UTC day
             ("2026-03-03T03:00:00Z", 2),   # Mar 2, 22:00: the same local day, the next UTC day
             ("2026-03-03T20:00:00Z", 3),   # Mar 3
             ("2026-03-06T12:00:00Z", 1)]   # Mar 6: Mar 4 and 5 were skipped
    for moment, days in steps:
        clock(moment)
        assert await ann.result("increment_onboarding_runs", ["ann"]) is None
        row = await _onboarding(ann)
        assert (row["consecutive_run_days"], row["last_run_at"]) == (days, moment.replace("Z", ".000000Z")), moment
    assert row["agent_runs"] == 5
    assert await _grants(ann) == [("REWARD-ann-RUN_3_DAYS", 100)]  # on the fourth run, the third local day
    assert await ann.result("get_credits", ["ann"]) == 100


async def test_the_same_runs_in_utc_make_another_streak(ann, clock):
    for moment in ("2026-03-02T04:30:00Z", "2026-03-02T05:30:00Z", "2026-03-03T03:00:00Z", "2026-03-03T20:00:00Z"):
        clock(moment)
        await ann.result("increment_onboarding_runs", {"user_id": "ann"})
    assert (await _onboarding(ann))["consecutive_run_days"] == 2  # not-set: Mar 2, Mar 3 in UTC
    assert await _grants(ann) == []


async def test_ten_runs_earn_run_agents_once_granted_and_audited_once(ann, clock):
    clock("2026-05-01T10:00:00Z")
    for _ in range(12):
        await ann.result("increment_onboarding_runs", ["ann"])
    assert await _grants(ann) == [("REWARD-ann-RUN_AGENTS", 300)]
    row = await _onboarding(ann)
    assert row["agent_runs"] == 12 and row["completed_steps"] == '["RUN_AGENTS"]'
    assert row["rewarded_for"] == '["RUN_AGENTS"]'
    assert (await _audited_keys(ann)).count("REWARD-ann-RUN_AGENTS") == 1
    history = await ann.result("get_transaction_history", ["ann"])
    assert history["transactions"][0]["metadata"] == {"reason": "onboarding reward: RUN_AGENTS"}


async def test_concurrent_runs_count_exactly_and_reward_once(ann, clock):
    clock("2026-05-01T10:00:00Z")
    await asyncio.gather(*(ann.result("increment_onboarding_runs", ["ann"]) for _ in range(25)))
    assert (await _onboarding(ann))["agent_runs"] == 25
    assert await _grants(ann) == [("REWARD-ann-RUN_AGENTS", 300)]
    assert await ann.result("get_credits", ["ann"]) == 300


async def test_a_key_already_in_the_ledger_is_not_granted_again(ann, clock):
    clock("2026-05-01T10:00:00Z")
    await ann.result("grant_credits", {"user_id": "ann", "amount": 300, "reason": "onboarding reward: RUN_AGENTS",
                                       "transaction_key": "REWARD-ann-RUN_AGENTS"})
    for _ in range(10):
        await ann.result("increment_onboarding_runs", ["ann"])
    assert await _grants(ann) == [("REWARD-ann-RUN_AGENTS", 300)]
    assert (await _onboarding(ann))["rewarded_for"] == '["RUN_AGENTS"]'


async def test_a_reward_key_past_255_characters_is_kept_whole(rpc, clock):
    long_id = "u" * 255
    await rpc.result("create_user", {"email": "long@x.io", "user_id": long_id})
    clock("2026-05-01T10:00:00Z")
    for _ in range(10):
        await rpc.result("increment_onboarding_runs", [long_id])
    assert await _grants(rpc, long_id) == [(f"REWARD-{long_id}-RUN_AGENTS", 300)]


async def test_an_unknown_user_is_1002_and_writes_nothing(ann):
    error = await ann.error("increment_onboarding_runs", ["nobody"])
    assert error["code"] == 1002 and error["data"] == {"kind": "user", "id": "nobody"}
    assert await _onboarding(ann, "nobody") is None


async def test_bad_params_name_the_param(ann):
    for params in (["" ], [7], {"user_id": "x" * 256}, {}, {"user_id": "ann", "extra": 1}):
        error = await ann.error("increment_onboarding_runs", params)
        assert error["code"] == -32602 and error["data"]["param"] in ("user_id", "extra"), params
    assert await _onboarding(ann) is None
