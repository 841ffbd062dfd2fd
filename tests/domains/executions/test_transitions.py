"""The status transition table (SEED_MODEL.md §0) for graph and node executions, all 7×7 pairs:
an allowed change sets the status and its timestamp and records one event; a disallowed one
changes nothing, records nothing and returns the row as it is; INCOMPLETE is never a target."""

import itertools

from daemon.domains.executions.tables import graph_executions, node_executions
from daemon.domains.executions.transitions import ALLOWED_FROM
from tests.domains.executions.conftest import events, force, force_graph_status, table_rows

STATUSES = ["INCOMPLETE", "QUEUED", "RUNNING", "COMPLETED", "TERMINATED", "FAILED", "REVIEW"]
TARGETS = [s for s in STATUSES if s != "INCOMPLETE"]
PAIRS = list(itertools.product(STATUSES, TARGETS))


def test_the_table_is_the_seeds():
    assert ALLOWED_FROM == {
        "QUEUED": ("INCOMPLETE", "TERMINATED", "REVIEW"), "RUNNING": ("INCOMPLETE", "QUEUED", "TERMINATED", "REVIEW"),
        "COMPLETED": ("RUNNING",), "FAILED": ("INCOMPLETE", "QUEUED", "RUNNING", "REVIEW"),
        "TERMINATED": ("INCOMPLETE", "QUEUED", "RUNNING", "REVIEW"), "REVIEW": ("RUNNING",)}


async def every_pair(world, check, pairs=PAIRS) -> None:
    """Runs `check(world, current, target)` for each pair on one daemon (a fresh execution each),
    and fails with every pair that failed, named: one daemon per database instead of one per pair."""
    failed = []
    for current, target in pairs:
        try:
            await check(world, current, target)
        except AssertionError as exc:
            failed.append(f"{current} -> {target}: {exc}")
    assert not failed, "\n".join(failed)


async def _graph_in(world, status):
    run = await world.run()
    await force_graph_status(world.rpc, run["id"], status)
    before = len(await events(world.rpc))
    return run["id"], before


async def test_graph_execution_status(world):
    await every_pair(world, _graph_execution_status)


async def _graph_execution_status(world, current, target):
    graph_exec_id, before = await _graph_in(world, current)
    result = await world.rpc.result("update_graph_execution_stats", {"graph_exec_id": graph_exec_id,
                                                                     "status": target, "stats": {"cost": 3}})
    new_events = (await events(world.rpc))[before:]
    if current in ALLOWED_FROM[target]:
        assert result["status"] == target and result["stats"] == {"cost": 3}
        assert (result["ended_at"] is not None) == (target in ("COMPLETED", "FAILED", "TERMINATED"))
        assert [(e["kind"], e["status"], e["graph_exec_id"]) for e in new_events] == [("graph", target, graph_exec_id)]
        if result["ended_at"] is not None:
            assert new_events[0]["at"] == result["ended_at"]
    else:  # nothing changes, the stats included, and nothing is recorded
        assert result["status"] == current and result["stats"] is None and result["ended_at"] is None
        assert new_events == []


async def test_node_execution_status(world):
    await every_pair(world, _node_execution_status)


async def _node_execution_status(world, current, target):
    node = await world.node_exec(current)
    before = len(await events(world.rpc))
    result = await world.rpc.result("update_node_execution_status", {
        "node_exec_id": node["node_exec_id"], "status": target, "execution_data": {"a": 2}, "stats": {"s": 1}})
    new_events = (await events(world.rpc))[before:]
    stored = {r["id"]: r for r in await table_rows(world.rpc, node_executions)}[node["node_exec_id"]]
    if current in ALLOWED_FROM[target]:
        assert result["status"] == target and result["input_data"] == {"a": 2} and stored["stats"] == '{"s":1}'
        times = {"QUEUED": "queue_time", "RUNNING": "start_time", "COMPLETED": "end_time", "FAILED": "end_time"}
        if target in times:
            assert result[times[target]] == new_events[0]["at"]
            if target != "QUEUED":
                assert result["queue_time"] == node["queue_time"]
        else:  # TERMINATED and REVIEW set no time
            assert (result["queue_time"], result["start_time"], result["end_time"]) == (node["queue_time"], None, None)
        assert [(e["kind"], e["status"], e["node_exec_id"], e["node_id"], e["user_id"]) for e in new_events] == [
            ("node", target, node["node_exec_id"], "n-work", "alice")]
    else:
        assert result["status"] == current and result["input_data"] == {"a": 1} and stored["stats"] is None
        assert result["start_time"] is None and result["end_time"] is None and new_events == []


async def test_node_execution_status_in_a_batch(world):
    await every_pair(world, _node_execution_status_in_a_batch)


async def _node_execution_status_in_a_batch(world, current, target):
    first, second = await world.node_exec(current), await world.node_exec(current)
    before = len(await events(world.rpc))
    ids = [first["node_exec_id"], second["node_exec_id"], "no-such-node-exec"]
    changed = await world.rpc.result("update_node_execution_status_batch", [ids, target])
    new_events = (await events(world.rpc))[before:]
    stored = {r["id"]: r["status"] for r in await table_rows(world.rpc, node_executions)}
    if current in ALLOWED_FROM[target]:
        assert changed == 2 and stored[first["node_exec_id"]] == stored[second["node_exec_id"]] == target
        assert sorted(e["node_exec_id"] for e in new_events) == sorted(ids[:2])
        assert {(e["status"], e["graph_id"], e["graph_version"]) for e in new_events} == {(target, "g", 1)}
    else:
        assert changed == 0 and new_events == [] and stored[first["node_exec_id"]] == current


