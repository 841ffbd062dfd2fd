"""Concurrent appends meet in one batch, as the same appends one after another would."""

from __future__ import annotations

import asyncio

from tests.domains.notifications.conftest import append, stored

N = 100


async def test_concurrent_appends_make_one_batch_holding_every_event(users):
    results = await asyncio.gather(*(append(users, data={"i": i}) for i in range(N)))
    batches, events = await stored(users)
    assert len(batches) == 1 and len(events) == N
    # as calls in a row: each saw the events before it, and its own last
    assert sorted(len(r["notifications"]) for r in results) == list(range(1, N + 1))
    assert all(r["notifications"][-1]["data"] == {"i": i} for i, r in enumerate(results))
    final = await users.result("get_user_notification_batch", ["alice", "AGENT_RUN"])
    longest = max(results, key=lambda r: len(r["notifications"]))
    assert final["notifications"] == longest["notifications"]
    for result in results:  # every answer is a prefix of the final list
        assert final["notifications"][:len(result["notifications"])] == result["notifications"]


async def test_appends_racing_removals_lose_nothing_they_were_not_asked_to(users):
    """A sender removes what it read while events keep arriving: no call fails, and every event
    appended and not removed is in the batch (a removal that deletes the batch never strands one)."""
    removed: set[str] = set()

    async def sender() -> None:
        for _ in range(10):
            batch = await users.result("get_user_notification_batch", ["alice", "AGENT_RUN"])
            ids = [e["id"] for e in batch["notifications"]] if batch else []
            await users.result("remove_notifications_from_batch", ["alice", "AGENT_RUN", ids])
            removed.update(ids)

    appended = await asyncio.gather(*(append(users, data={"i": i}) for i in range(40)), sender(),
                                    *(users.result("empty_user_notification_batch", ["bob", "AGENT_RUN"])
                                      for _ in range(5)),
                                    *(append(users, "bob", data={"i": i}) for i in range(10)))
    mine = {r["notifications"][-1]["id"] for r in appended[:40]}
    left = await users.result("get_user_notification_batch", ["alice", "AGENT_RUN"])
    assert ({e["id"] for e in left["notifications"]} if left else set()) == mine - removed
    assert removed  # the sender did remove some while appends ran
    batches, events = await stored(users)
    assert {e["batch_id"] for e in events} <= {b["id"] for b in batches}
