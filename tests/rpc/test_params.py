"""Params are checked from each method's typed signature: -32602 naming the param, nothing changed."""

import pytest

from daemon.constants import MAX_METADATA_BYTES, MAX_SAFE_INTEGER


@pytest.fixture
async def user(sqlite_rpc):
    await sqlite_rpc.result("create_user", {"email": "v@x.io", "user_id": "v1"})
    await sqlite_rpc.result("top_up_credits", ["v1", 10])
    return "v1"


@pytest.mark.parametrize("params, param", [
    ({"user_id": "v1"}, "cost"),                                  # missing
    ({"user_id": "v1", "cost": 1, "colour": "red"}, "colour"),     # unknown
    ({"user_id": "v1", "cost": "5"}, "cost"),                      # a string is not an integer
    ({"user_id": "v1", "cost": True}, "cost"),                     # true is not an integer
    ({"user_id": "v1", "cost": 1.0}, "cost"),                      # 1.0 is not an integer
    ({"user_id": "v1", "cost": -1}, "cost"),                       # below range
    ({"user_id": "v1", "cost": MAX_SAFE_INTEGER + 1}, "cost"),    # above range
    ({"user_id": "", "cost": 1}, "user_id"),                       # too short
    ({"user_id": "x" * 256, "cost": 1}, "user_id"),                # too long
    ({"user_id": 7, "cost": 1}, "user_id"),                        # not a string
    ({"user_id": "v1", "cost": 1, "metadata": []}, "metadata"),    # not an object
    ({"user_id": "v1", "cost": 1, "metadata": {"a": "x" * MAX_METADATA_BYTES}}, "metadata"),  # too big
    ({"user_id": "v1", "cost": 1, "transaction_key": ""}, "transaction_key"),
])
async def test_bad_params_name_the_param_and_change_nothing(sqlite_rpc, user, params, param):
    error = await sqlite_rpc.error("spend_credits", params)
    assert error["code"] == -32602 and error["message"] == "Invalid params"
    assert error["data"]["param"] == param
    assert await sqlite_rpc.result("get_credits", [user]) == 10


async def test_too_many_positional_params(sqlite_rpc, user):
    error = await sqlite_rpc.error("get_credits", ["v1", 2])
    assert error["code"] == -32602


async def test_history_limit_range_and_types_enum(sqlite_rpc, user):
    assert (await sqlite_rpc.error("get_transaction_history", {"user_id": "v1", "limit": 0}))["data"]["param"] == "limit"
    assert (await sqlite_rpc.error("get_transaction_history", {"user_id": "v1", "limit": 1001}))["data"]["param"] == "limit"
    error = await sqlite_rpc.error("get_transaction_history", {"user_id": "v1", "types": ["USAGE", "THEFT"]})
    assert error["data"]["param"] == "types"
    error = await sqlite_rpc.error("get_transaction_history", {"user_id": "v1", "cursor": "not-a-cursor"})
    assert error["data"]["param"] == "cursor"


async def test_optional_params_accept_null(sqlite_rpc, user):
    assert await sqlite_rpc.result("spend_credits", {"user_id": "v1", "cost": 1, "metadata": None}) == 9


async def test_metadata_just_under_the_limit_is_accepted(sqlite_rpc, user):
    filler = "x" * (MAX_METADATA_BYTES - len('{"a":""}'))
    assert await sqlite_rpc.result("spend_credits", {"user_id": "v1", "cost": 1, "metadata": {"a": filler}}) == 9
