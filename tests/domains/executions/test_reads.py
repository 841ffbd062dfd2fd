"""Reading executions back: a graph execution with its inputs, outputs and node executions;
lists with every filter, their order (NULLS FIRST on both databases) and the 1000 cap; the
latest node execution; ownership (another user's executions are null)."""

from daemon.domains.executions.tables import graph_executions, node_executions
from tests.domains.executions.conftest import force, force_node_status


async def _finish(world, node_exec_id, data):
    for status, extra in (("RUNNING", {}), ("COMPLETED", {"execution_data": data})):
        await world.rpc.result("update_node_execution_status", {"node_exec_id": node_exec_id, "status": status,
                                                                **extra})


async def test_outputs_come_from_output_nodes_that_ran(world):
    run = await world.run([["n-out", {"name": "answer", "value": 1}], ["n-out", {"name": "answer", "value": 2}],
                           ["n-in", {"name": "q", "value": "x"}]])
    second = next(n for n in run["node_executions"] if n["input_data"].get("value") == 2)
    await force(world.rpc, node_executions, second["node_exec_id"], status="INCOMPLETE")  # ignored
    got = await world.rpc.result("get_graph_execution", ["alice", run["id"]])
    assert got["outputs"] == {"answer": [1]} and got["inputs"] == {"q": "x"} and "node_executions" not in got


async def test_stored_inputs_win_over_input_nodes(world):
    run = await world.run([["n-in", {"name": "q", "value": "x"}]], inputs={"given": True})
    got = await world.rpc.result("get_graph_execution", {"user_id": "alice", "execution_id": run["id"]})
    assert got["inputs"] == {"given": True}


async def test_node_executions_come_in_run_order_with_their_outputs(world):
    run = await world.run([["n-work", {"a": 1}], ["n-work", {"a": 2}]])
    await force(world.rpc, node_executions, run["node_executions"][1]["node_exec_id"],
                queued_time="2026-01-01T00:00:00.000000Z")  # queued first: it runs first
    run = await world.rpc.result("get_graph_execution", ["alice", run["id"], True])
    first = run["node_executions"][0]["node_exec_id"]
    assert run["node_executions"][0]["queue_time"] == "2026-01-01T00:00:00.000000Z"
    await world.rpc.result("upsert_execution_output", [first, "out", 1])
    await world.rpc.result("upsert_execution_output", [first, "out", None])
    got = await world.rpc.result("get_graph_execution", ["alice", run["id"], True])
    assert [n["node_exec_id"] for n in got["node_executions"]] == [n["node_exec_id"] for n in run["node_executions"]]
    assert got["node_executions"][0]["output_data"] == {"out": [1, None]}


async def test_meta_is_the_row_as_stored(world):
    run = await world.run(preset_id="p1")
    await world.rpc.result("update_graph_execution_stats", [run["id"], "RUNNING", {"cost": 7, "extra": [1]}])
    got = await world.rpc.result("get_graph_execution_meta", ["alice", run["id"]])
    assert got["stats"] == {"cost": 7, "extra": [1]} and got["preset_id"] == "p1" and got["status"] == "RUNNING"
    assert "outputs" not in got


async def test_another_users_or_a_deleted_execution_is_null(world):
    run = await world.run()
    for method in ("get_graph_execution", "get_graph_execution_meta"):
        assert await world.rpc.result(method, ["bob", run["id"]]) is None
        assert await world.rpc.result(method, ["alice", "nope"]) is None
    await force(world.rpc, graph_executions, run["id"], is_deleted=True)
    assert await world.rpc.result("get_graph_execution", ["alice", run["id"], True]) is None
    assert await world.rpc.result("get_graph_executions", {"user_id": "alice"}) == []


async def test_graph_execution_lists_filter_and_count(world):
    a1, a2 = await world.run(), await world.run()
    b1 = await world.run([["h-work", {}]], user_id="bob", graph_id="h")
    await force(world.rpc, graph_executions, a1["id"], created_at="2026-01-01T00:00:00.000000Z")
    await force(world.rpc, graph_executions, a2["id"], status="RUNNING", created_at="2026-01-03T00:00:00.000000Z",
                graph_version=2)
    await force(world.rpc, graph_executions, b1["id"], created_at="2026-01-02T00:00:00.000000Z")

    async def ids(**filters):
        listed = [e["id"] for e in await world.rpc.result("get_graph_executions", filters)]
        count_filters = {k: v for k, v in filters.items() if k in ("user_id", "graph_id", "statuses",
                                                                   "created_time_gte", "created_time_lte")}
        if len(count_filters) == len(filters):
            assert await world.rpc.result("get_graph_executions_count", count_filters) == len(listed)
        return listed
    assert await ids() == [a2["id"], b1["id"], a1["id"]]
    assert await ids(user_id="alice") == [a2["id"], a1["id"]] and await ids(graph_id="h") == [b1["id"]]
    assert await ids(graph_exec_id=a1["id"]) == [a1["id"]] and await ids(graph_version=2) == [a2["id"]]
    assert await ids(statuses=["RUNNING", "FAILED"]) == [a2["id"]]
    assert await ids(statuses=["INCOMPLETE"], user_id="alice") == [a1["id"]]
    assert await ids(created_time_gte="2026-01-02T01:00:00+01:00") == [a2["id"], b1["id"]]  # any offset
    assert await ids(created_time_lte="2026-01-01T23:59:59Z") == [a1["id"]]
    assert await ids(limit=1) == [a2["id"]] and await ids(user_id="nobody") == []


