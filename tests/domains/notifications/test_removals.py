"""Emptying batches: whole, in part, every one of a user's; another user's are never touched."""

from __future__ import annotations

from tests.domains.notifications.conftest import append, stored


async def test_emptying_deletes_the_batch_and_its_events_only(users):
    await append(users, data={"n": 1})
    await append(users, data={"n": 2})
    kept = [await append(users, "alice", "ZERO_BALANCE"), await append(users, "bob", "AGENT_RUN")]
    assert await users.result("empty_user_notification_batch", ["alice", "AGENT_RUN"]) is None
    assert await users.result("get_user_notification_batch", ["alice", "AGENT_RUN"]) is None
    assert [await users.result("get_user_notification_batch", [b["user_id"], b["type"]]) for b in kept] == kept
    batches, events = await stored(users)
    assert len(batches) == 2 and len(events) == 2
    again = await append(users, data={"n": 3})  # a new batch, from scratch
    assert [e["data"] for e in again["notifications"]] == [{"n": 3}] and again["created_at"] > kept[0]["created_at"]


async def test_emptying_what_does_not_exist_is_null(users):
    await append(users, "bob")
    before = await stored(users)
    for user_id in ("alice", "nobody"):
        assert await users.result("empty_user_notification_batch", [user_id, "AGENT_RUN"]) is None
    assert await users.result("empty_user_notification_batch", ["bob", "ZERO_BALANCE"]) is None
    assert await stored(users) == before


async def test_removing_deletes_only_the_ids_given_within_that_batch(users):
    await append(users, data={"n": 1})
    mine = (await append(users, data={"n": 2}))["notifications"]
    other_type = (await append(users, "alice", "LOW_BALANCE"))["notifications"][0]["id"]
    bobs = (await append(users, "bob"))["notifications"][0]["id"]
    ids = [mine[0]["id"], other_type, bobs, "no-such-id", mine[0]["id"]]
    assert await users.result("remove_notifications_from_batch", {
        "user_id": "alice", "notification_type": "AGENT_RUN", "notification_ids": ids}) is None
    left = await users.result("get_user_notification_batch", ["alice", "AGENT_RUN"])
    assert left["notifications"] == mine[1:]
    assert len((await users.result("get_user_notification_batch", ["alice", "LOW_BALANCE"]))["notifications"]) == 1
    assert len((await users.result("get_user_notification_batch", ["bob", "AGENT_RUN"]))["notifications"]) == 1


async def test_removing_the_last_events_deletes_the_batch(users):
    await append(users, data={"n": 1})
    events = (await append(users, data={"n": 2}))["notifications"]
    await users.result("remove_notifications_from_batch", ["alice", "AGENT_RUN", [e["id"] for e in events]])
    assert await users.result("get_user_notification_batch", ["alice", "AGENT_RUN"]) is None
    assert await stored(users) == ([], [])


async def test_removing_an_empty_list_or_from_no_batch_changes_nothing(users):
    events = (await append(users))["notifications"]
    before = await stored(users)
    assert await users.result("remove_notifications_from_batch", ["alice", "AGENT_RUN", []]) is None
    assert await users.result("remove_notifications_from_batch", ["bob", "AGENT_RUN", [events[0]["id"]]]) is None
    assert await users.result("remove_notifications_from_batch", ["nobody", "AGENT_RUN", [events[0]["id"]]]) is None
    assert await stored(users) == before


async def test_removing_many_ids_at_once(users):
    """More ids than one statement binds: the deletes go in chunks."""
    events = (await append(users))["notifications"]
    ids = [f"missing-{i}" for i in range(1200)] + [events[0]["id"]]
    await users.result("remove_notifications_from_batch", ["alice", "AGENT_RUN", ids])
    assert await stored(users) == ([], [])


async def test_clearing_deletes_every_batch_of_the_user_only(users):
    for type_ in ("AGENT_RUN", "ZERO_BALANCE", "WEEKLY_SUMMARY"):
        await append(users, "alice", type_)
    bobs = await append(users, "bob", "ZERO_BALANCE")
    assert await users.result("clear_all_user_notification_batches", {"user_id": "alice"}) is None
    for type_ in ("AGENT_RUN", "ZERO_BALANCE", "WEEKLY_SUMMARY"):
        assert await users.result("get_user_notification_batch", ["alice", type_]) is None
    assert await users.result("get_all_batches_by_type", ["ZERO_BALANCE"]) == [bobs]
    before = await stored(users)
    assert await users.result("clear_all_user_notification_batches", ["alice"]) is None
    assert await users.result("clear_all_user_notification_batches", ["nobody"]) is None
    assert await stored(users) == before
