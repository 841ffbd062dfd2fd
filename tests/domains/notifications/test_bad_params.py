"""Bad params on every notifications method: -32602 naming the param, and nothing written."""

from __future__ import annotations

from tests.domains.notifications.conftest import append, event, stored

GOOD = {
    "create_or_add_to_user_notification_batch": {"user_id": "alice", "notification_type": "AGENT_RUN",
                                                 "notification_data": event()},
    "get_user_notification_batch": {"user_id": "alice", "notification_type": "AGENT_RUN"},
    "get_all_batches_by_type": {"notification_type": "AGENT_RUN"},
    "get_user_notification_oldest_message_in_batch": {"user_id": "alice", "notification_type": "AGENT_RUN"},
    "empty_user_notification_batch": {"user_id": "alice", "notification_type": "AGENT_RUN"},
    "remove_notifications_from_batch": {"user_id": "alice", "notification_type": "AGENT_RUN",
                                        "notification_ids": ["x"]},
    "clear_all_user_notification_batches": {"user_id": "alice"},
}
DEEP: dict = {"a": 1}
for _ in range(70):
    DEEP = {"a": DEEP}

CREATE = "create_or_add_to_user_notification_batch"
BAD = [
    (CREATE, "user_id", ""), (CREATE, "user_id", "x" * 256), (CREATE, "user_id", "a\x00b"),
    (CREATE, "notification_type", "agent_run"), (CREATE, "notification_type", None),
    (CREATE, "notification_data", "x"), (CREATE, "notification_data", {**event(), "extra": 1}),
    (CREATE, "notification_data", {"user_id": "alice", "data": {"a": 1}}),
    (CREATE, "notification_data", event(type_="NOPE")), (CREATE, "notification_data", event(data=DEEP)),
    (CREATE, "notification_data", event(id="")), (CREATE, "notification_data", event(created_at="yesterday")),
    (CREATE, "notification_data", event(created_at="2026-01-01T00:00:00")),
    ("get_user_notification_batch", "user_id", 5), ("get_user_notification_batch", "notification_type", "X"),
    ("get_all_batches_by_type", "notification_type", ["AGENT_RUN"]),
    ("get_user_notification_oldest_message_in_batch", "user_id", None),
    ("get_user_notification_oldest_message_in_batch", "notification_type", ""),
    ("empty_user_notification_batch", "user_id", ""), ("empty_user_notification_batch", "notification_type", 1),
    ("remove_notifications_from_batch", "user_id", "x" * 256),
    ("remove_notifications_from_batch", "notification_type", "REFUND"),
    ("remove_notifications_from_batch", "notification_ids", "x"),
    ("remove_notifications_from_batch", "notification_ids", [""]),
    ("remove_notifications_from_batch", "notification_ids", [1]),
    ("remove_notifications_from_batch", "notification_ids", None),
    ("clear_all_user_notification_batches", "user_id", ""), ("clear_all_user_notification_batches", "user_id", []),
]


def test_every_method_is_covered():
    assert {method for method, _, _ in BAD} == set(GOOD)


async def test_a_bad_param_is_refused_by_name_and_nothing_is_changed(users):
    events = (await append(users))["notifications"]
    good = {**GOOD, "remove_notifications_from_batch": {**GOOD["remove_notifications_from_batch"],
                                                        "notification_ids": [events[0]["id"]]}}
    before = await stored(users)
    for method, param, value in BAD:
        error = await users.error(method, {**good[method], param: value})
        assert error["code"] == -32602 and error["data"]["param"] == param, (method, param, value, error)
    for method, params in good.items():
        if method != CREATE:
            error = await users.error(method, {**params, "unknown": 1})
            assert error["code"] == -32602 and error["data"]["param"] == "unknown", (method, error)
        missing = next(iter(params))
        error = await users.error(method, {k: v for k, v in params.items() if k != missing})
        assert error["code"] == -32602 and error["data"]["param"] == missing, (method, error)
    assert await stored(users) == before
