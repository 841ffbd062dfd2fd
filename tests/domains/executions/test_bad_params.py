"""Bad params on every executions method: -32602 naming the param, and nothing written."""


from daemon.domains.executions.tables import (
    execution_kv,
    graph_executions,
    node_execution_io,
    node_executions,
)
from tests.domains.executions.conftest import events, table_rows

GOOD = {
    "create_graph_execution": {"graph_id": "g", "graph_version": 1, "starting_nodes_input": [["n-in", {}]],
                               "inputs": {}, "user_id": "alice"},
    "get_graph_execution": {"user_id": "alice", "execution_id": "e"},
    "get_graph_execution_meta": {"user_id": "alice", "execution_id": "e"},
    "get_graph_executions": {},
    "get_graph_executions_count": {},
    "get_child_graph_executions": {"parent_exec_id": "e"},
    "update_graph_execution_start_time": {"graph_exec_id": "e"},
    "update_graph_execution_stats": {"graph_exec_id": "e", "status": "RUNNING"},
    "get_node_execution": {"node_exec_id": "n"},
    "get_node_executions": {},
    "get_latest_node_execution": {"node_id": "n-work", "graph_eid": "e"},
    "update_node_execution_status": {"node_exec_id": "n", "status": "RUNNING"},
    "update_node_execution_status_batch": {"node_exec_ids": ["n"], "status": "RUNNING"},
    "upsert_execution_input": {"node_id": "n-work", "graph_exec_id": "e", "input_name": "a", "input_data": 1},
    "upsert_execution_output": {"node_exec_id": "n", "output_name": "o", "output_data": 1},
    "get_execution_outputs_by_node_exec_id": {"node_exec_id": "n"},
    "get_execution_kv_data": {"user_id": "alice", "key": "k"},
    "set_execution_kv_data": {"user_id": "alice", "node_exec_id": "n", "key": "k", "data": 1},
}
DEEP = {"a": 1}
for _ in range(70):
    DEEP = {"a": DEEP}

BAD = [
    ("create_graph_execution", "graph_id", ""), ("create_graph_execution", "graph_version", 0),
    ("create_graph_execution", "graph_version", "1"), ("create_graph_execution", "starting_nodes_input", {}),
    ("create_graph_execution", "starting_nodes_input", [["n-in", 1]]), ("create_graph_execution", "inputs", []),
    ("create_graph_execution", "inputs", DEEP), ("create_graph_execution", "user_id", "x" * 256),
    ("create_graph_execution", "preset_id", 1), ("create_graph_execution", "credential_inputs", "x"),
    ("create_graph_execution", "nodes_input_masks", [1]), ("create_graph_execution", "parent_graph_exec_id", ""),
    ("get_graph_execution", "user_id", None), ("get_graph_execution", "execution_id", "a\x00b"),
    ("get_graph_execution", "include_node_executions", 1), ("get_graph_execution_meta", "execution_id", 5),
    ("get_graph_executions", "graph_version", -1), ("get_graph_executions", "statuses", ["DONE"]),
    ("get_graph_executions", "created_time_gte", "yesterday"),
    ("get_graph_executions", "created_time_lte", "2026-01-01T00:00:00"), ("get_graph_executions", "limit", 0),
    ("get_graph_executions", "graph_exec_id", ""), ("get_graph_executions_count", "statuses", "RUNNING"),
    ("get_graph_executions_count", "created_time_gte", "2026-13-01T00:00:00Z"),
    ("get_child_graph_executions", "parent_exec_id", ""), ("update_graph_execution_start_time", "graph_exec_id", ""),
    ("update_graph_execution_stats", "status", "INCOMPLETE"), ("update_graph_execution_stats", "stats", DEEP),
    ("get_node_execution", "node_exec_id", ""), ("get_node_executions", "limit", 1001),
    ("get_node_executions", "block_ids", [""]), ("get_node_executions", "include_exec_data", "yes"),
    ("get_node_executions", "statuses", ["queued"]), ("get_node_executions", "created_time_gte", 5),
    ("get_latest_node_execution", "graph_eid", ""), ("get_latest_node_execution", "node_id", "x" * 256),
    ("update_node_execution_status", "status", "INCOMPLETE"), ("update_node_execution_status", "execution_data", [1]),
    ("update_node_execution_status", "stats", DEEP),
    ("update_node_execution_status_batch", "node_exec_ids", "n"),
    ("update_node_execution_status_batch", "node_exec_ids", [""]),
    ("update_node_execution_status_batch", "status", "INCOMPLETE"),
    ("upsert_execution_input", "input_name", ""), ("upsert_execution_input", "input_data", DEEP),
    ("upsert_execution_input", "node_exec_id", ""), ("upsert_execution_input", "graph_exec_id", None),
    ("upsert_execution_output", "output_name", "x" * 256), ("upsert_execution_output", "output_data", DEEP),
    ("get_execution_outputs_by_node_exec_id", "node_exec_id", ""), ("get_execution_kv_data", "key", ""),
    ("set_execution_kv_data", "data", DEEP), ("set_execution_kv_data", "node_exec_id", ""),
    ("set_execution_kv_data", "key", "x" * 256),
]


def test_every_method_is_covered():
    assert {method for method, _, _ in BAD} == set(GOOD)


async def test_a_bad_param_is_refused_by_name_and_nothing_is_written(world):
    """Every case on one daemon per database (a daemon per case cost over a minute of the suite)."""
    before = await _everything(world)
    failed = []
    for method, param, value in BAD:
        error = await world.rpc.error(method, {**GOOD[method], param: value})
        if not (error["code"] == -32602 and error["data"]["param"] == param):
            failed.append(f"{method} {param}={value!r:.60}: {error}")
    assert not failed, "\n".join(failed)
    assert await _everything(world) == before


async def _everything(world) -> list:
    return [await table_rows(world.rpc, t) for t in (graph_executions, node_executions, node_execution_io,
                                                     execution_kv)] + [await events(world.rpc)]


async def test_a_missing_param_is_named(world):
    error = await world.rpc.error("upsert_execution_input", {"node_id": "n-work", "graph_exec_id": "e",
                                                             "input_name": "a"})
    assert error["code"] == -32602 and error["data"]["param"] == "input_data"
