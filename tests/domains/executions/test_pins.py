"""Inputs and outputs on pins: upsert_execution_input fills the oldest INCOMPLETE node execution
lacking that input (or makes one), atomically under concurrency; outputs accumulate."""

import asyncio

from daemon.domains.executions.tables import node_execution_io, node_executions
from tests.domains.executions.conftest import events, force, table_rows


async def _upsert(world, run, name, value, **extra):
    return await world.rpc.result("upsert_execution_input", {"node_id": "n-work", "graph_exec_id": run["id"],
                                                             "input_name": name, "input_data": value, **extra})


async def _incomplete(world):
    return [r for r in await table_rows(world.rpc, node_executions, node_executions.c.added_time)
            if r["status"] == "INCOMPLETE"]


async def test_inputs_of_different_names_fill_one_node_execution(world):
    run = await world.run()
    first = await _upsert(world, run, "a", 1)
    second = await _upsert(world, run, "b", {"x": [1]})
    assert first[0]["node_exec_id"] == second[0]["node_exec_id"]
    assert first[1] == {"a": 1} and second[1] == {"a": 1, "b": {"x": [1]}}
    assert second[0]["input_data"] == {"a": 1}  # as it was before this input
    assert second[0]["status"] == "INCOMPLETE" and second[0]["user_id"] == "alice"
    # the seed's tuple, as a JSON array of two; its block_id is "" as the seed's is
    assert isinstance(second, list) and len(second) == 2 and second[0]["block_id"] == ""


async def test_an_input_name_taken_makes_a_new_node_execution(world):
    run = await world.run()
    first = await _upsert(world, run, "a", 1)
    second = await _upsert(world, run, "a", 2)
    third = await _upsert(world, run, "b", 3)  # the oldest one lacking b
    assert first[0]["node_exec_id"] != second[0]["node_exec_id"]
    assert third[0]["node_exec_id"] == first[0]["node_exec_id"]


async def test_an_input_older_than_a_day_no_longer_counts(world):
    run = await world.run()
    first = await _upsert(world, run, "a", 1)
    async with world.rpc.services.db.write() as conn:
        await conn.execute(node_execution_io.update().values(time="2020-01-01T00:00:00.000000Z"))
    again = await _upsert(world, run, "a", 2)
    assert again[0]["node_exec_id"] == first[0]["node_exec_id"]
    assert again[1] == {"a": 2}


async def test_only_incomplete_node_executions_take_inputs(world):
    run = await world.run()
    first = await _upsert(world, run, "a", 1)
    await force(world.rpc, node_executions, first[0]["node_exec_id"], status="QUEUED")
    second = await _upsert(world, run, "b", 1)
    assert second[0]["node_exec_id"] != first[0]["node_exec_id"]


async def test_a_given_node_execution_takes_it_or_is_not_found(world):
    run = await world.run()
    first, other = await _upsert(world, run, "a", 1), await _upsert(world, run, "a", 2)
    chosen = other[0]["node_exec_id"]
    got = await _upsert(world, run, "b", 1, node_exec_id=chosen)
    assert got[0]["node_exec_id"] == chosen and got[1] == {"a": 2, "b": 1}
    error = await world.rpc.error("upsert_execution_input", {
        "node_id": "n-work", "graph_exec_id": run["id"], "input_name": "a", "input_data": 1, "node_exec_id": chosen})
    assert error["code"] == 1002 and error["data"] == {"kind": "node_execution", "id": chosen}
    assert len(await _incomplete(world)) == 2 and first


async def test_a_new_node_execution_records_an_incomplete_event(world):
    run = await world.run()
    before = len(await events(world.rpc))
    made = await _upsert(world, run, "a", 1)
    await _upsert(world, run, "b", 1)  # joins it: no event
    new = (await events(world.rpc))[before:]
    assert [(e["kind"], e["status"], e["node_exec_id"], e["node_id"]) for e in new] == [
        ("node", "INCOMPLETE", made[0]["node_exec_id"], "n-work")]


async def test_unknown_graph_executions_and_nodes_are_not_found(world):
    run = await world.run()
    theirs = await world.run([["h-work", {}]], user_id="bob", graph_id="h")
    for params, kind, missing in (({"graph_exec_id": "nope"}, "graph_execution", "nope"),
                                  ({"node_id": "nope"}, "node", "nope"),
                                  ({"graph_exec_id": theirs["id"]}, "node", "n-work")):
        error = await world.rpc.error("upsert_execution_input", {
            "node_id": "n-work", "graph_exec_id": run["id"], "input_name": "a", "input_data": 1, **params})
        assert error["code"] == 1002 and error["data"] == {"kind": kind, "id": missing}
    assert await _incomplete(world) == []


async def test_50_concurrent_inputs_of_50_names_fill_one_node_execution(world):
    run = await world.run()
    await asyncio.gather(*(_upsert(world, run, f"in{i}", i) for i in range(50)))
    made = await _incomplete(world)
    assert len(made) == 1
    got = await world.rpc.result("get_node_execution", [made[0]["id"]])
    assert got["input_data"] == {f"in{i}": i for i in range(50)}


async def test_50_concurrent_inputs_of_one_name_make_50_node_executions_of_one_input(world):
    run = await world.run()
    await asyncio.gather(*(_upsert(world, run, "a", i) for i in range(50)))
    made = await _incomplete(world)
    assert len(made) == 50
    inputs = [r for r in await table_rows(world.rpc, node_execution_io) if r["input_exec_id"] in {m["id"] for m in made}]
    assert sorted(r["input_exec_id"] for r in inputs) == sorted(m["id"] for m in made)
    assert len([e for e in await events(world.rpc) if e["status"] == "INCOMPLETE" and e["kind"] == "node"]) == 50


async def test_concurrent_inputs_of_two_names_pair_up(world):
    run = await world.run()
    await asyncio.gather(*(_upsert(world, run, name, i) for i in range(25) for name in ("a", "b")))
    made = await _incomplete(world)
    assert len(made) == 25
    for row in made:
        got = await world.rpc.result("get_node_execution", [row["id"]])
        assert set(got["input_data"]) == {"a", "b"}


async def test_outputs_accumulate_and_the_latest_non_null_is_read(world):
    node = await world.node_exec("RUNNING")
    for value in (1, [2], None):
        assert await world.rpc.result("upsert_execution_output", [node["node_exec_id"], "o", value]) is None
    await world.rpc.result("upsert_execution_output", [node["node_exec_id"], "p", {}])
    got = await world.rpc.result("get_node_execution", [node["node_exec_id"]])
    assert got["output_data"] == {"o": [1, [2], None], "p": [{}]}
    latest = await world.rpc.result("get_execution_outputs_by_node_exec_id", [node["node_exec_id"]])
    assert latest == {"o": [2], "p": {}}
    assert await world.rpc.result("get_execution_outputs_by_node_exec_id", ["nope"]) == {}


async def test_an_output_of_an_unknown_node_execution_is_not_found(world):
    error = await world.rpc.error("upsert_execution_output", ["nope", "o", 1])
    assert error["code"] == 1002 and error["data"] == {"kind": "node_execution", "id": "nope"}
    assert await table_rows(world.rpc, node_execution_io) == []


async def test_nul_inside_values_reads_back_as_sent(world):
    run = await world.run()
    made = await _upsert(world, run, "a", "x\x00y")
    got = await world.rpc.result("get_node_execution", [made[0]["node_exec_id"]])
    assert got["input_data"] == {"a": "x\x00y"}
