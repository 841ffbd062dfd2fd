"""update_user: only the fields given change, on both databases."""

import asyncio

from tests.domains.users.conftest import NEW_USER_DEFAULTS


async def test_only_the_fields_given_change(rpc, people):
    await asyncio.sleep(0.001)  # so that updated_at is later than created_at
    changed = await rpc.result("update_user", {"user_id": "alice", "name": "Alice", "timezone": "Europe/Paris"})
    assert changed == {**people["alice"], "name": "Alice", "timezone": "Europe/Paris",
                       "updated_at": changed["updated_at"]}
    assert changed["updated_at"] > changed["created_at"]
    assert await rpc.result("get_user_by_id", ["alice"]) == changed
    assert await rpc.result("get_user_by_id", ["bob"]) == people["bob"]  # another user is untouched


async def test_every_field_can_change_and_reads_back(rpc, people):
    params = {"name": "A", "email": "a@y.io", "email_verified": False, "timezone": "America/New_York",
              "metadata": {"plan": "pro", "n": [1, None]}, "max_emails_per_day": 10}
    changed = await rpc.result("update_user", ["alice", *params.values()])  # by position, in the seed's order
    assert {k: changed[k] for k in params} == params
    assert await rpc.result("get_user_by_id", ["alice"]) == changed
    assert await rpc.result("get_user_email_verification", ["alice"]) is False  # stored, not forced true


async def test_absent_or_null_params_change_nothing_updated_at_included(rpc, people):
    before = await rpc.result("update_user", {"user_id": "alice", "name": "Alice", "metadata": {"a": 1}})
    assert await rpc.result("update_user", {"user_id": "alice", "name": None, "email": None, "metadata": None,
                                            "timezone": None, "email_verified": None,
                                            "max_emails_per_day": None}) == before
    assert await rpc.result("update_user", ["alice"]) == before


async def test_metadata_is_replaced_whole(rpc, people):
    await rpc.result("update_user", {"user_id": "alice", "metadata": {"a": 1, "b": 2}})
    assert (await rpc.result("update_user", {"user_id": "alice", "metadata": {"c": 3}}))["metadata"] == {"c": 3}
    assert (await rpc.result("update_user", {"user_id": "alice", "metadata": {}}))["metadata"] == {}


async def test_a_taken_email_is_a_conflict_and_changes_nothing(rpc, people):
    error = await rpc.error("update_user", {"user_id": "alice", "email": "bob@x.io", "name": "Alice"})
    assert error["code"] == 1003 and error["data"]["field"] == "email"
    assert await rpc.result("get_user_by_id", ["alice"]) == people["alice"]
    # one's own email is not taken, and a freed email can be taken
    assert (await rpc.result("update_user", {"user_id": "alice", "email": "alice@x.io"}))["email"] == "alice@x.io"
    await rpc.result("update_user", {"user_id": "bob", "email": "robert@x.io"})
    assert (await rpc.result("update_user", {"user_id": "alice", "email": "bob@x.io"}))["email"] == "bob@x.io"
    assert await rpc.result("get_user_email_by_id", ["bob"]) == "robert@x.io"


async def test_an_unknown_user_is_not_found(rpc, people):
    assert await rpc.error("update_user", {"user_id": "ghost", "name": "G"}) == {
        "code": 1002, "message": "Not found", "data": {"kind": "user", "id": "ghost"}}
    assert (await rpc.error("update_user", {"user_id": "ghost"}))["code"] == 1002


async def test_the_time_zone_is_an_iana_name_or_not_set(rpc, people):
    for zone in ("UTC", "Asia/Kolkata", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "not-set"):
        assert (await rpc.result("update_user", {"user_id": "alice", "timezone": zone}))["timezone"] == zone
    await rpc.result("update_user", {"user_id": "alice", "timezone": "Europe/Paris"})
    for zone in ("", "Mars/Olympus_Mons", "europe/paris", "+02:00", "localtime", "not set", "Europe/Paris\n",
                 "x" * 300):
        error = await rpc.error("update_user", {"user_id": "alice", "timezone": zone, "name": "changed"})
        assert error["code"] == -32602 and error["data"]["param"] == "timezone", zone
    user = await rpc.result("get_user_by_id", ["alice"])
    assert (user["timezone"], user["name"]) == ("Europe/Paris", None)


async def test_the_daily_email_limit_bounds(rpc, people):
    assert (await rpc.result("update_user", ["alice", None, None, None, None, None, 2**31 - 1]))[
        "max_emails_per_day"] == 2**31 - 1
    for limit in (0, -1, 2**31, True, 1.5):
        error = await rpc.error("update_user", {"user_id": "alice", "max_emails_per_day": limit})
        assert error["code"] == -32602 and error["data"]["param"] == "max_emails_per_day", limit


async def test_new_user_defaults_survive_an_update_of_other_fields(rpc, people):
    changed = await rpc.result("update_user", {"user_id": "bob", "name": "Bob"})
    assert {k: v for k, v in changed.items() if k in NEW_USER_DEFAULTS} == {**NEW_USER_DEFAULTS, "name": "Bob"}
