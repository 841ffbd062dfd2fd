"""get_user_notification_preference and update_user_notification_preference, on both databases."""

import typing
from datetime import UTC, datetime, timedelta

from daemon.domains.users.preferences import FLAG_OF
from daemon.domains.users.types import Preferences, PreferencesUpdate

TYPES = ["AGENT_RUN", "ZERO_BALANCE", "LOW_BALANCE", "BLOCK_EXECUTION_FAILED", "CONTINUOUS_AGENT_ERROR",
         "DAILY_SUMMARY", "WEEKLY_SUMMARY", "MONTHLY_SUMMARY", "AGENT_APPROVED", "AGENT_REJECTED"]


def test_the_ten_types_are_the_flags_and_the_published_keys():
    assert list(FLAG_OF) == TYPES
    assert list(typing.get_type_hints(Preferences)) == TYPES == list(typing.get_type_hints(PreferencesUpdate))


async def test_a_new_users_preferences(rpc, people):
    found = await rpc.result("get_user_notification_preference", ["alice"])
    assert {k: v for k, v in found.items() if k != "last_reset_date"} == {
        "user_id": "alice", "email": "alice@x.io", "preferences": dict.fromkeys(TYPES, True), "daily_limit": 3,
        "emails_sent_today": 0}
    reset = datetime.fromisoformat(found["last_reset_date"])
    assert found["last_reset_date"].endswith("Z") and abs(datetime.now(UTC) - reset) < timedelta(minutes=1)


async def test_only_the_types_given_change_and_they_are_the_users_flags(rpc, people):
    changed = await rpc.result("update_user_notification_preference", {
        "user_id": "alice", "preferences": {"AGENT_RUN": False, "WEEKLY_SUMMARY": False, "LOW_BALANCE": True}})
    expected = {**dict.fromkeys(TYPES, True), "AGENT_RUN": False, "WEEKLY_SUMMARY": False}
    assert (changed["preferences"], changed["daily_limit"]) == (expected, 3)
    read = await rpc.result("get_user_notification_preference", ["alice"])
    assert {**read, "last_reset_date": ""} == {**changed, "last_reset_date": ""}
    user = await rpc.result("get_user_by_id", ["alice"])
    assert (user["notify_on_agent_run"], user["notify_on_weekly_summary"], user["notify_on_low_balance"]) \
        == (False, False, True)
    assert user["updated_at"] > user["created_at"]
    # later calls change only their own types; another user is untouched
    again = await rpc.result("update_user_notification_preference", ["alice", {"AGENT_RUN": True}, 7])
    assert (again["preferences"], again["daily_limit"]) == ({**expected, "AGENT_RUN": True}, 7)
    assert (await rpc.result("get_user_by_id", ["alice"]))["max_emails_per_day"] == 7
    assert (await rpc.result("get_user_notification_preference", ["bob"]))["preferences"] == dict.fromkeys(TYPES, True)


async def test_every_type_round_trips(rpc, people):
    for off in TYPES:
        changed = await rpc.result("update_user_notification_preference", {
            "user_id": "bob", "preferences": {kind: kind != off for kind in TYPES}})
        assert [kind for kind, on in changed["preferences"].items() if not on] == [off]
        user = await rpc.result("get_user_by_id", ["bob"])
        assert [flag for flag in FLAG_OF.values() if not user[flag]] == [FLAG_OF[off]]


async def test_nothing_given_changes_nothing(rpc, people):
    found = await rpc.result("update_user_notification_preference", {"user_id": "alice", "preferences": {}})
    assert found["preferences"] == dict.fromkeys(TYPES, True)
    assert await rpc.result("get_user_by_id", ["alice"]) == people["alice"]  # updated_at included
    assert (await rpc.result("update_user_notification_preference", ["alice"]))["daily_limit"] == 3


async def test_an_unknown_user_is_not_found(rpc, people):
    not_found = {"code": 1002, "message": "Not found", "data": {"kind": "user", "id": "ghost"}}
    assert await rpc.error("get_user_notification_preference", ["ghost"]) == not_found
    assert await rpc.error("update_user_notification_preference", ["ghost", {"AGENT_RUN": False}]) == not_found
    assert await rpc.error("update_user_notification_preference", ["ghost"]) == not_found


async def test_a_type_with_no_flag_is_refused_and_changes_nothing(rpc, people):
    for kind in ("REFUND_REQUEST", "REFUND_PROCESSED", "agent_run", "SOMETHING"):
        error = await rpc.error("update_user_notification_preference", {
            "user_id": "alice", "preferences": {"AGENT_RUN": False, kind: False}, "daily_limit": 5})
        assert error["code"] == -32602 and error["data"]["param"] == "preferences" \
            and error["data"]["field"] == kind, error
    assert await rpc.result("get_user_by_id", ["alice"]) == people["alice"]
