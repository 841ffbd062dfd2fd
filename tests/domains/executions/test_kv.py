"""Execution KV data: per user and key; falsy values read back as stored (API.md)."""

import pytest


@pytest.mark.parametrize("value", [0, "", [], {}, False, None, 1.5, {"a": [1, {"b": None}]}, "x\x00y"])
async def test_a_value_reads_back_as_stored(world, value):
    assert await world.rpc.result("set_execution_kv_data", ["alice", "ne-1", "k", value]) == value
    assert await world.rpc.result("get_execution_kv_data", ["alice", "k"]) == value


async def test_a_set_replaces_the_value(world):
    await world.rpc.result("set_execution_kv_data", ["alice", "ne-1", "k", 1])
    await world.rpc.result("set_execution_kv_data", {"user_id": "alice", "node_exec_id": "ne-2", "key": "k",
                                                     "data": 2})
    assert await world.rpc.result("get_execution_kv_data", {"user_id": "alice", "key": "k"}) == 2


async def test_keys_are_per_user(world):
    await world.rpc.result("set_execution_kv_data", ["alice", "ne-1", "k", "mine"])
    assert await world.rpc.result("get_execution_kv_data", ["bob", "k"]) is None
    await world.rpc.result("set_execution_kv_data", ["bob", "ne-1", "k", "theirs"])
    assert await world.rpc.result("get_execution_kv_data", ["alice", "k"]) == "mine"


async def test_an_unknown_user_is_not_found(world):
    error = await world.rpc.error("set_execution_kv_data", ["nobody", "ne-1", "k", 1])
    assert error["code"] == 1002 and error["data"] == {"kind": "user", "id": "nobody"}
    assert await world.rpc.result("get_execution_kv_data", ["nobody", "k"]) is None
