"""Spends by group commit (daemon/methods/spend_batcher.py on PostgreSQL; SQLite's one-call path
alike): every call of a group gets its own answer, with the ledger rules of the README."""

import asyncio

from tests.support import make_settings, running


async def test_one_batch_of_mixed_spends_answers_each_call_on_its_own(rpc):
    await rpc.result("create_user", {"email": "m@x.io", "user_id": "m"})
    await rpc.result("top_up_credits", ["m", 10])
    calls = [("spend_credits", ["m", 3]),
             ("spend_credits", ["m", 100]),
             ("spend_credits", ["nobody", 1]),
             ("spend_credits", {"user_id": "m", "cost": 2, "transaction_key": "k1"}),
             ("spend_credits", {"user_id": "m", "cost": 2, "transaction_key": "k1"}),
             ("spend_credits", {"user_id": "m", "cost": 5, "transaction_key": "k1"})]
    status, answers = await rpc.post([{"jsonrpc": "2.0", "method": m, "params": p, "id": i}
                                      for i, (m, p) in enumerate(calls)])
    by_id = {a["id"]: a for a in answers}
    assert status == 200 and len(answers) == 6
    assert by_id[0]["result"] == 7
    assert by_id[1]["error"] == {"code": 1001, "message": "Insufficient balance",
                                 "data": {"user_id": "m", "balance": 7, "amount": 100, "available": 7}}
    assert by_id[2]["error"]["code"] == 1002
    assert by_id[3]["result"] == by_id[4]["result"] == 5  # the second is a replay
    assert by_id[5]["error"]["code"] == 1003
    assert await rpc.result("get_credits", ["m"]) == 5
    history = await rpc.result("get_transaction_history", {"user_id": "m", "types": ["USAGE"]})
    assert [t["amount"] for t in history["transactions"]] == [-2, -3]


async def test_spends_of_many_users_in_one_group_each_move_their_own_balance(rpc):
    users = [f"u{i}" for i in range(30)]
    for user in users:
        await rpc.result("create_user", {"email": f"{user}@x.io", "user_id": user})
        await rpc.result("top_up_credits", [user, 5])
    bodies = await asyncio.gather(*(rpc.call("spend_credits", [user, 1]) for user in users for _ in range(7)))
    assert sum("result" in b for b in bodies) == 30 * 5
    assert {b["error"]["code"] for b in bodies if "error" in b} == {1001}
    assert [await rpc.result("get_credits", [user]) for user in users] == [0] * 30


async def test_two_daemons_grouping_spends_on_the_same_users_never_overdraw(pg_url, redis_url, stream_key, tmp_path):
    """Groups from two daemons lock the same rows; spends run in user order, so they wait, not deadlock."""
    settings = make_settings(database_url=pg_url, redis_url=redis_url, audit_stream=stream_key, state_dir=tmp_path)
    async with running(settings) as one, running(settings) as two:
        for user in ("a", "b", "c"):
            await one.result("create_user", {"email": f"{user}@x.io", "user_id": user})
            await one.result("top_up_credits", [user, 40])
        calls = [(one if i % 2 else two).call("spend_credits", [user, 1]) for i in range(60) for user in ("c", "a", "b")]
        bodies = await asyncio.gather(*calls)
        assert sum("result" in b for b in bodies) == 120
        assert [await one.result("get_credits", [user]) for user in ("a", "b", "c")] == [0, 0, 0]
