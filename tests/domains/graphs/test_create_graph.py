"""create_graph: new graphs, next versions, node ids, links, and the owner's library entry."""

import asyncio
import re

from tests.domains.graphs.conftest import chain, link, node

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


async def test_a_new_graph_is_version_1_with_its_nodes_and_links(users):
    graph = await users.result("create_graph", {"user_id": "ann", "graph": {
        "id": "g", "name": "Greeter", "description": "says hi", "instructions": "run it",
        "recommended_schedule_cron": "0 * * * *", "forked_from_id": "orig", "forked_from_version": 3,
        "nodes": [node("a", input_default={"x": [1, {"y": None}]}, metadata={"position": {"x": 1}}), node("b")],
        "links": [link("a", "b", "o", "i", is_static=True)]}})
    assert {k: graph[k] for k in ("id", "version", "is_active", "name", "description", "instructions",
                                  "recommended_schedule_cron", "forked_from_id", "forked_from_version",
                                  "user_id", "sub_graphs")} == {
        "id": "g", "version": 1, "is_active": True, "name": "Greeter", "description": "says hi", "instructions": "run it",
        "recommended_schedule_cron": "0 * * * *", "forked_from_id": "orig", "forked_from_version": 3,
        "user_id": "ann", "sub_graphs": []}
    a, b = graph["nodes"]
    (only,) = graph["links"]
    assert only == {"id": only["id"], "source_id": "a", "sink_id": "b", "source_name": "o", "sink_name": "i",
                    "is_static": True}
    assert a == {"id": "a", "block_id": "block", "input_default": {"x": [1, {"y": None}]},
                 "metadata": {"position": {"x": 1}}, "input_links": [], "output_links": [only], "graph_id": "g",
                 "graph_version": 1, "webhook_id": None, "webhook": None}
    assert b["input_links"] == [only] and b["output_links"] == [] and b["input_default"] == b["metadata"] == {}
    assert await users.result("get_graph", {"graph_id": "g", "user_id": "ann"}) == graph


async def test_ids_are_generated_and_nodes_keep_the_order_given(users):
    graph = await users.result("create_graph", {"user_id": "ann", "graph": {
        "nodes": [node(), node(), node()], "links": []}})
    assert UUID.fullmatch(graph["id"]) and graph["version"] == 1 and graph["name"] == graph["description"] == ""
    ids = [n["id"] for n in graph["nodes"]]
    assert all(UUID.fullmatch(i) for i in ids) and len(set(ids)) == 3
    again = await users.result("get_graph", {"graph_id": graph["id"], "user_id": "ann"})
    assert [n["id"] for n in again["nodes"]] == ids


async def test_given_node_ids_come_back_in_the_order_given_not_sorted(users):
    given = ["zeta", "alpha", "mu"]
    graph = await users.result("create_graph", {"user_id": "ann", "graph": {
        "nodes": [node(i) for i in given], "links": []}})
    again = await users.result("get_graph", {"graph_id": graph["id"], "user_id": "ann"})
    assert [n["id"] for n in graph["nodes"]] == [n["id"] for n in again["nodes"]] == given


async def test_links_keep_the_order_given(users):
    nodes = [node("p"), node("q")]
    links = [link("q", "p", "z", "a"), link("p", "q", "a", "z"), link("p", "q", "m", "m")]
    graph = await users.result("create_graph", {"user_id": "ann", "graph": {"id": "g", "nodes": nodes, "links": links}})
    assert [(k["source_name"], k["sink_name"]) for k in graph["links"]] == [("z", "a"), ("a", "z"), ("m", "m")]
    read = await users.result("get_graph", {"graph_id": "g", "user_id": "ann"})
    assert read["links"] == graph["links"]
    assert [k["source_name"] for k in read["nodes"][0]["output_links"]] == ["a", "m"]


async def test_the_owners_id_makes_the_next_version_the_active_one(users):
    first = await users.result("create_graph", {"user_id": "ann", "graph": chain("a", "b", graph_id="g")})
    second = await users.result("create_graph", {"user_id": "ann", "graph": chain("c", graph_id="g", name="v2")})
    third = await users.result("create_graph", {"user_id": "ann", "graph": chain("d", graph_id="g", name="v3")})
    assert (first["version"], second["version"], third["version"]) == (1, 2, 3)
    assert third["is_active"] is True
    for version, active in ((1, False), (2, False), (3, True)):
        meta = await users.result("get_graph_metadata", {"graph_id": "g", "version": version})
        assert meta["is_active"] is active
    # the older versions keep their own nodes
    assert [n["id"] for n in (await users.result("get_graph", ["g", 1, "ann"]))["nodes"]] == ["a", "b"]


