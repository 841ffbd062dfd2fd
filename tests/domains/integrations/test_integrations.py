"""get_user_integrations and update_user_integrations on both databases: the round trip, the
seed's defaults, nothing readable at rest, and each user's alone."""

import asyncio
import stat

import orjson
from cryptography.fernet import Fernet

from daemon.domains.integrations.keys import fingerprint
from tests.domains.integrations.conftest import (
    DATA,
    DEFAULTS,
    SECRET,
    new_user,
    raw_token,
    recorded_fingerprints,
)


async def test_before_any_update_the_seeds_defaults(rpc):
    await new_user(rpc, "ann")
    assert await rpc.result("get_user_integrations", ["ann"]) == DEFAULTS
    assert await raw_token(rpc, "ann") == ""


async def test_what_is_stored_reads_back_secrets_included(rpc):
    await new_user(rpc, "ann")
    assert await rpc.result("update_user_integrations", {"user_id": "ann", "data": DATA}) is None
    assert await rpc.result("get_user_integrations", {"user_id": "ann"}) == DATA
    assert await rpc.result("update_user_integrations", ["ann", DATA]) is None  # the same again: the same state
    assert await rpc.result("get_user_integrations", ["ann"]) == DATA


async def test_an_update_replaces_the_whole_and_null_fields_read_as_defaults(rpc):
    await new_user(rpc, "ann")
    await rpc.result("update_user_integrations", ["ann", DATA])
    only = {"credentials": [{"id": "c2", "provider": "x", "type": "api_key"}], "oauth_states": None}
    await rpc.result("update_user_integrations", ["ann", {**only, "managed_credentials": None}])
    assert await rpc.result("get_user_integrations", ["ann"]) == {**DEFAULTS, "credentials": only["credentials"]}
    await rpc.result("update_user_integrations", ["ann", {}])
    assert await rpc.result("get_user_integrations", ["ann"]) == DEFAULTS


async def test_the_column_holds_a_fernet_token_of_the_key_file_and_never_the_plaintext(rpc, tmp_path):
    await new_user(rpc, "ann")
    await rpc.result("update_user_integrations", ["ann", DATA])
    token = await raw_token(rpc, "ann")
    assert SECRET not in token and "openai" not in token
    key = (tmp_path / "encryption.key").read_text().splitlines()[-1].encode()
    assert orjson.loads(Fernet(key).decrypt(token)) == DATA
    assert await recorded_fingerprints(rpc) == {fingerprint(key)}


async def test_the_default_key_file_is_made_0600_with_one_key(rpc, tmp_path):
    path = tmp_path / "encryption.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    keys = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    assert len(keys) == 1 and Fernet(keys[0])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".encryption.key")] == []  # no draft left


async def test_an_unknown_user_is_not_found_and_nothing_is_recorded(rpc):
    for method, params in (("get_user_integrations", ["ghost"]), ("update_user_integrations", ["ghost", DATA])):
        error = await rpc.error(method, params)
        assert error == {"code": 1002, "message": "Not found", "data": {"kind": "user", "id": "ghost"}}
    assert await recorded_fingerprints(rpc) == set()


async def test_each_users_integrations_are_their_own(rpc):
    await new_user(rpc, "ann")
    await new_user(rpc, "bob")
    await rpc.result("update_user_integrations", ["ann", DATA])
    assert await rpc.result("get_user_integrations", ["bob"]) == DEFAULTS
    await rpc.result("update_user_integrations", ["bob", {"credentials": []}])
    assert await rpc.result("get_user_integrations", ["ann"]) == DATA


async def test_no_other_result_carries_them(rpc):
    await new_user(rpc, "ann")
    await rpc.result("update_user_integrations", ["ann", DATA])
    user = await rpc.result("get_user_by_id", ["ann"])
    assert "integrations" not in user and SECRET not in orjson.dumps(user).decode()


async def test_concurrent_updates_leave_one_of_them_whole(rpc):
    await new_user(rpc, "ann")
    versions = [{"credentials": [{"id": f"c{i}", "api_key": SECRET}]} for i in range(8)]
    await asyncio.gather(*(rpc.result("update_user_integrations", ["ann", v]) for v in versions))
    stored = await rpc.result("get_user_integrations", ["ann"])
    assert {"managed_credentials": {}, "oauth_states": [], "credentials": stored["credentials"]} == stored
    assert {"credentials": stored["credentials"]} in versions
