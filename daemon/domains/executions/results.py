"""Rows → the seed's DTOs, and the shared queries that load node executions with the values on
their pins: one query for the rows (graph execution and node joined, so user_id, graph_id and
block_id are always filled), one for all their inputs and outputs, whatever the count — never
a query per node execution."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, or_, select

from daemon.domains.executions.tables import graph_executions, node_execution_io, node_executions
from daemon.domains.executions.types import GraphExecution, GraphExecutionMeta, NodeExecutionResult
from daemon.domains.graphs.tables import AGENT_INPUT_BLOCK, AGENT_OUTPUT_BLOCK, graph_nodes
from daemon.storage.sql import load

ne, ge, io = node_executions, graph_executions, node_execution_io

# node execution ids per pin-values query: two IN lists of this many stay far below the
# bind-parameter limits of SQLite (32766) and asyncpg (32767)
_IO_CHUNK = 1000

# EXECUTION_RESULT_ORDER: newest queued first, and rows never queued (INCOMPLETE) before all
# of them, as PostgreSQL sorts NULLs on DESC; said explicitly so that SQLite sorts the same.
# The id makes ties (same microsecond) come back in one order every time.
MAX_NODE_RESULTS = 1000  # the seed caps node execution lists at this many
RESULT_ORDER = (ne.c.queued_time.desc().nulls_first(), ne.c.added_time.desc(), ne.c.id.desc())

# Columns a NodeExecutionResult needs, besides the node execution's own
CONTEXT_COLUMNS = (ge.c.user_id, ge.c.graph_id, ge.c.graph_version, graph_nodes.c.block_id)


def results_query(*conditions: ColumnElement[bool]) -> Select[Any]:
    """Node executions with their graph execution and node joined, filtered by `conditions`."""
    joined = ne.join(ge, ge.c.id == ne.c.graph_exec_id).join(graph_nodes, graph_nodes.c.id == ne.c.node_id)
    return select(ne, *CONTEXT_COLUMNS).select_from(joined).where(*conditions)


async def load_results(conn: Any, query: Select[Any], include_io: bool = True) -> list[NodeExecutionResult]:
    """The NodeExecutionResults of `query`'s rows (a `results_query`), in its order."""
    rows = [row._mapping for row in await conn.fetch_all(query)]
    inputs, outputs = await load_pins(conn, [row["id"] for row in rows]) if include_io and rows else ({}, {})
    return [node_result(row, inputs.get(row["id"], {}), outputs.get(row["id"], {})) for row in rows]


async def load_pins(conn: Any, node_exec_ids: Sequence[str]
                    ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, list[Any]]]]:
    """({id: {input name: value}}, {id: {output name: [values]}}) of these node executions,
    oldest value first: a later input of one name overwrites an earlier one, outputs accumulate."""
    rows: list[Sequence[Any]] = []
    for start in range(0, len(node_exec_ids), _IO_CHUNK):
        chunk = node_exec_ids[start:start + _IO_CHUNK]
        query = select(io.c.name, io.c.data, io.c.input_exec_id, io.c.output_exec_id).where(
            or_(io.c.input_exec_id.in_(chunk), io.c.output_exec_id.in_(chunk))).order_by(io.c.time, io.c.id)
        rows.extend(await conn.fetch_all(query))
    return collect_pins(rows)


def collect_pins(rows: Iterable[Sequence[Any]]
                 ) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, list[Any]]]]:
    """load_pins' result from (name, data, input_exec_id, output_exec_id) rows, oldest first."""
    inputs: dict[str, dict[str, Any]] = defaultdict(dict)
    outputs: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:  # indexed: a `databases` Record iterates over its keys
        name, data, input_of, output_of = row[0], row[1], row[2], row[3]
        if input_of is not None:
            inputs[input_of][name] = load(data)
        else:
            outputs[output_of][name].append(load(data))
    return inputs, {key: dict(value) for key, value in outputs.items()}