async def test_another_users_graph_id_is_a_conflict_and_changes_nothing(users):
    await users.result("create_graph", {"user_id": "ann", "graph": chain("a", graph_id="g")})
    error = await users.error("create_graph", {"user_id": "bob", "graph": chain("z", graph_id="g")})
    assert error["code"] == 1003 and error["data"]["field"] == "graph.id"
    assert (await users.result("get_graph_metadata", ["g"]))["version"] == 1
    assert (await users.error("get_node", ["z"]))["code"] == 1002


async def test_an_unknown_user_is_not_found(users):
    error = await users.error("create_graph", {"user_id": "ghost", "graph": chain("a")})
    assert error["data"] == {"kind": "user", "id": "ghost"} and error["code"] == 1002
    assert (await users.error("get_node", ["a"]))["code"] == 1002


async def test_node_ids_already_used_are_replaced_and_links_follow(users):
    await users.result("create_graph", {"user_id": "ann", "graph": chain("a", "b", graph_id="g")})
    # the next version resends a and b, and adds c, which is new
    v2 = await users.result("create_graph", {"user_id": "ann", "graph": chain("a", "b", "c", graph_id="g")})
    ids = {n["id"] for n in v2["nodes"]}
    assert "c" in ids and "a" not in ids and "b" not in ids and len(ids) == 3
    new_a, new_b = (n["id"] for n in v2["nodes"] if n["id"] != "c")  # generated later than "c" sorts
    first, second = v2["links"]
    assert (first["source_id"], first["sink_id"], second["source_id"], second["sink_id"]) == (new_a, new_b, new_b, "c")
    by_id = {n["id"]: n for n in v2["nodes"]}
    assert [k["sink_id"] for k in by_id[new_a]["output_links"]] == [new_b]
    assert [k["sink_id"] for k in by_id[new_b]["output_links"]] == ["c"]
    # another user's graph may not reuse them either
    other = await users.result("create_graph", {"user_id": "bob", "graph": chain("c", "d")})
    assert [n["id"] for n in other["nodes"]][1] == "d" and "c" not in {n["id"] for n in other["nodes"]}
    # version 1 is untouched
    assert (await users.result("get_node", ["a"]))["graph_version"] == 1


async def test_a_link_to_a_node_outside_the_graph_is_invalid_and_changes_nothing(users):
    await users.result("create_graph", {"user_id": "ann", "graph": chain("elsewhere", graph_id="other")})
    for bad in (link("a", "elsewhere"), link("nowhere", "a")):
        error = await users.error("create_graph", {"user_id": "ann", "graph": {
            "id": "g", "nodes": [node("a")], "links": [bad]}})
        assert error["code"] == -32602 and error["data"]["param"] == "graph"
        assert error["data"]["field"] in ("links.source_id", "links.sink_id")
    assert await users.result("get_graph_metadata", ["g"]) is None
    assert (await users.error("get_node", ["a"]))["code"] == 1002


async def test_a_node_id_given_twice_is_invalid(users):
    error = await users.error("create_graph", {"user_id": "ann", "graph": {"nodes": [node("a"), node("a")], "links": []}})
    assert error["code"] == -32602 and error["data"]["field"] == "nodes.id"


async def test_the_library_holds_the_graph_at_its_newest_version(users):
    await users.result("create_graph", {"user_id": "ann", "graph": chain("a", graph_id="g")})
    await users.result("update_graph_settings", {"user_id": "ann", "graph_id": "g",
                                                 "settings": {"sensitive_action_safe_mode": True}})
    await users.result("create_graph", {"user_id": "ann", "graph": chain("b", graph_id="g")})
    async with users.services.db.session() as conn:
        rows = await conn.fetch_all("SELECT user_id, graph_id, graph_version, settings FROM library_agents")
    assert [tuple(r._mapping.values()) for r in rows] == [("ann", "g", 2, '{"sensitive_action_safe_mode":true}')]
    # the settings chosen for the graph outlive its new version
    assert (await users.result("get_graph_settings", ["ann", "g"]))["sensitive_action_safe_mode"] is True


async def test_versions_made_at_once_are_numbered_in_turn(users):
    await users.result("create_graph", {"user_id": "ann", "graph": chain("a", graph_id="g")})
    made = await asyncio.gather(*(users.result("create_graph", {"user_id": "ann", "graph": chain(f"n{i}", graph_id="g")})
                                  for i in range(8)))
    assert sorted(g["version"] for g in made) == list(range(2, 10))
    active = [v for v in range(1, 10) if (await users.result("get_graph_metadata", ["g", v]))["is_active"]]
    assert active == [9]
