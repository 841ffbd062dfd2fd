"""get_graph and get_graph_metadata: versions, ownership, sub-graphs and export."""

from tests.domains.graphs.conftest import INPUT, chain, executor, link, node


async def _versions(rpc, user_id: str, graph_id: str, count: int) -> None:
    for v in range(1, count + 1):
        await rpc.result("create_graph", {"user_id": user_id, "graph": chain(f"{graph_id}-{v}", graph_id=graph_id,
                                                                            name=f"v{v}")})


async def test_the_version_asked_for_else_the_highest_whatever_is_active(users):
    await _versions(users, "ann", "g", 3)
    assert (await users.result("get_graph", {"graph_id": "g", "user_id": "ann"}))["name"] == "v3"
    two = await users.result("get_graph", {"graph_id": "g", "version": 2, "user_id": "ann"})
    assert (two["version"], two["name"], two["is_active"], [n["id"] for n in two["nodes"]]) == (2, "v2", False, ["g-2"])
    assert await users.result("get_graph", {"graph_id": "g", "version": 4, "user_id": "ann"}) is None
    assert await users.result("get_graph", {"graph_id": "nope", "user_id": "ann"}) is None


async def test_another_users_graph_is_null_unless_access_checks_are_skipped(users):
    await _versions(users, "ann", "g", 2)
    assert await users.result("get_graph", {"graph_id": "g", "user_id": "bob"}) is None
    assert await users.result("get_graph", {"graph_id": "g", "version": 1, "user_id": "bob"}) is None
    skipped = await users.result("get_graph", {"graph_id": "g", "user_id": "bob", "skip_access_check": True})
    assert (skipped["user_id"], skipped["version"]) == ("ann", 2)
    assert (await users.result("get_graph", {"graph_id": "g", "skip_access_check": True}))["version"] == 2


async def test_without_a_user_only_public_graphs_are_read(users):
    """ann's graph has no approved store listing, so it is not public (tests/domains/store has the public case)."""
    await _versions(users, "ann", "g", 1)
    assert await users.result("get_graph", {"graph_id": "g"}) is None
    assert await users.result("get_graph", ["g", None, None, True, True]) is None


async def test_a_graph_without_nodes(users):
    await users.result("create_graph", {"user_id": "ann", "graph": {"id": "empty", "nodes": [], "links": []}})
    graph = await users.result("get_graph", ["empty", None, "ann"])
    assert graph["nodes"] == graph["links"] == [] and graph["version"] == 1


async def test_a_node_linked_to_itself_lists_the_link_both_ways(users):
    await users.result("create_graph", {"user_id": "ann", "graph": {
        "id": "loop", "nodes": [node("self")], "links": [link("self", "self")]}})
    graph = await users.result("get_graph", ["loop", None, "ann"])
    (only,) = graph["links"]
    assert graph["nodes"][0]["input_links"] == graph["nodes"][0]["output_links"] == [only]


async def test_sub_graphs_breadth_first_same_owner_each_once_and_cycles_end(users):
    # root -> a@1 and b@2; a -> c@1 and root (a cycle); b -> a@1 (already met); c -> c (itself)
    await users.result("create_graph", {"user_id": "ann", "graph": chain("c0", graph_id="c")})
    await users.result("create_graph", {"user_id": "ann", "graph": {
        "id": "c", "nodes": [executor("c-self", "c", 1)], "links": []}})  # c@2 is not what a refers to
    await users.result("create_graph", {"user_id": "ann", "graph": {
        "id": "a", "nodes": [executor("a-c", "c", 1), executor("a-root", "root", 1)], "links": []}})
    await users.result("create_graph", {"user_id": "ann", "graph": chain("b0", graph_id="b")})
    await users.result("create_graph", {"user_id": "ann", "graph": {
        "id": "b", "nodes": [executor("b-a", "a", 1)], "links": []}})
    await users.result("create_graph", {"user_id": "bob", "graph": chain("x0", graph_id="bobs")})
    await users.result("create_graph", {"user_id": "ann", "graph": {"id": "root", "nodes": [
        executor("r-a", "a", 1), executor("r-b", "b", 2), executor("r-bob", "bobs", 1), executor("r-none", "zz", 1),
        node("r-odd", "e189baac-8c20-45a1-94a7-55177ea42565", input_default={"graph_id": "a", "graph_version": "1"}),
    ], "links": []}})
    graph = await users.result("get_graph", {"graph_id": "root", "user_id": "ann", "include_subgraphs": True})
    assert [(g["id"], g["version"]) for g in graph["sub_graphs"]] == [("a", 1), ("b", 2), ("c", 1)]
    assert all(g["sub_graphs"] == [] and g["user_id"] == "ann" for g in graph["sub_graphs"])
    assert [n["id"] for n in graph["sub_graphs"][2]["nodes"]] == ["c0"]
    plain = await users.result("get_graph", {"graph_id": "root", "user_id": "ann"})
    assert plain["sub_graphs"] == [] and plain["nodes"] == graph["nodes"]


async def test_for_export_strips_secrets_webhooks_and_the_owner(users):
    await users.result("create_graph", {"user_id": "ann", "graph": chain("s0", graph_id="sub")})
    inputs = {"api_key": "k", "Password": "p", "nested": {"oauth_token": "t", "keep": 1, "deeper": {"my_secret": "s"}},
              "credentials": {"id": "c"}, "list": [{"token": "stays: lists are not searched"}], "plain": "x"}
    await users.result("create_graph", {"user_id": "ann", "graph": {"id": "g", "nodes": [
        node("n1", input_default=inputs), node("in-secret", INPUT, input_default={"name": "pw", "secret": True, "value": "v"}),
        node("in-plain", INPUT, input_default={"name": "q", "secret": False, "value": "v"}),
        executor("ex", "sub", 1)], "links": [link("n1", "ex")]}})
    exported = await users.result("get_graph", {"graph_id": "g", "user_id": "ann", "for_export": True})
    assert exported["user_id"] == "" and exported["sub_graphs"][0]["user_id"] == ""  # sub-graphs come with export
    by_id = {n["id"]: n for n in exported["nodes"]}
    assert by_id["n1"]["input_default"] == {"nested": {"keep": 1, "deeper": {}},
                                            "list": [{"token": "stays: lists are not searched"}], "plain": "x"}
    assert by_id["in-secret"]["input_default"] == {"name": "pw", "secret": True}
    assert by_id["in-plain"]["input_default"] == {"name": "q", "secret": False, "value": "v"}
    assert all(n["webhook_id"] is None and n["webhook"] is None for n in exported["nodes"])
    assert len(exported["links"]) == 1
    # nothing stored changed
    assert (await users.result("get_node", ["n1"]))["input_default"] == inputs


async def test_metadata_of_the_version_asked_for_else_the_highest_any_owner(users):
    await _versions(users, "ann", "g", 2)
    assert await users.result("get_graph_metadata", {"graph_id": "g"}) == {
        "id": "g", "name": "v2", "description": "", "version": 2, "is_active": True}
    assert await users.result("get_graph_metadata", ["g", 1]) == {
        "id": "g", "name": "v1", "description": "", "version": 1, "is_active": False}
    assert await users.result("get_graph_metadata", ["g", 3]) is None
    assert await users.result("get_graph_metadata", ["missing"]) is None
