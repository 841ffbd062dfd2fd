"""The ledger rules (README, "Ledger rules"), on SQLite and PostgreSQL."""

import asyncio

import pytest

from daemon.constants import MAX_SAFE_INTEGER


@pytest.fixture
async def alice(rpc):
    await rpc.result("create_user", {"email": "alice@x.io", "user_id": "alice"})
    return "alice"


async def test_balance_starts_at_zero_and_moves_with_each_write(rpc, alice):
    assert await rpc.result("get_credits", [alice]) == 0
    assert await rpc.result("top_up_credits", [alice, 100]) == 100
    assert await rpc.result("grant_credits", [alice, 20, "welcome"]) == 120
    assert await rpc.result("spend_credits", [alice, 45]) == 75
    assert await rpc.result("get_credits", [alice]) == 75


async def test_spend_beyond_balance_fails_and_changes_nothing(rpc, alice):
    await rpc.result("top_up_credits", [alice, 10])
    error = await rpc.error("spend_credits", [alice, 11])
    assert error == {"code": 1001, "message": "Insufficient balance",
                     "data": {"user_id": alice, "balance": 10, "amount": 11, "available": 10}}
    assert await rpc.result("get_credits", [alice]) == 10
    assert len((await rpc.result("get_transaction_history", [alice]))["transactions"]) == 1


async def test_spending_exactly_the_balance_leaves_zero(rpc, alice):
    await rpc.result("top_up_credits", [alice, 10])
    assert await rpc.result("spend_credits", [alice, 10]) == 0


async def test_cost_zero_returns_the_balance_and_records_nothing(rpc, alice):
    await rpc.result("top_up_credits", [alice, 5])
    assert await rpc.result("spend_credits", [alice, 0]) == 5
    assert len((await rpc.result("get_transaction_history", [alice]))["transactions"]) == 1


async def test_writes_for_an_unknown_user_are_not_found(rpc):
    for method, params in [("get_credits", ["nobody"]), ("spend_credits", ["nobody", 1]),
                           ("top_up_credits", ["nobody", 1]), ("grant_credits", ["nobody", 1, "r"]),
                           ("get_transaction_history", ["nobody"])]:
        assert (await rpc.error(method, params))["code"] == 1002, method


async def test_top_up_and_grant_need_a_positive_amount(rpc, alice):
    assert (await rpc.error("top_up_credits", [alice, 0]))["data"]["param"] == "amount"
    assert (await rpc.error("grant_credits", [alice, 0, "r"]))["data"]["param"] == "amount"


async def test_balance_cannot_pass_the_largest_safe_integer(rpc, alice):
    await rpc.result("top_up_credits", [alice, MAX_SAFE_INTEGER])
    assert (await rpc.error("top_up_credits", [alice, 1]))["code"] == -32602
    assert await rpc.result("get_credits", [alice]) == MAX_SAFE_INTEGER


async def test_same_key_same_params_returns_first_result_and_writes_nothing(rpc, alice):
    await rpc.result("top_up_credits", [alice, 100])
    params = {"user_id": alice, "cost": 30, "transaction_key": "step-1", "metadata": {"node_id": "n"}}
    assert await rpc.result("spend_credits", params) == 70
    await rpc.result("spend_credits", [alice, 5])
    assert await rpc.result("spend_credits", params) == 70  # the first call's result
    assert await rpc.result("get_credits", [alice]) == 65
    assert len((await rpc.result("get_transaction_history", [alice]))["transactions"]) == 3


async def test_same_key_other_params_is_a_conflict(rpc, alice):
    await rpc.result("top_up_credits", {"user_id": alice, "amount": 100, "transaction_key": "k"})
    error = await rpc.error("top_up_credits", {"user_id": alice, "amount": 99, "transaction_key": "k"})
    assert error["code"] == 1003 and error["data"]["transaction_key"] == "k"
    error = await rpc.error("spend_credits", {"user_id": alice, "cost": 100, "transaction_key": "k"})
    assert error["code"] == 1003
    assert await rpc.result("get_credits", [alice]) == 100


async def test_keys_are_per_user(rpc, alice):
    await rpc.result("create_user", {"email": "bob@x.io", "user_id": "bob"})
    assert await rpc.result("top_up_credits", {"user_id": alice, "amount": 5, "transaction_key": "k"}) == 5
    assert await rpc.result("top_up_credits", {"user_id": "bob", "amount": 7, "transaction_key": "k"}) == 7


async def test_concurrent_retries_with_one_key_charge_once(rpc, alice):
    await rpc.result("top_up_credits", [alice, 100])
    params = {"user_id": alice, "cost": 10, "transaction_key": "retry"}
    results = await asyncio.gather(*(rpc.result("spend_credits", params) for _ in range(20)))
    assert results == [90] * 20
    assert await rpc.result("get_credits", [alice]) == 90


