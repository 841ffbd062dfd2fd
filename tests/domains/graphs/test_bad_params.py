"""Bad params on every graphs method: -32602 naming the param (and the field within it), and
nothing written."""


from tests.domains.graphs.conftest import chain, link, node

OK_GRAPH = chain("a", "b", graph_id="g")


def _deep(levels: int) -> dict:
    value: dict = {}
    for _ in range(levels):
        value = {"x": value}
    return value


CASES = [
    ("create_graph", {"user_id": "", "graph": OK_GRAPH}, "user_id", None),
    ("create_graph", {"user_id": "ann"}, "graph", None),
    ("create_graph", {"user_id": "ann", "graph": []}, "graph", None),
    ("create_graph", {"user_id": "ann", "graph": {"nodes": []}}, "graph", "links"),
    ("create_graph", {"user_id": "ann", "graph": {"links": []}}, "graph", "nodes"),
    ("create_graph", {"user_id": "ann", "graph": {**OK_GRAPH, "colour": "red"}}, "graph", "colour"),
    ("create_graph", {"user_id": "ann", "graph": {**OK_GRAPH, "id": "x" * 256}}, "graph", "id"),
    ("create_graph", {"user_id": "ann", "graph": {**OK_GRAPH, "name": 5}}, "graph", "name"),
    ("create_graph", {"user_id": "ann", "graph": {**OK_GRAPH, "forked_from_version": 0}}, "graph", "forked_from_version"),
    ("create_graph", {"user_id": "ann", "graph": {"nodes": [{"id": "a"}], "links": []}}, "graph", "nodes.block_id"),
    ("create_graph", {"user_id": "ann", "graph": {"nodes": [node("a", input_default=[1])], "links": []}}, "graph",
     "nodes.input_default"),
    ("create_graph", {"user_id": "ann", "graph": {"nodes": [node("a", metadata=_deep(65))], "links": []}}, "graph",
     "nodes.metadata"),
    ("create_graph", {"user_id": "ann", "graph": {"nodes": [node("a"), node("b")], "links": [
        {"source_id": "a", "sink_id": "b", "source_name": "o"}]}}, "graph", "links.sink_name"),
    ("create_graph", {"user_id": "ann", "graph": {"nodes": [node("a"), node("b")], "links": [
        link("a", "b", sink_name="n" * 256)]}}, "graph", "links.sink_name"),
    ("create_graph", {"user_id": "ann", "graph": {"nodes": [node("a"), node("b")], "links": [
        link("a", "b", is_static="yes")]}}, "graph", "links.is_static"),
    ("create_graph", {"user_id": "ann", "graph": {"nodes": [node("a", "b\u0000")], "links": []}}, "graph", "nodes.block_id"),
    ("get_graph", {}, "graph_id", None),
    ("get_graph", {"graph_id": "g", "version": 0}, "version", None),
    ("get_graph", {"graph_id": "g", "version": 2**31}, "version", None),
    ("get_graph", {"graph_id": "g", "version": True}, "version", None),
    ("get_graph", {"graph_id": "g", "user_id": ""}, "user_id", None),
    ("get_graph", {"graph_id": "g", "for_export": 1}, "for_export", None),
    ("get_graph", {"graph_id": "g", "include_subgraphs": "yes"}, "include_subgraphs", None),
    ("get_graph", {"graph_id": "g", "skip_access_check": None}, "skip_access_check", None),
    ("get_graph", {"graph_id": "g", "owner": "ann"}, "owner", None),
    ("get_graph_metadata", {"graph_id": "x" * 256}, "graph_id", None),
    ("get_graph_metadata", {"graph_id": "g", "version": -1}, "version", None),
    ("get_graph_settings", {"user_id": "ann"}, "graph_id", None),
    ("get_graph_settings", {"user_id": 7, "graph_id": "g"}, "user_id", None),
    ("update_graph_settings", {"user_id": "ann", "graph_id": "g"}, "settings", None),
    ("update_graph_settings", {"user_id": "ann", "graph_id": "", "settings": {}}, "graph_id", None),
    ("update_graph_settings", {"user_id": "ann", "graph_id": "g", "settings": {"human_in_the_loop_safe_mode": "no"}},
     "settings", "human_in_the_loop_safe_mode"),
    ("update_graph_settings", {"user_id": "ann", "graph_id": "g", "settings": {"other_mode": True}}, "settings",
     "other_mode"),
    ("get_node", {"node_id": ""}, "node_id", None),
    ("get_node", [["a"]], "node_id", None),
    ("get_connected_output_nodes", {"node_id": "x" * 256}, "node_id", None),
    ("get_connected_output_nodes", {}, "node_id", None),
]


async def test_bad_params_name_the_param_and_change_nothing(users):
    """Every case on one daemon per database (a daemon per case cost a minute of the suite)."""
    await users.result("create_graph", {"user_id": "ann", "graph": OK_GRAPH})
    await users.result("update_graph_settings", ["ann", "g", {"sensitive_action_safe_mode": True}])
    before = await _everything(users)
    failed = []
    for method, params, param, field in CASES:
        error = await users.error(method, params)
        if not (error["code"] == -32602 and error["data"]["param"] == param and error["data"].get("field") == field):
            failed.append(f"{method} {params!r:.80}: {error}")
    assert not failed, "\n".join(failed)
    assert await _everything(users) == before


async def _everything(rpc) -> list:
    async with rpc.services.db.session() as conn:
        return [[tuple(r._mapping.values()) for r in await conn.fetch_all(f"SELECT * FROM {table} ORDER BY 1, 2")]
                for table in ("graphs", "graph_nodes", "graph_links", "library_agents")]
