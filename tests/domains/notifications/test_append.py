"""create_or_add_to_user_notification_batch: one batch per user and type, events appended in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.domains.notifications.conftest import append, event, stored


async def test_the_first_event_makes_the_batch_and_later_ones_join_it(users):
    first = await append(users, data={"n": 1})
    assert [first["user_id"], first["type"]] == ["alice", "AGENT_RUN"]
    [one] = first["notifications"]
    assert [one["type"], one["data"], one["created_at"]] == ["AGENT_RUN", {"n": 1}, one["updated_at"]]
    assert first["created_at"] == first["updated_at"]
    second = await append(users, data={"n": 2})
    assert [e["data"] for e in second["notifications"]] == [{"n": 1}, {"n": 2}]
    assert second["notifications"][0] == one and second["notifications"][1]["id"] != one["id"]
    assert second["created_at"] == first["created_at"] and second["updated_at"] > first["updated_at"]
    batches, events = await stored(users)
    assert len(batches) == 1 and len(events) == 2


async def test_each_user_and_type_has_a_batch_of_its_own(users):
    await append(users, "alice", "AGENT_RUN")
    await append(users, "alice", "ZERO_BALANCE")
    bobs = await append(users, "bob", "AGENT_RUN")
    assert [bobs["user_id"], len(bobs["notifications"])] == ["bob", 1]
    batches, _ = await stored(users)
    assert sorted((b["user_id"], b["type"]) for b in batches) == [
        ("alice", "AGENT_RUN"), ("alice", "ZERO_BALANCE"), ("bob", "AGENT_RUN")]


async def test_only_data_is_stored_the_event_gets_its_own_id_and_time(users):
    long_ago = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    result = await users.result("create_or_add_to_user_notification_batch", {
        "user_id": "alice", "notification_type": "DAILY_SUMMARY",
        "notification_data": event("alice", "DAILY_SUMMARY", {"x": "a\x00b"}, id="mine", created_at=long_ago)})
    [made] = result["notifications"]
    assert made["id"] != "mine" and made["created_at"] > long_ago[:10]
    assert made["data"] == {"x": "a\x00b"}  # a NUL inside JSON reads back as sent


async def test_any_json_value_that_is_not_empty_is_data(users):
    values = [0, False, "text", [0], {"outputs": []}, 1.5]
    for value in values:
        await append(users, type_="LOW_BALANCE", data=value)
    batch = await users.result("get_user_notification_batch", ["alice", "LOW_BALANCE"])
    assert [e["data"] for e in batch["notifications"]] == values


async def test_params_by_position_in_the_seeds_order(users):
    result = await users.result("create_or_add_to_user_notification_batch",
                                ["bob", "REFUND_REQUEST", event("bob", "REFUND_REQUEST", {"amount": 5})])
    assert result["notifications"][0]["data"] == {"amount": 5}


async def test_an_unknown_user_is_1002_and_nothing_is_written(users):
    error = await users.error("create_or_add_to_user_notification_batch", {
        "user_id": "nobody", "notification_type": "AGENT_RUN", "notification_data": event("nobody")})
    assert [error["code"], error["data"]] == [1002, {"kind": "user", "id": "nobody"}]
    assert await stored(users) == ([], [])


async def test_empty_data_or_an_event_addressed_elsewhere_is_refused(users):
    await append(users)
    before = await stored(users)
    addressed = {"type": "AGENT_RUN", "user_id": "alice"}
    cases = [(addressed, "data")] + [({**addressed, "data": empty}, "data") for empty in (None, {}, [], "")]
    cases += [(event(type_="ZERO_BALANCE"), "type"), (event(user_id="bob"), "user_id")]
    for data, field in cases:
        error = await users.error("create_or_add_to_user_notification_batch",
                                  {"user_id": "alice", "notification_type": "AGENT_RUN", "notification_data": data})
        assert error["code"] == -32602 and error["data"]["param"] == "notification_data", (data, error)
        assert error["data"]["field"] == field, (data, error)
    assert await stored(users) == before
