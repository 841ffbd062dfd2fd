"""add_store_agent_to_library and validate_graph_execution_permissions, with listings made
through the store's own methods: one entry per user and graph, brought back rather than doubled,
and the two 1002 kinds."""

from sqlalchemy import select

from daemon.domains.graphs.tables import library_agents


async def _entries(library, user_id):
    async with library.rpc.services.db.session() as conn:
        rows = await conn.fetch_all(select(library_agents).where(library_agents.c.user_id == user_id))
    return [dict(r._mapping) for r in rows]


async def test_a_store_agent_joins_the_library_once(library):
    version_id = await library.listed("g")
    added = await library.rpc.result("add_store_agent_to_library", [version_id, "bob"])
    assert (added["graph_id"], added["graph_version"], added["owner_user_id"]) == ("g", 1, "ann")
    assert not added["can_access_graph"] and added["creator_name"] == "Ann Maker"
    assert added["marketplace_listing"]["slug"] == "g-agent"
    assert added["marketplace_listing"]["creator"] == {"name": "Ann Maker", "username": "ann-makes",
                                                       "avatar_url": "https://img/ann.png"}
    again = await library.rpc.result("add_store_agent_to_library", {"store_listing_version_id": version_id,
                                                                     "user_id": "bob"})
    assert again["id"] == added["id"]
    [entry] = await _entries(library, "bob")
    assert entry["is_created_by_user"] is False or entry["is_created_by_user"] == 0
    assert await library.names("bob") == ["Weather Bot"]


async def test_adding_brings_a_deleted_or_archived_entry_back_with_its_settings(library):
    version_id = await library.listed("g")
    first = await library.rpc.result("add_store_agent_to_library", [version_id, "bob"])
    await library.rpc.result("update_graph_settings", ["bob", "g", {"human_in_the_loop_safe_mode": False}])
    await library.drop("bob", "g", is_deleted=True, is_archived=True)
    assert await library.names("bob") == []
    back = await library.rpc.result("add_store_agent_to_library", [version_id, "bob"])
    assert back["id"] == first["id"] and back["settings"]["human_in_the_loop_safe_mode"] is False
    assert await library.names("bob") == ["Weather Bot"]


async def test_the_entry_keeps_the_newer_version(library):
    v1 = await library.listed("g")
    await library.graph("g", "Weather Bot 2")
    v2 = await library.listed("g", version=2)
    assert (await library.rpc.result("add_store_agent_to_library", [v2, "bob"]))["graph_version"] == 2
    assert (await library.rpc.result("add_store_agent_to_library", [v1, "bob"]))["graph_version"] == 2
    # the owner's entry stays at the owner's newest version too
    assert (await library.rpc.result("add_store_agent_to_library", [v1, "ann"]))["graph_version"] == 2
    assert len(await _entries(library, "ann")) == 2 and len(await _entries(library, "bob")) == 1


async def test_an_unapproved_or_unknown_version_is_1002(library):
    pending = await library.listed("h", approve=False)
    error = await library.rpc.error("add_store_agent_to_library", [pending, "bob"])
    assert error["code"] == 1002 and error["data"] == {"kind": "graph", "id": "h"}
    error = await library.rpc.error("add_store_agent_to_library", ["no-such-version", "bob"])
    assert error["code"] == 1002 and error["data"] == {"kind": "store_listing_version", "id": "no-such-version"}
    error = await library.rpc.error("add_store_agent_to_library", [pending, "nobody"])
    assert error["code"] == 1002 and error["data"]["kind"] == "user"
    assert await _entries(library, "bob") == []


async def _validate(library, *params):
    body = await library.rpc.call("validate_graph_execution_permissions", list(params))
    return body.get("result") if "error" not in body else (body["error"]["code"], body["error"]["data"])


async def test_validate_tells_not_accessible_from_not_in_library(library):
    version_id = await library.listed("g")
    assert await _validate(library, "ann", "g", 1) is None
    assert await _validate(library, "bob", "g", 1) == (1002, {"kind": "library_agent", "id": "g"})
    assert await _validate(library, "bob", "g", 1, True) is None  # a sub-graph needs no library entry
    assert await _validate(library, "bob", "h", 1) == (1002, {"kind": "graph", "id": "h"})
    assert await _validate(library, "bob", "h", 1, True) == (1002, {"kind": "graph", "id": "h"})
    assert await _validate(library, "ann", "g", 9) == (1002, {"kind": "graph", "id": "g"})
    await library.rpc.result("add_store_agent_to_library", [version_id, "bob"])
    assert await _validate(library, "bob", "g", 1) is None
    await library.drop("bob", "g", is_archived=True)
    assert await _validate(library, "bob", "g", 1) == (1002, {"kind": "library_agent", "id": "g"})


async def test_bad_params_name_the_param(library):
    for method, params, param in [
            ("add_store_agent_to_library", {"store_listing_version_id": "", "user_id": "bob"}, "store_listing_version_id"),
            ("add_store_agent_to_library", {"store_listing_version_id": "v"}, "user_id"),
            ("validate_graph_execution_permissions", {"user_id": "bob", "graph_id": "g", "graph_version": 0},
             "graph_version"),
            ("validate_graph_execution_permissions", {"user_id": "bob", "graph_id": "g", "graph_version": 1,
                                                      "is_sub_graph": "no"}, "is_sub_graph")]:
        error = await library.rpc.error(method, params)
        assert error["code"] == -32602 and error["data"]["param"] == param, params