async def test_start_time_follows_the_table_to_running(world):
    await every_pair(world, _start_time, [(current, "RUNNING") for current in STATUSES])


async def _start_time(world, current, _):
    graph_exec_id, before = await _graph_in(world, current)
    result = await world.rpc.result("update_graph_execution_start_time", [graph_exec_id])
    new_events = (await events(world.rpc))[before:]
    if current in ALLOWED_FROM["RUNNING"]:
        assert result["status"] == "RUNNING" and result["started_at"] == new_events[0]["at"]
        assert [e["status"] for e in new_events] == ["RUNNING"]
    else:
        assert result["status"] == current and result["started_at"] is None and new_events == []


async def test_incomplete_is_never_a_target(world):
    node = await world.node_exec("RUNNING")
    run = await world.run()
    for method, params in (("update_node_execution_status", {"node_exec_id": node["node_exec_id"]}),
                           ("update_node_execution_status_batch", {"node_exec_ids": [node["node_exec_id"]]}),
                           ("update_graph_execution_stats", {"graph_exec_id": run["id"]})):
        error = await world.rpc.error(method, {**params, "status": "INCOMPLETE"})
        assert error["code"] == -32602 and error["data"]["param"] == "status"


async def test_a_stats_only_update_replaces_the_stats_and_records_no_event(world):
    run = await world.run()
    before = await events(world.rpc)
    await world.rpc.result("update_graph_execution_stats", {"graph_exec_id": run["id"], "stats": {"cost": 1, "x": 2}})
    result = await world.rpc.result("update_graph_execution_stats", [run["id"], None, {"cost": 5}])
    assert result["stats"] == {"cost": 5} and result["status"] == "INCOMPLETE"
    assert await events(world.rpc) == before


async def test_a_node_execution_keeps_its_data_when_given_none(world):
    node = await world.node_exec("QUEUED")
    result = await world.rpc.result("update_node_execution_status", [node["node_exec_id"], "RUNNING"])
    assert result["input_data"] == {"a": 1} and result["status"] == "RUNNING"


async def test_queueing_a_node_execution_needs_its_data(world):
    node = await world.node_exec("INCOMPLETE")
    error = await world.rpc.error("update_node_execution_status", [node["node_exec_id"], "QUEUED"])
    assert error["code"] == -32602 and error["data"]["param"] == "execution_data"
    assert {r["id"]: r["status"] for r in await table_rows(world.rpc, node_executions)}[node["node_exec_id"]] \
        == "INCOMPLETE"


async def test_graph_updates_need_a_status_or_stats(world):
    run = await world.run()
    error = await world.rpc.error("update_graph_execution_stats", [run["id"]])
    assert error["code"] == -32602 and error["data"]["param"] == "status"


async def test_updates_of_missing_rows_are_not_found(world):
    for method, params, kind in (
            ("update_graph_execution_stats", ["nope", "RUNNING"], "graph_execution"),
            ("update_graph_execution_start_time", ["nope"], "graph_execution"),
            ("update_node_execution_status", ["nope", "RUNNING"], "node_execution")):
        error = await world.rpc.error(method, params)
        assert error["code"] == 1002 and error["data"] == {"kind": kind, "id": "nope"}
    assert await world.rpc.result("update_node_execution_status_batch", [["nope"], "RUNNING"]) == 0
    assert await world.rpc.result("update_node_execution_status_batch", [[], "RUNNING"]) == 0


async def test_one_executions_events_come_in_the_order_of_its_changes(world):
    run = await world.run()
    node_exec_id = run["node_executions"][0]["node_exec_id"]
    await world.rpc.result("update_graph_execution_stats", [run["id"], "QUEUED"])
    await world.rpc.result("update_graph_execution_start_time", [run["id"]])
    for status in ("RUNNING", "COMPLETED", "RUNNING"):  # the last is disallowed: no event
        await world.rpc.result("update_node_execution_status", [node_exec_id, status])
    await world.rpc.result("update_graph_execution_stats", [run["id"], "COMPLETED"])
    got = await events(world.rpc)
    assert [(e["kind"], e["status"]) for e in got] == [
        ("graph", "INCOMPLETE"), ("node", "QUEUED"), ("graph", "QUEUED"), ("graph", "RUNNING"),
        ("node", "RUNNING"), ("node", "COMPLETED"), ("graph", "COMPLETED")]
    assert [e["at"] for e in got] == sorted(e["at"] for e in got)


async def test_graph_status_updates_ignore_the_deleted_flag(world):
    run = await world.run()
    await force(world.rpc, graph_executions, run["id"], is_deleted=True)
    result = await world.rpc.result("update_graph_execution_stats", [run["id"], "RUNNING"])
    assert result["status"] == "RUNNING"
