"""get_graph_settings and update_graph_settings: the user's library entry."""

from tests.domains.graphs.conftest import chain

DEFAULTS = {"human_in_the_loop_safe_mode": True, "sensitive_action_safe_mode": False}


async def _stored(rpc, settings: str, **flags: bool) -> None:
    """Writes the library row's settings (and flags) as another writer might have."""
    sets = ", ".join(["settings = :settings", *(f"{k} = :{k}" for k in flags)])
    async with rpc.services.db.write() as conn:
        await conn.execute(f"UPDATE library_agents SET {sets} WHERE user_id = 'ann'", {"settings": settings, **flags})


async def test_defaults_until_changed_then_only_the_fields_given_change(users):
    await users.result("create_graph", {"user_id": "ann", "graph": chain("a", graph_id="g")})
    assert await users.result("get_graph_settings", ["ann", "g"]) == DEFAULTS
    changed = await users.result("update_graph_settings", {"user_id": "ann", "graph_id": "g",
                                                           "settings": {"sensitive_action_safe_mode": True}})
    assert changed == {"human_in_the_loop_safe_mode": True, "sensitive_action_safe_mode": True}
    again = await users.result("update_graph_settings", ["ann", "g", {"human_in_the_loop_safe_mode": False}])
    assert again == {"human_in_the_loop_safe_mode": False, "sensitive_action_safe_mode": True}
    assert await users.result("update_graph_settings", ["ann", "g", {}]) == again
    assert await users.result("get_graph_settings", {"user_id": "ann", "graph_id": "g"}) == again


async def test_a_graph_not_in_the_users_library_reads_defaults_and_cannot_be_changed(users):
    await users.result("create_graph", {"user_id": "ann", "graph": chain("a", graph_id="g")})
    await users.result("update_graph_settings", ["ann", "g", {"sensitive_action_safe_mode": True}])
    assert await users.result("get_graph_settings", ["bob", "g"]) == DEFAULTS  # ann's entry is not bob's
    assert await users.result("get_graph_settings", ["ann", "nope"]) == DEFAULTS
    for user_id, graph_id in (("bob", "g"), ("ann", "nope")):
        error = await users.error("update_graph_settings", [user_id, graph_id, {"sensitive_action_safe_mode": False}])
        assert error["code"] == 1002 and error["data"] == {"kind": "graph", "id": graph_id}
    assert (await users.result("get_graph_settings", ["ann", "g"]))["sensitive_action_safe_mode"] is True


async def test_malformed_settings_read_as_defaults_and_an_update_starts_from_them(users):
    await users.result("create_graph", {"user_id": "ann", "graph": chain("a", graph_id="g")})
    for malformed in ("not json", "[1]", '"x"', '{"human_in_the_loop_safe_mode": "no", "sensitive_action_safe_mode": true}'):
        await _stored(users, malformed)
        assert await users.result("get_graph_settings", ["ann", "g"]) == DEFAULTS
    changed = await users.result("update_graph_settings", ["ann", "g", {"human_in_the_loop_safe_mode": False}])
    assert changed == {"human_in_the_loop_safe_mode": False, "sensitive_action_safe_mode": False}
    await _stored(users, '{"sensitive_action_safe_mode": true, "future_field": 1}')
    assert await users.result("get_graph_settings", ["ann", "g"]) == {**DEFAULTS, "sensitive_action_safe_mode": True}


async def test_an_archived_or_deleted_entry_is_not_the_users_any_more(users):
    await users.result("create_graph", {"user_id": "ann", "graph": chain("a", graph_id="g")})
    for flags in ({"is_archived": True, "is_deleted": False}, {"is_archived": False, "is_deleted": True}):
        await _stored(users, '{"sensitive_action_safe_mode": true}', **flags)
        assert await users.result("get_graph_settings", ["ann", "g"]) == DEFAULTS
        assert (await users.error("update_graph_settings", ["ann", "g", {}]))["code"] == 1002
