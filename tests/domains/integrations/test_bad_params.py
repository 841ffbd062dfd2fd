"""Bad params on both integrations methods: -32602 naming the param (and the field within it),
no secret echoed, and nothing changed."""

import orjson

from tests.domains.integrations.conftest import DATA, SECRET, new_user

_CREDENTIAL = {"id": "c9", "api_key": SECRET}

CASES = [
    ("get_user_integrations", {}, "user_id", None),
    ("get_user_integrations", {"user_id": ""}, "user_id", None),
    ("get_user_integrations", {"user_id": "u" * 256}, "user_id", None),
    ("get_user_integrations", {"user_id": 7}, "user_id", None),
    ("get_user_integrations", {"user_id": "ann\u0000"}, "user_id", None),
    ("get_user_integrations", {"user_id": "ann", "data": DATA}, "data", None),
    ("update_user_integrations", {"user_id": "ann"}, "data", None),
    ("update_user_integrations", {"data": DATA}, "user_id", None),
    ("update_user_integrations", {"user_id": "", "data": DATA}, "user_id", None),
    ("update_user_integrations", {"user_id": "ann", "data": None}, "data", None),
    ("update_user_integrations", {"user_id": "ann", "data": [_CREDENTIAL]}, "data", None),
    ("update_user_integrations", {"user_id": "ann", "data": SECRET}, "data", None),
    ("update_user_integrations", {"user_id": "ann", "data": {"api_key": SECRET}}, "data", "api_key"),
    ("update_user_integrations", {"user_id": "ann", "data": {"credentials": SECRET}}, "data", "credentials"),
    ("update_user_integrations", {"user_id": "ann", "data": {"credentials": [SECRET]}}, "data", "credentials"),
    ("update_user_integrations", {"user_id": "ann", "data": {"credentials": _CREDENTIAL}}, "data", "credentials"),
    ("update_user_integrations", {"user_id": "ann", "data": {"oauth_states": [[SECRET]]}}, "data", "oauth_states"),
    ("update_user_integrations", {"user_id": "ann", "data": {"managed_credentials": [SECRET]}}, "data",
     "managed_credentials"),
    ("update_user_integrations", {"user_id": "ann", "data": DATA, "secret": SECRET}, "secret", None),
]


async def test_bad_params_name_the_param_echo_nothing_and_change_nothing(rpc):
    await new_user(rpc, "ann")
    await rpc.result("update_user_integrations", ["ann", DATA])
    for method, params, param, field in CASES:
        error = await rpc.error(method, params)
        assert error["code"] == -32602 and error["data"]["param"] == param, (method, params, error)
        assert error["data"].get("field") == field, (method, params, error)
        assert SECRET not in orjson.dumps(error).decode()
    for params in (["ann", DATA, "extra"], ["ann", {"credentials": [1]}]):  # by position
        assert (await rpc.error("update_user_integrations", params))["code"] == -32602
    assert await rpc.result("get_user_integrations", ["ann"]) == DATA


async def test_nesting_too_deep_to_answer_is_refused(rpc):
    await new_user(rpc, "ann")
    deep: dict = {}
    for _ in range(70):
        deep = {"x": deep}
    error = await rpc.error("update_user_integrations", ["ann", {"credentials": [deep]}])
    assert error["code"] == -32602 and error["data"]["param"] == "data"
