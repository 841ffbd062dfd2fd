"""Reading batches: one user's, every user's of a type, and the oldest event of one."""

from __future__ import annotations

from daemon.domains.notifications.tables import notification_batches, notification_events
from tests.domains.notifications.conftest import append

MOMENT = "2026-01-01T00:00:00.000000Z"


async def test_a_batch_reads_back_as_the_last_append_returned_it(users):
    assert await users.result("get_user_notification_batch", ["alice", "AGENT_RUN"]) is None
    await append(users, data={"n": 1})
    last = await append(users, data={"n": 2})
    assert await users.result("get_user_notification_batch", {"user_id": "alice", "notification_type": "AGENT_RUN"}) \
        == last
    assert await users.result("get_user_notification_batch", ["alice", "ZERO_BALANCE"]) is None
    assert await users.result("get_user_notification_batch", ["nobody", "AGENT_RUN"]) is None


async def test_events_created_in_the_same_microsecond_are_ordered_by_id(users):
    """Ties by id, in every read alike."""
    async with users.services.db.write() as conn:
        await conn.execute(notification_batches.insert().values(id="b1", user_id="alice", type="AGENT_RUN",
                                                                created_at=MOMENT, updated_at=MOMENT))
        for event_id in ("e-2", "e-1", "e-3"):
            await conn.execute(notification_events.insert().values(
                id=event_id, batch_id="b1", type="AGENT_RUN", data=f'"{event_id}"', created_at=MOMENT,
                updated_at=MOMENT))
    batch = await users.result("get_user_notification_batch", ["alice", "AGENT_RUN"])
    assert [e["id"] for e in batch["notifications"]] == ["e-1", "e-2", "e-3"]
    oldest = await users.result("get_user_notification_oldest_message_in_batch", ["alice", "AGENT_RUN"])
    assert oldest["id"] == "e-1"
    later = await append(users)
    assert [e["id"] for e in later["notifications"]][:3] == ["e-1", "e-2", "e-3"]


async def test_a_batch_with_no_events_reads_with_none_but_is_not_listed_by_type(users):
    async with users.services.db.write() as conn:
        await conn.execute(notification_batches.insert().values(id="b0", user_id="bob", type="AGENT_RUN",
                                                                created_at=MOMENT, updated_at=MOMENT))
    assert (await users.result("get_user_notification_batch", ["bob", "AGENT_RUN"]))["notifications"] == []
    assert await users.result("get_all_batches_by_type", ["AGENT_RUN"]) == []
    assert await users.result("get_user_notification_oldest_message_in_batch", ["bob", "AGENT_RUN"]) is None


async def test_all_batches_of_a_type_every_users_oldest_batch_first(users):
    assert await users.result("get_all_batches_by_type", {"notification_type": "AGENT_RUN"}) == []
    await append(users, "bob", "AGENT_RUN", {"n": 1})
    await append(users, "alice", "AGENT_RUN", {"n": 2})
    await append(users, "alice", "ZERO_BALANCE", {"n": 3})
    bobs = await append(users, "bob", "AGENT_RUN", {"n": 4})
    alices = await users.result("get_user_notification_batch", ["alice", "AGENT_RUN"])
    assert await users.result("get_all_batches_by_type", ["AGENT_RUN"]) == [bobs, alices]
    assert [b["user_id"] for b in await users.result("get_all_batches_by_type", ["ZERO_BALANCE"])] == ["alice"]
    assert await users.result("get_all_batches_by_type", ["MONTHLY_SUMMARY"]) == []


async def test_the_oldest_event_is_the_first_created_and_follows_removals(users):
    assert await users.result("get_user_notification_oldest_message_in_batch", ["alice", "AGENT_RUN"]) is None
    first = (await append(users, data={"n": 1}))["notifications"][0]
    batch = await append(users, data={"n": 2})
    await append(users, "bob", data={"n": 0})
    assert await users.result("get_user_notification_oldest_message_in_batch",
                              {"user_id": "alice", "notification_type": "AGENT_RUN"}) == first
    await users.result("remove_notifications_from_batch", ["alice", "AGENT_RUN", [first["id"]]])
    assert await users.result("get_user_notification_oldest_message_in_batch", ["alice", "AGENT_RUN"]) \
        == batch["notifications"][1]
    assert await users.result("get_user_notification_oldest_message_in_batch", ["alice", "DAILY_SUMMARY"]) is None
    assert await users.result("get_user_notification_oldest_message_in_batch", ["nobody", "AGENT_RUN"]) is None
