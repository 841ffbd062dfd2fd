"""Credit holds: reserve, capture, release, expiry — and `available` never below zero, on both
databases (the one-call path on SQLite, the group commit on PostgreSQL)."""

from __future__ import annotations

import asyncio
import random

import pytest

from daemon.domains.credits.holds import SWEEPER
from tests.support import REDIS_URL, Rpc, make_settings, running, wait_for_entries


async def funded(rpc: Rpc, user: str, amount: int) -> str:
    await rpc.result("create_user", {"email": f"{user}@x.io", "user_id": user})
    await rpc.result("top_up_credits", [user, amount])
    return user


async def balance(rpc: Rpc, user: str) -> dict:
    return await rpc.result("get_balance", [user])


async def test_a_hold_sets_credits_aside_and_spends_draw_on_what_is_left(rpc):
    user = await funded(rpc, "h1", 100)
    hold = await rpc.result("reserve_credits", [user, 60])
    assert (hold["user_id"], hold["amount"], hold["status"], hold["captured"]) == (user, 60, "HELD", 0)
    assert hold["expires_at"] > hold["created_at"]
    assert await balance(rpc, user) == {"balance": 100, "held": 60, "available": 40}
    assert await rpc.result("get_credits", [user]) == 100  # get_credits stays the balance
    error = await rpc.error("spend_credits", [user, 41])
    assert error["code"] == 1001 and error["data"] == {"user_id": user, "balance": 100, "amount": 41, "available": 40}
    assert await rpc.result("spend_credits", [user, 40]) == 60
    assert await balance(rpc, user) == {"balance": 60, "held": 60, "available": 0}
    assert len((await rpc.result("get_transaction_history", [user]))["transactions"]) == 2  # no hold in the ledger


async def test_a_hold_past_what_is_available_is_1001_and_changes_nothing(rpc):
    user = await funded(rpc, "h2", 50)
    await rpc.result("reserve_credits", [user, 30])
    error = await rpc.error("reserve_credits", [user, 21])
    assert error["code"] == 1001 and error["data"]["available"] == 20
    assert await balance(rpc, user) == {"balance": 50, "held": 30, "available": 20}


async def test_capture_is_one_usage_transaction_naming_the_hold_and_releases_the_rest(rpc, stream_key):
    user = await funded(rpc, "h3", 100)
    hold = await rpc.result("reserve_credits", [user, 50])
    new_balance = await rpc.result("capture_hold", {"user_id": user, "hold_id": hold["hold_id"], "amount": 30,
                                                    "metadata": {"graph_id": "g"}})
    assert new_balance == 70
    assert await balance(rpc, user) == {"balance": 70, "held": 0, "available": 70}
    captured = await rpc.result("get_hold", [user, hold["hold_id"]])
    assert (captured["status"], captured["captured"]) == ("CAPTURED", 30)
    usage = (await rpc.result("get_transaction_history", [user]))["transactions"][0]
    assert (usage["type"], usage["amount"], usage["running_balance"]) == ("USAGE", -30, 70)
    assert usage["metadata"] == {"graph_id": "g", "hold_id": hold["hold_id"]}
    entries = await wait_for_entries(REDIS_URL, stream_key, 2)  # the top-up and the capture, once each
    assert [e["type"] for e in entries] == ["TOP_UP", "USAGE"]


async def test_capture_defaults_to_all_of_the_hold(rpc):
    user = await funded(rpc, "h4", 100)
    hold = await rpc.result("reserve_credits", [user, 45])
    assert await rpc.result("capture_hold", [user, hold["hold_id"]]) == 55
    assert (await rpc.result("get_hold", [user, hold["hold_id"]]))["captured"] == 45


async def test_capture_above_the_hold_is_32602_and_changes_nothing(rpc):
    user = await funded(rpc, "h5", 100)
    hold = await rpc.result("reserve_credits", [user, 10])
    error = await rpc.error("capture_hold", [user, hold["hold_id"], 11])
    assert error["code"] == -32602 and error["data"]["param"] == "amount"
    assert (await rpc.result("get_hold", [user, hold["hold_id"]]))["status"] == "HELD"
    assert await balance(rpc, user) == {"balance": 100, "held": 10, "available": 90}


async def test_a_hold_that_is_not_held_cannot_be_captured(rpc):
    user = await funded(rpc, "h6", 100)
    captured = await rpc.result("reserve_credits", [user, 10])
    await rpc.result("capture_hold", [user, captured["hold_id"]])
    released = await rpc.result("reserve_credits", [user, 10])
    await rpc.result("release_hold", [user, released["hold_id"]])
    for hold in (captured, released):
        error = await rpc.error("capture_hold", [user, hold["hold_id"]])
        assert error["code"] == 1003 and error["data"]["hold_id"] == hold["hold_id"]
    assert await rpc.result("get_credits", [user]) == 90  # captured once


