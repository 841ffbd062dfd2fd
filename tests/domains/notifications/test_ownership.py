"""A method that takes user_id never reads or changes another user's batches."""

from __future__ import annotations

from tests.domains.notifications.conftest import append, stored


async def test_another_users_batches_do_not_exist_for_bob(users):
    alices = [await append(users, "alice", t) for t in ("AGENT_RUN", "ZERO_BALANCE")]
    ids = [b["notifications"][0]["id"] for b in alices]
    before = await stored(users)
    for type_ in ("AGENT_RUN", "ZERO_BALANCE"):
        assert await users.result("get_user_notification_batch", ["bob", type_]) is None
        assert await users.result("get_user_notification_oldest_message_in_batch", ["bob", type_]) is None
        assert await users.result("remove_notifications_from_batch", ["bob", type_, ids]) is None
        assert await users.result("empty_user_notification_batch", ["bob", type_]) is None
    assert await users.result("clear_all_user_notification_batches", ["bob"]) is None
    assert await stored(users) == before
    bobs = await append(users, "bob", "AGENT_RUN")  # his own batch, apart from alice's
    assert [e["id"] for e in bobs["notifications"]] != ids[:1] and len(bobs["notifications"]) == 1
