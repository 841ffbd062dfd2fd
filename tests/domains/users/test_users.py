"""create_user and get_user_by_id, on both databases."""

import re

from tests.domains.users.conftest import NEW_USER_DEFAULTS


async def test_create_and_get_user(rpc):
    created = await rpc.result("create_user", {"email": "ada@x.io", "user_id": "ada", "name": "Ada",
                                               "metadata": {"plan": "pro", "quote": "'; DROP TABLE users; --"}})
    assert created["id"] == "ada" and created["email"] == "ada@x.io" and created["name"] == "Ada"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", created["created_at"])
    assert await rpc.result("get_user_by_id", ["ada"]) == created


async def test_a_new_user_has_the_seeds_defaults(rpc):
    created = await rpc.result("create_user", {"email": "new@x.io", "user_id": "new"})
    assert {k: v for k, v in created.items() if k not in ("id", "email", "created_at", "updated_at")} \
        == NEW_USER_DEFAULTS
    assert created["updated_at"] == created["created_at"]  # as the seed's @updatedAt starts
    assert "integrations" not in created


async def test_user_id_is_generated_when_not_given(rpc):
    created = await rpc.result("create_user", {"email": "gen@x.io"})
    assert len(created["id"]) == 36
    assert (await rpc.result("get_user_by_id", [created["id"]]))["email"] == "gen@x.io"


async def test_taken_email_or_id_is_a_conflict(rpc):
    await rpc.result("create_user", {"email": "one@x.io", "user_id": "one"})
    error = await rpc.error("create_user", {"email": "one@x.io", "user_id": "two"})
    assert error["code"] == 1003 and error["data"]["field"] == "email"
    error = await rpc.error("create_user", {"email": "other@x.io", "user_id": "one"})
    assert error["code"] == 1003 and error["data"]["field"] == "user_id"
    assert (await rpc.error("get_user_by_id", ["two"]))["code"] == 1002


async def test_unknown_user_is_not_found(rpc):
    error = await rpc.error("get_user_by_id", ["ghost"])
    assert error == {"code": 1002, "message": "Not found", "data": {"kind": "user", "id": "ghost"}}


async def test_odd_unicode_is_stored_verbatim(rpc):
    name = "Zoë 🚀 \u202e\u200b 漢字 \\ \" ' %s $1 \U0010ffff"
    created = await rpc.result("create_user", {"email": "u@x.io", "user_id": "ü-🚀", "name": name})
    assert (await rpc.result("get_user_by_id", ["ü-🚀"]))["name"] == name == created["name"]


async def test_nul_in_a_string_param_is_refused_on_every_database(rpc):
    error = await rpc.error("create_user", {"email": "nul@x.io", "name": "a\u0000b"})
    assert error["code"] == -32602 and error["data"]["param"] == "name"


async def test_name_is_at_most_255_characters(rpc):
    error = await rpc.error("create_user", {"email": "long@x.io", "name": "n" * 256})
    assert error["code"] == -32602 and error["data"]["param"] == "name"
    assert (await rpc.result("create_user", {"email": "ok@x.io", "name": "n" * 255}))["name"] == "n" * 255