async def test_capture_by_key_is_idempotent(rpc):
    user = await funded(rpc, "h7", 100)
    hold = await rpc.result("reserve_credits", [user, 20])
    params = {"user_id": user, "hold_id": hold["hold_id"], "amount": 15, "transaction_key": "cap-1"}
    assert await rpc.result("capture_hold", params) == 85
    assert await rpc.result("capture_hold", params) == 85  # a replay: the first call's answer
    assert (await rpc.error("capture_hold", {**params, "amount": 14}))["code"] == 1003  # the key, other params
    assert await rpc.result("get_credits", [user]) == 85
    assert len((await rpc.result("get_transaction_history", [user]))["transactions"]) == 2


async def test_reserve_by_key_replays_the_hold_as_it_is_now(rpc):
    user = await funded(rpc, "h8", 100)
    params = {"user_id": user, "amount": 25, "transaction_key": "res-1"}
    first = await rpc.result("reserve_credits", params)
    assert await rpc.result("reserve_credits", params) == first
    await rpc.result("capture_hold", [user, first["hold_id"]])
    again = await rpc.result("reserve_credits", params)
    assert again["hold_id"] == first["hold_id"] and again["status"] == "CAPTURED"
    assert (await rpc.error("reserve_credits", {**params, "amount": 26}))["code"] == 1003
    assert await balance(rpc, user) == {"balance": 75, "held": 0, "available": 75}


async def test_release_gives_the_credits_back_and_is_harmless_twice(rpc):
    user = await funded(rpc, "h9", 100)
    hold = await rpc.result("reserve_credits", [user, 70])
    released = await rpc.result("release_hold", [user, hold["hold_id"]])
    assert released["status"] == "RELEASED" and released["captured"] == 0
    assert await rpc.result("release_hold", [user, hold["hold_id"]]) == released
    assert await balance(rpc, user) == {"balance": 100, "held": 0, "available": 100}
    captured = await rpc.result("reserve_credits", [user, 5])
    await rpc.result("capture_hold", [user, captured["hold_id"]])
    assert (await rpc.result("release_hold", [user, captured["hold_id"]]))["status"] == "CAPTURED"  # unchanged


async def test_another_users_hold_does_not_exist_to_them(rpc):
    owner = await funded(rpc, "h10", 100)
    other = await funded(rpc, "h11", 100)
    hold = await rpc.result("reserve_credits", [owner, 10])
    for method, params in (("get_hold", [other, hold["hold_id"]]), ("release_hold", [other, hold["hold_id"]]),
                           ("capture_hold", [other, hold["hold_id"]]), ("get_hold", [owner, "no-such-hold"])):
        error = await rpc.error(method, params)
        assert error["code"] == 1002 and error["data"]["kind"] == "hold", (method, error)
    assert (await rpc.result("get_hold", [owner, hold["hold_id"]]))["status"] == "HELD"
    assert (await rpc.error("get_balance", ["nobody"]))["data"] == {"kind": "user", "id": "nobody"}


async def test_a_lapsed_hold_stops_counting_at_once(rpc):
    """Before any sweep: its credits are available to the next spend, it reads EXPIRED, it
    cannot be captured, and releasing it returns it unchanged."""
    await rpc.services.state.get(SWEEPER).stop()  # this test is about the instant, not the sweep
    user = await funded(rpc, "h12", 100)
    hold = await rpc.result("reserve_credits", {"user_id": user, "amount": 100, "ttl_s": 1})
    assert (await rpc.error("spend_credits", [user, 1]))["code"] == 1001
    await asyncio.sleep(1.1)
    assert (await rpc.result("get_hold", [user, hold["hold_id"]]))["status"] == "EXPIRED"
    assert await balance(rpc, user) == {"balance": 100, "held": 0, "available": 100}
    assert (await rpc.error("capture_hold", [user, hold["hold_id"]]))["code"] == 1003
    assert (await rpc.result("release_hold", [user, hold["hold_id"]]))["status"] == "EXPIRED"
    assert await rpc.result("spend_credits", [user, 100]) == 0


async def test_a_lapsed_hold_frees_credits_for_a_spend_even_unswept(rpc):
    await rpc.services.state.get(SWEEPER).stop()
    user = await funded(rpc, "h13", 10)
    await rpc.result("reserve_credits", {"user_id": user, "amount": 10, "ttl_s": 1})
    await asyncio.sleep(1.1)
    assert await rpc.result("spend_credits", [user, 10]) == 0  # the spend lets the lapsed hold go itself
    assert await balance(rpc, user) == {"balance": 0, "held": 0, "available": 0}


