"""Bad params on every users method: -32602 naming the param, and nothing changed. One daemon
per database runs every case."""

from daemon.domains.users import DOMAIN
from daemon.domains.users.tables import users
from tests.domains.executions.conftest import table_rows

DEEP: dict = {"a": 1}
for _ in range(70):
    DEEP = {"a": DEEP}

CASES = [
    ("create_user", {}, "email"), ("create_user", {"email": "x"}, "email"),
    ("create_user", {"email": "new@x.io", "user_id": ""}, "user_id"),
    ("create_user", {"email": "new@x.io", "metadata": []}, "metadata"),
    ("get_user_by_id", {"user_id": "x" * 256}, "user_id"), ("get_user_by_id", {}, "user_id"),
    ("update_user", {}, "user_id"), ("update_user", {"user_id": "alice", "name": ""}, "name"),
    ("update_user", {"user_id": "alice", "name": "n" * 256}, "name"),
    ("update_user", {"user_id": "alice", "email": "ab"}, "email"),
    ("update_user", {"user_id": "alice", "email": 5}, "email"),
    ("update_user", {"user_id": "alice", "email_verified": "yes"}, "email_verified"),
    ("update_user", {"user_id": "alice", "email_verified": 0}, "email_verified"),
    ("update_user", {"user_id": "alice", "timezone": "Nowhere/Land"}, "timezone"),
    ("update_user", {"user_id": "alice", "timezone": 1}, "timezone"),
    ("update_user", {"user_id": "alice", "timezone": "UTC\x00"}, "timezone"),
    ("update_user", {"user_id": "alice", "metadata": "{}"}, "metadata"),
    ("update_user", {"user_id": "alice", "metadata": DEEP}, "metadata"),
    ("update_user", {"user_id": "alice", "metadata": {"x": "y" * 17000}}, "metadata"),
    ("update_user", {"user_id": "alice", "max_emails_per_day": 0}, "max_emails_per_day"),
    ("update_user", {"user_id": "alice", "max_emails_per_day": "3"}, "max_emails_per_day"),
    ("update_user", {"user_id": "alice", "nickname": "al"}, "nickname"),
    ("get_user_email_by_id", {"user_id": ""}, "user_id"), ("get_user_email_by_id", {"user_id": None}, "user_id"),
    ("get_user_email_verification", {"user_id": "a\x00b"}, "user_id"),
    ("get_user_email_verification", {"user_id": 1}, "user_id"),
    ("get_active_user_ids_in_timerange", {"start_time": "2026-01-01T00:00:00Z"}, "end_time"),
    ("get_active_user_ids_in_timerange", {"start_time": "yesterday", "end_time": "2026-01-01T00:00:00Z"},
     "start_time"),
    ("get_active_user_ids_in_timerange", {"start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T00:00:00"},
     "end_time"),  # no offset
    ("get_active_user_ids_in_timerange", {"start_time": "2026-01-01T00:00:00Z", "end_time": 1767225600},
     "end_time"),
    ("get_user_notification_preference", {"user_id": ""}, "user_id"),
    ("get_user_notification_preference", {"user_id": ["alice"]}, "user_id"),
    ("update_user_notification_preference", {}, "user_id"),
    ("update_user_notification_preference", {"user_id": "alice", "preferences": []}, "preferences"),
    ("update_user_notification_preference", {"user_id": "alice", "preferences": {"AGENT_RUN": 0}}, "preferences"),
    ("update_user_notification_preference", {"user_id": "alice", "preferences": {"AGENT_RUN": None}}, "preferences"),
    ("update_user_notification_preference", {"user_id": "alice", "preferences": {"REFUND_REQUEST": True}},
     "preferences"),
    ("update_user_notification_preference", {"user_id": "alice", "daily_limit": 0}, "daily_limit"),
    ("update_user_notification_preference", {"user_id": "alice", "daily_limit": 2**31}, "daily_limit"),
    ("update_user_notification_preference", {"user_id": "alice", "daily_limit": 2.0}, "daily_limit"),
]


def test_every_method_is_covered():
    assert {method for method, _, _ in CASES} == {method.__name__ for method in DOMAIN.methods}


async def test_a_bad_param_is_refused_by_name_and_changes_nothing(rpc, people):
    before = await table_rows(rpc, users, users.c.id)
    for method, params, param in CASES:
        error = await rpc.error(method, params)
        assert error["code"] == -32602 and error["data"]["param"] == param, (method, params, error)
    assert await table_rows(rpc, users, users.c.id) == before


async def test_params_by_position_past_the_last_are_refused(rpc, people):
    error = await rpc.error("update_user_notification_preference", ["alice", {}, 3, "extra"])
    assert error["code"] == -32602