async def test_node_execution_lists_put_never_queued_first_then_newest_queued(world):
    run = await world.run([["n-work", {"a": i}] for i in range(3)])
    ids = [n["node_exec_id"] for n in sorted(run["node_executions"], key=lambda n: n["input_data"]["a"])]
    await force(world.rpc, node_executions, ids[0], queued_time="2026-01-01T00:00:00.000000Z")
    await force(world.rpc, node_executions, ids[1], queued_time="2026-01-02T00:00:00.000000Z")
    await force(world.rpc, node_executions, ids[2], queued_time=None, status="INCOMPLETE")
    listed = await world.rpc.result("get_node_executions", {"graph_exec_id": run["id"]})
    assert [n["node_exec_id"] for n in listed] == [ids[2], ids[1], ids[0]]


async def test_node_execution_lists_then_order_by_when_added(world):
    run = await world.run([["n-work", {}], ["n-work", {}]])
    ids = [n["node_exec_id"] for n in run["node_executions"]]
    for node_exec_id, added in zip(ids, ("2026-01-02T00:00:00.000000Z", "2026-01-01T00:00:00.000000Z"), strict=True):
        await force(world.rpc, node_executions, node_exec_id, queued_time=None, added_time=added)
    listed = await world.rpc.result("get_node_executions", {"graph_exec_id": run["id"]})
    assert [n["node_exec_id"] for n in listed] == ids


async def test_node_execution_filters(world):
    run = await world.run([["n-in", {"name": "q", "value": 1}], ["n-work", {"a": 1}]])
    other = await world.run([["n-work", {}]])
    by_node = {n["node_id"]: n["node_exec_id"] for n in run["node_executions"]}
    await force(world.rpc, node_executions, by_node["n-in"], status="RUNNING", added_time="2026-01-01T00:00:00.000000Z")

    async def ids(**filters):
        return sorted(n["node_exec_id"] for n in await world.rpc.result("get_node_executions", filters))
    assert await ids(graph_exec_id=run["id"]) == sorted(by_node.values())
    assert await ids(node_id="n-work") == sorted([by_node["n-work"], other["node_executions"][0]["node_exec_id"]])
    assert await ids(graph_exec_id=run["id"], block_ids=["block-work", "x"]) == [by_node["n-work"]]
    assert await ids(statuses=["RUNNING"]) == [by_node["n-in"]]
    assert await ids(created_time_lte="2026-01-01T00:00:00Z") == [by_node["n-in"]]
    assert by_node["n-in"] not in await ids(created_time_gte="2026-01-01T00:00:01Z")
    assert len(await ids(limit=1)) == 1


async def test_node_execution_lists_leave_pin_values_out_when_asked(world):
    run = await world.run([["n-work", {"a": 1}]])
    await world.rpc.result("upsert_execution_output", [run["node_executions"][0]["node_exec_id"], "o", 1])
    plain = await world.rpc.result("get_node_executions", {"graph_exec_id": run["id"], "include_exec_data": False})
    full = await world.rpc.result("get_node_executions", {"graph_exec_id": run["id"]})
    assert (plain[0]["input_data"], plain[0]["output_data"]) == ({}, {})
    assert (full[0]["input_data"], full[0]["output_data"]) == ({"a": 1}, {"o": [1]})


async def test_node_execution_lists_stop_at_1000(world):
    await world.run([["n-work", {"i": i}] for i in range(1001)])
    assert len(await world.rpc.result("get_node_executions", {})) == 1000
    assert len(await world.rpc.result("get_node_executions", {"limit": 1000})) == 1000


async def test_one_node_execution_with_everything_joined(world):
    run = await world.run([["n-work", {"a": 1}]])
    node = run["node_executions"][0]
    got = await world.rpc.result("get_node_execution", [node["node_exec_id"]])
    assert got == node and got["graph_id"] == "g" and got["block_id"] == "block-work"
    assert await world.rpc.result("get_node_execution", ["nope"]) is None


async def test_the_latest_node_execution_skips_incomplete_and_review(world):
    run = await world.run([["n-work", {"a": 1}], ["n-work", {"a": 2}], ["n-work", {"a": 3}]])
    ids = [n["node_exec_id"] for n in sorted(run["node_executions"], key=lambda n: n["input_data"]["a"])]
    await force(world.rpc, node_executions, ids[0], queued_time="2026-01-01T00:00:00.000000Z", status="COMPLETED")
    await force(world.rpc, node_executions, ids[1], queued_time="2026-01-02T00:00:00.000000Z", status="REVIEW")
    await force_node_status(world.rpc, ids[2], "INCOMPLETE")
    got = await world.rpc.result("get_latest_node_execution", ["n-work", run["id"]])
    assert got["node_exec_id"] == ids[0] and got["input_data"] == {"a": 1}
    assert await world.rpc.result("get_latest_node_execution", ["n-in", run["id"]]) is None


async def test_moderation_cleared_values_win(world):
    node = await world.node_exec("RUNNING")
    await world.rpc.result("upsert_execution_output", [node["node_exec_id"], "o", "secret"])
    got = await world.rpc.result("update_node_execution_status", [
        node["node_exec_id"], "COMPLETED", None, {"cleared_inputs": {"a": "x"}, "cleared_outputs": {"o": ["x"]}}])
    assert got["input_data"] == {"a": "x"} and got["output_data"] == {"o": ["x"]}
