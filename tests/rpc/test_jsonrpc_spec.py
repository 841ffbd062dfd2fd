"""Section 7 of the JSON-RPC 2.0 specification, every example, adapted to our methods."""

import pytest

pytestmark = pytest.mark.usefixtures("sqlite_rpc")


async def test_positional_params(sqlite_rpc):
    await sqlite_rpc.result("create_user", {"email": "p@x.io", "user_id": "p1"})
    status, body = await sqlite_rpc.post({"jsonrpc": "2.0", "method": "get_credits", "params": ["p1"], "id": 1})
    assert (status, body) == (200, {"jsonrpc": "2.0", "result": 0, "id": 1})


async def test_named_params(sqlite_rpc):
    await sqlite_rpc.result("create_user", {"email": "n@x.io", "user_id": "n1"})
    status, body = await sqlite_rpc.post(
        {"jsonrpc": "2.0", "method": "top_up_credits", "params": {"amount": 23, "user_id": "n1"}, "id": 3})
    assert body == {"jsonrpc": "2.0", "result": 23, "id": 3}


async def test_notification_runs_and_answers_204_with_empty_body(sqlite_rpc):
    await sqlite_rpc.result("create_user", {"email": "t@x.io", "user_id": "t1"})
    status, body = await sqlite_rpc.post({"jsonrpc": "2.0", "method": "top_up_credits", "params": ["t1", 5]})
    assert (status, body) == (204, None)
    assert await sqlite_rpc.result("get_credits", ["t1"]) == 5  # it ran


async def test_notification_of_unknown_method_answers_nothing(sqlite_rpc):
    assert await sqlite_rpc.post({"jsonrpc": "2.0", "method": "foobar"}) == (204, None)


async def test_method_not_found(sqlite_rpc):
    status, body = await sqlite_rpc.post({"jsonrpc": "2.0", "method": "foobar", "id": "1"})
    assert body["error"]["code"] == -32601 and body["error"]["message"] == "Method not found"
    assert body["id"] == "1"


async def test_parse_error(sqlite_rpc):
    status, body = await sqlite_rpc.post(b'{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]')
    assert status == 200
    assert body == {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}


async def test_invalid_request_object(sqlite_rpc):
    status, body = await sqlite_rpc.post({"jsonrpc": "2.0", "method": 1, "params": "bar"})
    assert body["error"]["code"] == -32600 and body["id"] is None


async def test_batch_with_invalid_json_is_one_parse_error(sqlite_rpc):
    raw = b'[{"jsonrpc": "2.0", "method": "ping", "params": [1,2,4], "id": "1"}, {"jsonrpc": "2.0", "method"]'
    status, body = await sqlite_rpc.post(raw)
    assert body == {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None}


async def test_empty_batch_is_one_invalid_request(sqlite_rpc):
    status, body = await sqlite_rpc.post(b"[]")
    assert isinstance(body, dict)
    assert body["error"]["code"] == -32600 and body["id"] is None


@pytest.mark.parametrize("raw, count", [(b"[1]", 1), (b"[1,2,3]", 3)])
async def test_invalid_batch_members_each_get_an_error(sqlite_rpc, raw, count):
    status, body = await sqlite_rpc.post(raw)
    assert isinstance(body, list) and len(body) == count
    assert all(r["error"]["code"] == -32600 and r["id"] is None for r in body)


async def test_mixed_batch(sqlite_rpc):
    await sqlite_rpc.result("create_user", {"email": "m@x.io", "user_id": "m1"})
    status, body = await sqlite_rpc.post([
        {"jsonrpc": "2.0", "method": "top_up_credits", "params": ["m1", 7], "id": "1"},
        {"jsonrpc": "2.0", "method": "ping", "params": []},  # a notification
        {"jsonrpc": "2.0", "method": "get_user_by_id", "params": ["nobody"], "id": "2"},
        {"foo": "boo"},
        {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
        {"jsonrpc": "2.0", "method": "ping", "id": "9"},
    ])
    by_id = {r["id"]: r for r in body if r["id"] is not None}
    assert len(body) == 5  # no answer for the notification
    assert by_id["1"]["result"] == 7
    assert by_id["2"]["error"]["code"] == 1002
    assert by_id["5"]["error"]["code"] == -32601
    assert by_id["9"]["result"] == "pong"
    assert [r["error"]["code"] for r in body if r["id"] is None] == [-32600]


async def test_batch_of_only_notifications_answers_204(sqlite_rpc):
    status, body = await sqlite_rpc.post([{"jsonrpc": "2.0", "method": "ping"}, {"jsonrpc": "2.0", "method": "ping"}])
    assert (status, body) == (204, None)


@pytest.mark.parametrize("request_id", ["abc", 0, -7, 3.5, None, "", 2**40])
async def test_id_is_echoed_exactly(sqlite_rpc, request_id):
    status, body = await sqlite_rpc.post({"jsonrpc": "2.0", "method": "ping", "id": request_id})
    assert body == {"jsonrpc": "2.0", "result": "pong", "id": request_id}
    assert type(body["id"]) is type(request_id)


@pytest.mark.parametrize("member", [
    {"jsonrpc": "1.0", "method": "ping", "id": 1},
    {"method": "ping", "id": 1},
    {"jsonrpc": "2.0", "method": "ping", "params": "x", "id": 1},
    {"jsonrpc": "2.0", "method": "ping", "id": True},
    {"jsonrpc": "2.0", "method": "ping", "id": [1]},
    {"jsonrpc": "2.0", "method": "ping", "id": 1, "extra": 1},
])
async def test_malformed_envelopes_are_invalid_requests(sqlite_rpc, member):
    status, body = await sqlite_rpc.post(member)
    assert body["error"]["code"] == -32600
    # an id the spec allows is echoed; any other (true, an array) comes back null
    assert body["id"] == (member["id"] if type(member["id"]) is int else None)


async def test_batch_members_run_concurrently(sqlite_rpc):
    # 200 spends in one batch against a balance of 150: each member is judged on its own
    await sqlite_rpc.result("create_user", {"email": "c@x.io", "user_id": "c1"})
    await sqlite_rpc.result("top_up_credits", ["c1", 150])
    status, body = await sqlite_rpc.post(
        [{"jsonrpc": "2.0", "method": "spend_credits", "params": ["c1", 1], "id": i} for i in range(200)])
    assert sorted(r["id"] for r in body) == list(range(200))
    assert sum("result" in r for r in body) == 150
    assert {r["error"]["code"] for r in body if "error" in r} == {1001}


async def test_oversized_batch_is_one_invalid_request(sqlite_rpc):
    limit = sqlite_rpc.services.settings.max_batch
    status, body = await sqlite_rpc.post([{"jsonrpc": "2.0", "method": "ping", "id": i} for i in range(limit + 1)])
    assert isinstance(body, dict) and body["error"]["code"] == -32600
