"""create_graph_execution: one INCOMPLETE graph execution, a QUEUED node execution per starting
node with its inputs, their events; only on the user's own graph and its nodes."""

from daemon.domains.executions.tables import graph_executions
from daemon.domains.graphs.tables import AGENT_INPUT_BLOCK
from tests.domains.executions.conftest import WORK_BLOCK, events, table_rows


async def test_it_creates_an_incomplete_execution_with_queued_starting_nodes(world):
    run = await world.run([["n-in", {"name": "q", "value": 1}], ["n-work", {"a": [1, 2]}]], inputs={"q": 1})
    assert run["status"] == "INCOMPLETE" and run["user_id"] == "alice" and run["graph_id"] == "g"
    assert run["graph_version"] == 1 and run["inputs"] == {"q": 1} and run["outputs"] == {}
    assert run["credential_inputs"] == {} and run["nodes_input_masks"] == {} and run["stats"] is None
    assert run["started_at"] is None and run["ended_at"] is None and run["is_shared"] is False
    nodes = {n["node_id"]: n for n in run["node_executions"]}
    assert nodes["n-in"]["block_id"] == AGENT_INPUT_BLOCK and nodes["n-work"]["block_id"] == WORK_BLOCK
    assert nodes["n-work"]["input_data"] == {"a": [1, 2]} and nodes["n-work"]["status"] == "QUEUED"
    assert nodes["n-work"]["queue_time"] == nodes["n-work"]["add_time"] and nodes["n-work"]["output_data"] == {}


async def test_the_result_is_what_a_later_read_returns(world):
    run = await world.run([["n-in", {"name": "q", "value": 1}], ["n-work", {"a": 1}]], preset_id="p",
                          credential_inputs={"c": {"id": "x", "provider": "p", "type": "api_key"}},
                          nodes_input_masks={"n-work": {"a": 2}})
    again = await world.rpc.result("get_graph_execution", ["alice", run["id"], True])
    assert again == run


async def test_stored_inputs_that_are_empty_give_way_to_the_input_nodes(world):
    run = await world.run([["n-in", {"name": "q", "value": "hello"}]])
    assert run["inputs"] == {"q": "hello"}


async def test_it_records_one_graph_event_then_one_node_event_per_starting_node(world):
    run = await world.run([["n-in", {"name": "q", "value": 1}], ["n-work", {}]])
    got = await events(world.rpc)
    assert [(e["kind"], e["status"], e["node_id"]) for e in got] == [
        ("graph", "INCOMPLETE", ""), ("node", "QUEUED", "n-in"), ("node", "QUEUED", "n-work")]
    assert {e["graph_exec_id"] for e in got} == {run["id"]} and {e["user_id"] for e in got} == {"alice"}
    assert got[0]["node_exec_id"] == "" and got[1]["node_exec_id"] == run["node_executions"][0]["node_exec_id"] \
        or got[1]["node_exec_id"] == run["node_executions"][1]["node_exec_id"]
    assert all(e["graph_id"] == "g" and e["graph_version"] == 1 for e in got)


async def test_the_same_starting_node_twice_makes_two_node_executions(world):
    run = await world.run([["n-work", {"a": 1}], ["n-work", {"a": 2}]])
    assert sorted(n["input_data"]["a"] for n in run["node_executions"]) == [1, 2]


async def test_a_parent_execution_is_recorded(world):
    parent = await world.run()
    child = await world.run(parent_graph_exec_id=parent["id"])
    kids = await world.rpc.result("get_child_graph_executions", [parent["id"]])
    assert [k["id"] for k in kids] == [child["id"]]


async def test_another_users_graph_is_not_found_and_nothing_is_written(world):
    error = await world.rpc.error("create_graph_execution", {
        "graph_id": "h", "graph_version": 1, "starting_nodes_input": [], "inputs": {}, "user_id": "alice"})
    assert error["code"] == 1002 and error["data"] == {"kind": "graph", "id": "h"}
    assert await table_rows(world.rpc, graph_executions) == [] and await events(world.rpc) == []


async def test_an_unknown_version_or_user_is_not_found(world):
    for params in ({"graph_version": 2}, {"user_id": "nobody"}, {"graph_id": "nope"}):
        error = await world.rpc.error("create_graph_execution", {
            "graph_id": "g", "graph_version": 1, "starting_nodes_input": [], "inputs": {}, "user_id": "alice",
            **params})
        assert error["code"] == 1002 and error["data"]["kind"] == "graph"


async def test_another_users_parent_execution_is_not_found(world):
    theirs = await world.run([["h-work", {}]], user_id="bob", graph_id="h")
    error = await world.rpc.error("create_graph_execution", {
        "graph_id": "g", "graph_version": 1, "starting_nodes_input": [], "inputs": {}, "user_id": "alice",
        "parent_graph_exec_id": theirs["id"]})
    assert error["code"] == 1002 and error["data"] == {"kind": "graph_execution", "id": theirs["id"]}


async def test_a_starting_node_of_another_graph_is_refused(world):
    error = await world.rpc.error("create_graph_execution", {
        "graph_id": "g", "graph_version": 1, "starting_nodes_input": [["h-work", {}]], "inputs": {},
        "user_id": "alice"})
    assert error["code"] == -32602 and error["data"]["param"] == "starting_nodes_input"
    assert await table_rows(world.rpc, graph_executions) == []


async def test_malformed_starting_nodes_are_refused(world):
    for bad in ([["n-in"]], [["n-in", [1]]], [[1, {}]], [["", {}]], [["n-in", {}, 3]], [["x" * 256, {}]]):
        error = await world.rpc.error("create_graph_execution", {
            "graph_id": "g", "graph_version": 1, "starting_nodes_input": bad, "inputs": {}, "user_id": "alice"})
        assert error["code"] == -32602 and error["data"]["param"] == "starting_nodes_input", bad
    assert await table_rows(world.rpc, graph_executions) == []
