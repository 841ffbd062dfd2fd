"""get_node and get_connected_output_nodes."""

from tests.domains.graphs.conftest import link, node


async def _diamond(rpc) -> dict:
    """a -> b, a -> c (twice, by two pins), b -> d, c -> d."""
    return await rpc.result("create_graph", {"user_id": "ann", "graph": {"id": "g", "nodes": [
        node("a"), node("b", "bb", input_default={"k": 1}), node("c"), node("d")], "links": [
        link("a", "b", "o1", "i"), link("a", "c", "o2", "i"), link("a", "c", "o3", "j"), link("b", "d"), link("c", "d")]}})


async def test_a_node_with_its_links_in_and_out(users):
    graph = await _diamond(users)
    b = await users.result("get_node", ["b"])
    assert b == next(n for n in graph["nodes"] if n["id"] == "b")
    assert [k["source_id"] for k in b["input_links"]] == ["a"] and [k["sink_id"] for k in b["output_links"]] == ["d"]
    assert (b["block_id"], b["input_default"], b["graph_id"], b["graph_version"]) == ("bb", {"k": 1}, "g", 1)
    lonely = await users.result("create_graph", {"user_id": "bob", "graph": {"nodes": [node("alone")], "links": []}})
    assert await users.result("get_node", {"node_id": "alone"}) == lonely["nodes"][0]  # any owner's


async def test_a_missing_node_is_not_found(users):
    assert await users.error("get_node", ["ghost"]) == {"code": 1002, "message": "Not found",
                                                        "data": {"kind": "node", "id": "ghost"}}


async def test_connected_output_nodes_are_each_link_out_with_its_sink(users):
    graph = await _diamond(users)
    pairs = await users.result("get_connected_output_nodes", ["a"])
    assert [(k["sink_id"], k["source_name"], n["id"]) for k, n in pairs] == [("b", "o1", "b"), ("c", "o2", "c"),
                                                                             ("c", "o3", "c")]
    assert [k for k, _ in pairs] == next(n for n in graph["nodes"] if n["id"] == "a")["output_links"]
    c = await users.result("get_node", ["c"])
    assert pairs[1][1] == pairs[2][1] == c and len(c["input_links"]) == 2 and len(c["output_links"]) == 1
    assert await users.result("get_connected_output_nodes", ["d"]) == []
    assert await users.result("get_connected_output_nodes", {"node_id": "ghost"}) == []