async def test_the_sweeper_marks_lapsed_holds_expired_without_a_call(rpc):
    user = await funded(rpc, "h14", 100)
    hold = await rpc.result("reserve_credits", {"user_id": user, "amount": 40, "ttl_s": 1})
    async with rpc.services.db.session() as conn:
        for _ in range(60):
            row = await conn.fetch_one("SELECT h.status, b.held FROM holds h JOIN balances b ON b.user_id = h.user_id "
                                       "WHERE h.id = :id", {"id": hold["hold_id"]})
            status, held = row[0], row[1]
            if status == "EXPIRED":
                break
            await asyncio.sleep(0.1)
    assert (status, held) == ("EXPIRED", 0)  # marked in the database, and no longer counted


@pytest.mark.parametrize("params, param", [
    ({"amount": 0}, "amount"), ({"amount": 1, "ttl_s": 0}, "ttl_s"), ({"amount": 1, "ttl_s": 86401}, "ttl_s"),
    ({"amount": True}, "amount"), ({"amount": 1, "metadata": []}, "metadata"),
])
async def test_bad_reserve_params_are_32602_and_change_nothing(rpc, params, param):
    user = await funded(rpc, "h15", 100)
    error = await rpc.error("reserve_credits", {"user_id": user, **params})
    assert error["code"] == -32602 and error["data"]["param"] == param
    assert await balance(rpc, user) == {"balance": 100, "held": 0, "available": 100}


async def test_mixed_concurrent_calls_never_make_available_negative(rpc):
    """200 reserves, spends, captures and releases at once on one user: available never goes
    below zero, and the balance is the sum of the ledger."""
    user = await funded(rpc, "h16", 500)
    holds: list[str] = []
    rng = random.Random(7)

    async def one(i: int) -> None:
        kind = rng.choice(["reserve", "spend", "capture", "release"])
        if kind == "reserve":
            body = await rpc.call("reserve_credits", [user, rng.randint(1, 40)])
            if "result" in body:
                holds.append(body["result"]["hold_id"])
        elif kind == "spend":
            await rpc.call("spend_credits", [user, rng.randint(1, 30)])
        elif holds:
            hold_id = rng.choice(holds)
            method = "capture_hold" if kind == "capture" else "release_hold"
            await rpc.call(method, [user, hold_id])
        summary = await balance(rpc, user)
        assert summary["available"] >= 0 and summary["held"] >= 0, summary

    await asyncio.gather(*(one(i) for i in range(200)))
    summary = await balance(rpc, user)
    history = (await rpc.result("get_transaction_history", {"user_id": user, "limit": 1000}))["transactions"]
    assert summary["balance"] == sum(t["amount"] for t in history) >= 0
    assert summary["available"] >= 0
    live = [await rpc.result("get_hold", [user, h]) for h in set(holds)]
    assert summary["held"] == sum(h["amount"] for h in live if h["status"] == "HELD")


async def test_a_capture_never_overdraws_even_if_a_writer_ignored_the_hold(rpc):
    """Every writer honours holds, so this cannot happen; if one did not (a daemon of an older
    release during an upgrade, say), a capture still refuses to take the balance below zero."""
    user = await funded(rpc, "h17", 100)
    hold = await rpc.result("reserve_credits", [user, 100])
    async with rpc.services.db.write() as conn:  # what such a writer would leave: the credits gone, the hold still held
        await conn.execute("UPDATE balances SET balance = 30 WHERE user_id = :u", {"u": user})
    error = await rpc.error("capture_hold", [user, hold["hold_id"], 50])
    assert error["code"] == 1001 and error["data"]["balance"] == 30
    assert (await rpc.result("get_hold", [user, hold["hold_id"]]))["status"] == "HELD"
    assert await rpc.result("get_credits", [user]) == 30


async def test_the_previous_releases_spend_function_honours_holds_too(pg_url, tmp_path, redis_url, stream_key):
    """A daemon of release 0.1.0 still running during an upgrade spends through dbm_spend_batch,
    which revision 0003 replaced in place to draw on balance - held."""
    settings = make_settings(database_url=pg_url, redis_url=redis_url, audit_stream=stream_key, state_dir=tmp_path)
    async with running(settings) as rpc:
        user = await funded(rpc, "h18", 100)
        await rpc.result("reserve_credits", [user, 80])
        async with rpc.services.db.session() as conn:
            rows = await conn.raw_connection.fetch(
                "SELECT call_index, error_code, result_balance FROM dbm_spend_batch($1, $2, $3, $4, $5)",
                [user, user], [30, 20], [None, None], ["h1", "h2"], ["{}", "{}"])
        assert [(r["error_code"], r["result_balance"]) for r in rows] == [(1001, 100), (0, 80)]
        assert await balance(rpc, user) == {"balance": 80, "held": 80, "available": 0}