def node_result(row: Any, inputs: dict[str, Any], outputs: dict[str, list[Any]]) -> NodeExecutionResult:
    """A node execution row (with CONTEXT_COLUMNS) and its pin values as the seed's DTO.
    Moderation may have cleared the values: stats.cleared_inputs / cleared_outputs then win;
    stored execution_data (set when queued) wins over the input rows."""
    stats = load(row["stats"])
    cleared = stats if isinstance(stats, dict) else {}
    cleared_inputs, cleared_outputs = cleared.get("cleared_inputs"), cleared.get("cleared_outputs")
    execution_data = load(row["execution_data"])
    return {
        "user_id": row["user_id"], "graph_id": row["graph_id"], "graph_version": row["graph_version"],
        "graph_exec_id": row["graph_exec_id"], "node_exec_id": row["id"], "node_id": row["node_id"],
        "block_id": row["block_id"], "status": row["status"],
        "input_data": cast(dict[str, Any], cleared_inputs if _is_object(cleared_inputs) else execution_data or inputs),
        "output_data": cast(dict[str, list[Any]], cleared_outputs if _are_lists(cleared_outputs) else outputs),
        "add_time": row["added_time"], "queue_time": row["queued_time"],
        "start_time": row["started_time"], "end_time": row["ended_time"],
    }


def _is_object(value: Any) -> bool:
    return isinstance(value, dict) and bool(value)


def _are_lists(value: Any) -> bool:
    return _is_object(value) and all(isinstance(v, list) for v in value.values())


def meta(row: Any) -> GraphExecutionMeta:
    """A graph execution row as GraphExecutionMeta; JSON columns as stored (stats included)."""
    return {
        "id": row["id"], "user_id": row["user_id"], "graph_id": row["graph_id"],
        "graph_version": row["graph_version"], "inputs": load(row["inputs"]),
        "credential_inputs": load(row["credential_inputs"]), "nodes_input_masks": load(row["nodes_input_masks"]),
        "preset_id": row["preset_id"], "status": row["status"], "started_at": row["started_at"],
        "ended_at": row["ended_at"], "is_shared": bool(row["is_shared"]), "share_token": row["share_token"],
        "stats": load(row["stats"]),
    }


def in_run_order(results: Iterable[NodeExecutionResult]) -> list[NodeExecutionResult]:
    """Oldest first, by when each was queued (else added): GraphExecutionWithNodes' order."""
    return sorted(results, key=lambda r: (r["queue_time"] or r["add_time"], r["add_time"], r["node_exec_id"]))


def graph_execution(row: Any, results: Iterable[NodeExecutionResult]) -> GraphExecution:
    """GraphExecution: the Meta, its inputs (stored, else those of its AgentInputBlock nodes) and
    its outputs (the name/value inputs of its AgentOutputBlock nodes), from the node executions
    that are not INCOMPLETE, in run order."""
    complete = [r for r in in_run_order(results) if r["status"] != "INCOMPLETE"]
    gathered = {r["input_data"]["name"]: r["input_data"].get("value") for r in complete
                if r["block_id"] == AGENT_INPUT_BLOCK and _named(r)}
    outputs: dict[str, list[Any]] = defaultdict(list)
    for r in complete:
        if r["block_id"] == AGENT_OUTPUT_BLOCK and _named(r):
            outputs[r["input_data"]["name"]].append(r["input_data"].get("value"))
    head = meta(row)
    return cast(GraphExecution, {**head, "inputs": head["inputs"] or gathered, "outputs": dict(outputs)})


def _named(result: NodeExecutionResult) -> bool:
    name = result["input_data"].get("name") if isinstance(result["input_data"], dict) else None
    return isinstance(name, str)


def io_blocks_query(graph_exec_id: str) -> Select[Any]:
    """The node executions a GraphExecution's inputs and outputs come from."""
    return results_query(ne.c.graph_exec_id == graph_exec_id, ne.c.status != "INCOMPLETE",
                         graph_nodes.c.block_id.in_((AGENT_INPUT_BLOCK, AGENT_OUTPUT_BLOCK)))

