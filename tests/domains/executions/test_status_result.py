"""What update_node_execution_status hands back (one statement on PostgreSQL, a transaction on
SQLite): the node execution as it now is, with the values on its pins, and one event."""

from tests.domains.executions.conftest import WORK_BLOCK, events


async def _status(world, node_exec_id, status, **extra):
    return await world.rpc.result("update_node_execution_status",
                                  {"node_exec_id": node_exec_id, "status": status, **extra})


async def test_the_result_carries_its_inputs_and_every_output_as_get_node_execution_does(world):
    run = await world.run()
    upserted = await world.rpc.result("upsert_execution_input", {"node_id": "n-work", "graph_exec_id": run["id"],
                                                                 "input_name": "a", "input_data": [1, "x"]})
    node_exec_id = upserted[0]["node_exec_id"]
    await _status(world, node_exec_id, "QUEUED", execution_data={})  # {} keeps the input rows as its inputs
    await _status(world, node_exec_id, "RUNNING")
    for value in (1, None, {"k": 2}):
        await world.rpc.result("upsert_execution_output", [node_exec_id, "out", value])
    done = await _status(world, node_exec_id, "COMPLETED", stats={"cost": 3})
    assert done["input_data"] == {"a": [1, "x"]} and done["output_data"] == {"out": [1, None, {"k": 2}]}
    assert done["status"] == "COMPLETED" and done["end_time"] is not None and done["block_id"] == WORK_BLOCK
    assert done == await world.rpc.result("get_node_execution", [node_exec_id])


async def test_a_change_records_one_event_and_a_refused_one_none(world):
    node = await world.node_exec("QUEUED")
    before = len(await events(world.rpc))
    running = await _status(world, node["node_exec_id"], "RUNNING")
    refused = await _status(world, node["node_exec_id"], "QUEUED", execution_data={"a": 2})  # RUNNING → QUEUED
    assert refused == running
    assert [e["status"] for e in (await events(world.rpc))[before:]] == ["RUNNING"]