async def test_concurrent_spends_never_overdraw(rpc, alice):
    """250 concurrent spends of 1 on a balance of 100: exactly 100 succeed, the balance ends at 0."""
    await rpc.result("top_up_credits", [alice, 100])
    bodies = await asyncio.gather(*(rpc.call("spend_credits", [alice, 1]) for _ in range(250)))
    assert sum("result" in b for b in bodies) == 100
    assert {b["error"]["code"] for b in bodies if "error" in b} == {1001}
    assert await rpc.result("get_credits", [alice]) == 0
    history = await rpc.result("get_transaction_history", {"user_id": alice, "limit": 1000, "types": ["USAGE"]})
    assert len(history["transactions"]) == 100
    assert sorted(t["running_balance"] for t in history["transactions"]) == list(range(100))


async def test_refund_gives_back_part_then_the_rest_never_more(rpc, alice):
    await rpc.result("top_up_credits", [alice, 100])
    await rpc.result("spend_credits", {"user_id": alice, "cost": 40, "transaction_key": "run-1"})
    assert await rpc.result("refund_credits", {"user_id": alice, "spend_transaction_key": "run-1", "amount": 15}) == 75
    error = await rpc.error("refund_credits", {"user_id": alice, "spend_transaction_key": "run-1", "amount": 26})
    assert error["code"] == -32602 and error["data"]["param"] == "amount" and error["data"]["refundable"] == 25
    assert await rpc.result("refund_credits", {"user_id": alice, "spend_transaction_key": "run-1",
                                               "reason": "node failed"}) == 100
    error = await rpc.error("refund_credits", {"user_id": alice, "spend_transaction_key": "run-1", "amount": 1})
    assert error["code"] in (1003, -32602)
    assert await rpc.result("get_credits", [alice]) == 100


async def test_refund_needs_a_spend_of_that_user(rpc, alice):
    await rpc.result("top_up_credits", {"user_id": alice, "amount": 10, "transaction_key": "topup"})
    error = await rpc.error("refund_credits", {"user_id": alice, "spend_transaction_key": "topup"})
    assert error == {"code": 1002, "message": "Not found", "data": {"kind": "transaction", "id": "topup"}}


async def test_concurrent_refunds_never_exceed_the_spend(rpc, alice):
    await rpc.result("top_up_credits", [alice, 50])
    await rpc.result("spend_credits", {"user_id": alice, "cost": 50, "transaction_key": "big"})
    bodies = await asyncio.gather(*(rpc.call("refund_credits", {"user_id": alice, "spend_transaction_key": "big",
                                                                "amount": 3}) for _ in range(30)))
    assert sum("result" in b for b in bodies) == 16  # 16 × 3 = 48 ≤ 50 < 17 × 3
    assert await rpc.result("get_credits", [alice]) == 48


async def test_refund_is_idempotent_with_its_key(rpc, alice):
    await rpc.result("top_up_credits", [alice, 10])
    await rpc.result("spend_credits", {"user_id": alice, "cost": 10, "transaction_key": "s"})
    params = {"user_id": alice, "spend_transaction_key": "s", "amount": 4, "transaction_key": "r"}
    assert await rpc.result("refund_credits", params) == 4
    assert await rpc.result("refund_credits", params) == 4
    assert await rpc.result("get_credits", [alice]) == 4


async def test_history_is_newest_first_and_pages_with_a_cursor(rpc, alice):
    for amount in range(1, 8):
        await rpc.result("top_up_credits", [alice, amount])
    seen, cursor = [], None
    while True:
        page = await rpc.result("get_transaction_history", {"user_id": alice, "limit": 3, "cursor": cursor})
        seen += [t["amount"] for t in page["transactions"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [7, 6, 5, 4, 3, 2, 1]


async def test_history_filters_by_type_and_shows_every_field(rpc, alice):
    await rpc.result("top_up_credits", {"user_id": alice, "amount": 10, "metadata": {"invoice": "i-1"}})
    await rpc.result("grant_credits", [alice, 5, "promo"])
    await rpc.result("spend_credits", {"user_id": alice, "cost": 3, "transaction_key": "sp",
                                       "metadata": {"graph_id": "g", "node_id": "n", "block": "LLM", "input": {"x": 1}}})
    page = await rpc.result("get_transaction_history", {"user_id": alice, "types": ["USAGE", "GRANT"]})
    spend, grant = page["transactions"]
    assert spend["type"] == "USAGE" and spend["amount"] == -3 and spend["running_balance"] == 12
    assert spend["transaction_key"] == "sp" and spend["user_id"] == alice
    assert spend["metadata"] == {"graph_id": "g", "node_id": "n", "block": "LLM", "input": {"x": 1}}
    assert grant["type"] == "GRANT" and grant["metadata"] == {"reason": "promo"}
    assert set(spend) == {"id", "transaction_key", "user_id", "type", "amount", "running_balance", "metadata",
                          "created_at"}
    assert page["next_cursor"] is None
