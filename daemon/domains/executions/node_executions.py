"""Node executions: read them (one, a filtered list, the latest of a node) and change their
status, one or many at once (SEED_MODEL.md §1).

A status change is one guarded UPDATE … RETURNING (transitions.py) that hands back the row
with what its event needs; the event is recorded in the same transaction, under the row's lock,
so the outbox holds one execution's events in its commit order. Workers change a status several
times per node, so on PostgreSQL the single change is one prepared statement that also records
the event and reads the pins (one round trip instead of five: bench/lifecycle.py)."""

from __future__ import annotations

from typing import Annotated, Any

from sqlalchemy import ColumnElement, Label, select

from daemon.clock import as_utc, now_rfc3339
from daemon.context import Context
from daemon.domains.executions.events import node_event, record
from daemon.domains.executions.results import (
    MAX_NODE_RESULTS,
    RESULT_ORDER,
    collect_pins,
    load_pins,
    load_results,
    node_result,
    results_query,
)
from daemon.domains.executions.tables import graph_executions, node_executions
from daemon.domains.executions.transitions import ALLOWED_FROM, allowed_from, node_times
from daemon.domains.executions.types import (
    ExecutionStatus,
    GraphExecId,
    JsonParamObject,
    JsonValue,
    Limit,
    NodeExecId,
    NodeExecutionResult,
    Since,
    TargetStatus,
    Until,
)
from daemon.domains.graphs.tables import graph_nodes
from daemon.domains.graphs.types import NodeId
from daemon.errors import InvalidParams, NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc, Len
from daemon.storage.sql import dump

ne, ge = node_executions, graph_executions
_UPDATE_CHUNK = 1000  # ids per UPDATE of a batch: one IN list far below the bind-parameter limits
# what get_latest_node_execution may return: a node execution that ran or is about to
_LATEST_STATUSES = ("QUEUED", "RUNNING", "COMPLETED", "TERMINATED", "FAILED")

BlockId = Annotated[str, Len(1, 255), Doc("a block id")]


@rpc_method(retry="safe")
async def get_node_execution(ctx: Context, node_exec_id: NodeExecId) -> NodeExecutionResult | None:
    """The node execution with its inputs and outputs, or null."""
    async with ctx.db.session() as conn:
        results = await load_results(conn, results_query(ne.c.id == node_exec_id))
    return results[0] if results else None


@rpc_method(retry="safe")
async def get_node_executions(
        ctx: Context, graph_exec_id: GraphExecId | None = None, node_id: NodeId | None = None,
        block_ids: list[BlockId] | None = None, statuses: list[ExecutionStatus] | None = None,
        limit: Limit | None = None, created_time_gte: Since | None = None, created_time_lte: Until | None = None,
        include_exec_data: Annotated[bool, Doc("with the values on their pins")] = True,
) -> list[NodeExecutionResult]:
    """Node executions matching every filter given (the times bound when each was added),
    newest queued first with those never queued before them; at most 1000."""
    filters: list[ColumnElement[bool]] = []
    if graph_exec_id is not None:
        filters.append(ne.c.graph_exec_id == graph_exec_id)
    if node_id is not None:
        filters.append(ne.c.node_id == node_id)
    if block_ids:
        filters.append(graph_nodes.c.block_id.in_(sorted(set(block_ids))))
    if statuses:
        filters.append(ne.c.status.in_(sorted(set(statuses))))
    if created_time_gte is not None:
        filters.append(ne.c.added_time >= as_utc(created_time_gte))
    if created_time_lte is not None:
        filters.append(ne.c.added_time <= as_utc(created_time_lte))
    query = results_query(*filters).order_by(*RESULT_ORDER).limit(min(limit or MAX_NODE_RESULTS, MAX_NODE_RESULTS))
    async with ctx.db.session() as conn:
        return await load_results(conn, query, include_io=include_exec_data)


@rpc_method(retry="safe")
async def get_latest_node_execution(ctx: Context, node_id: NodeId, graph_eid: GraphExecId
                                    ) -> NodeExecutionResult | None:
    """The node's newest node execution in that graph execution that is neither INCOMPLETE nor
    in REVIEW, or null (static links reuse its inputs)."""
    query = results_query(ne.c.graph_exec_id == graph_eid, ne.c.node_id == node_id,
                          ne.c.status.in_(_LATEST_STATUSES)).order_by(*RESULT_ORDER).limit(1)
    async with ctx.db.session() as conn:
        results = await load_results(conn, query)
    return results[0] if results else None


@rpc_method(errors=(NotFound,), retry="safe")
async def update_node_execution_status(
        ctx: Context, node_exec_id: NodeExecId, status: TargetStatus,
        execution_data: Annotated[JsonParamObject, Doc("its inputs; required to queue it")] | None = None,
        stats: Annotated[JsonValue, Doc("replaces the stored stats")] = None) -> NodeExecutionResult:
    """Moves the node execution to `status` where the transition table allows it (setting its
    queued, started or ended time), storing execution_data and stats when given; else changes
    nothing. Returns it as it then is."""
    if status == "QUEUED" and execution_data is None:
        raise InvalidParams("execution_data", "required to queue a node execution")
    now = now_rfc3339()
    data = dump(execution_data) if execution_data else None  # the seed keeps the stored data when given none or {}
    change = _change_in_one_statement if ctx.db.kind == "postgresql" else _change_in_transaction
    result = await change(ctx, node_exec_id, status, now, data, None if stats is None else dump(stats))
    if result is None:
        async with ctx.db.session() as conn:
            return await _unchanged(conn, node_exec_id)
    ctx.events_committed()
    return result


async def _change_in_one_statement(ctx: Context, node_exec_id: str, target: str, now: str, data: str | None,
                                   stats: str | None) -> NodeExecutionResult | None:
    """PostgreSQL: the change, its event and the row with its pins' values in one statement
    (_PG_CHANGE), in autocommit: one round trip, and no SQL compiled per call. None when the
    transition table did not allow it."""
    async with ctx.db.session() as conn:
        rows = await conn.raw_connection.fetch(_PG_CHANGE[target], node_exec_id, now, data, stats)
    if not rows:
        return None
    inputs, outputs = collect_pins((r["pin_name"], r["pin_data"], r["pin_input_of"], r["pin_output_of"])
                                   for r in rows if r["pin_name"] is not None)
    return node_result(rows[0], inputs.get(node_exec_id, {}), outputs.get(node_exec_id, {}))


async def _change_in_transaction(ctx: Context, node_exec_id: str, target: str, now: str, data: str | None,
                                 stats: str | None) -> NodeExecutionResult | None:
    """SQLite (which has no data-modifying WITH): the guarded update, its event and the pins'
    values, in a write transaction. None when the transition table did not allow it."""
    update = _guarded_update(target, now, None).where(ne.c.id == node_exec_id)
    given = {column: value for column, value in (("execution_data", data), ("stats", stats)) if value is not None}
    if given:
        update = update.values(given)
    async with ctx.db.write() as conn:
        row = await conn.fetch_one(update.returning(*ne.c, *_context()))
        if row is None:
            return None
        await record(conn, [node_event(row._mapping, now)])
        inputs, outputs = await load_pins(conn, [node_exec_id])
    return node_result(row._mapping, inputs.get(node_exec_id, {}), outputs.get(node_exec_id, {}))


def _pg_change(target: str) -> str:
    """update_node_execution_status to `target` as one PostgreSQL statement ($1 node_exec_id,
    $2 now, $3 execution_data and $4 stats, each kept when null): the guarded UPDATE … RETURNING
    the row with its event's context, the event inserted from what it returned (so in the same
    transaction, under the row's lock), then one row per value on its pins (one row of nulls
    when there is none). The statuses are this module's constants, never a caller's text."""
    sets = ", ".join([f"status = '{target}'", *(f"{column} = $2" for column in node_times(target, "")),
                      "execution_data = COALESCE($3, ne.execution_data)", "stats = COALESCE($4, ne.stats)"])
    allowed = ", ".join(f"'{status}'" for status in allowed_from(target))
    columns = ", ".join(f"ne.{column.name}" for column in ne.c)
    return f"""
        WITH changed AS (
            UPDATE node_executions ne SET {sets}
            FROM graph_executions ge, graph_nodes gn
            WHERE ne.id = $1 AND ne.status IN ({allowed}) AND ge.id = ne.graph_exec_id AND gn.id = ne.node_id
            RETURNING {columns}, ge.user_id, ge.graph_id, ge.graph_version, gn.block_id
        ), event AS (
            INSERT INTO events_outbox (kind, graph_exec_id, node_exec_id, node_id, user_id, graph_id, graph_version,
                                       status, at)
            SELECT 'node', graph_exec_id, id, node_id, user_id, graph_id, graph_version, status, $2 FROM changed
        )
        SELECT changed.*, io.name AS pin_name, io.data AS pin_data, io.input_exec_id AS pin_input_of,
               io.output_exec_id AS pin_output_of
        FROM changed LEFT JOIN node_execution_io io ON io.input_exec_id = changed.id OR io.output_exec_id = changed.id
        ORDER BY io.time, io.id"""


_PG_CHANGE = {target: _pg_change(target) for target in ALLOWED_FROM}


@rpc_method(retry="safe")
async def update_node_execution_status_batch(
        ctx: Context, node_exec_ids: list[NodeExecId], status: TargetStatus,
        stats: Annotated[JsonValue, Doc("replaces the stored stats of each one changed")] = None) -> int:
    """Moves each node execution the transition table allows to `status`; the others (and ids
    of none) are left as they are. Returns how many changed."""
    now = now_rfc3339()
    ids = sorted(set(node_exec_ids))  # one lock order for every batch: two batches never deadlock
    changed = 0
    async with ctx.db.write() as conn:
        for start in range(0, len(ids), _UPDATE_CHUNK):
            update = _guarded_update(status, now, stats).where(ne.c.id.in_(ids[start:start + _UPDATE_CHUNK]))
            rows = await conn.fetch_all(update.returning(ne.c.id, ne.c.graph_exec_id, ne.c.node_id, ne.c.status,
                                                         *_context()[:3]))
            await record(conn, [node_event(row._mapping, now) for row in rows])
            changed += len(rows)
    if changed:
        ctx.events_committed()
    return changed


def _guarded_update(target: str, now: str, stats: Any) -> Any:
    """UPDATE node_executions to `target`, only from the statuses it may follow."""
    update = ne.update().where(ne.c.status.in_(allowed_from(target))).values(status=target, **node_times(target, now))
    return update if stats is None else update.values(stats=dump(stats))


def _context() -> tuple[Label[Any], ...]:
    """user_id, graph_id, graph_version and block_id of the row an UPDATE … RETURNING changed,
    as scalar subqueries: SQLite's RETURNING cannot name another table, even in UPDATE … FROM."""
    def of_graph_execution(column: Any) -> Label[Any]:
        return select(column).where(ge.c.id == ne.c.graph_exec_id).scalar_subquery().label(column.name)
    block_id = select(graph_nodes.c.block_id).where(graph_nodes.c.id == ne.c.node_id).scalar_subquery()
    return (of_graph_execution(ge.c.user_id), of_graph_execution(ge.c.graph_id),
            of_graph_execution(ge.c.graph_version), block_id.label("block_id"))


async def _unchanged(conn: Any, node_exec_id: str) -> NodeExecutionResult:
    """The node execution a guarded update left alone, as it is; 1002 when there is none."""
    results = await load_results(conn, results_query(ne.c.id == node_exec_id))
    if not results:
        raise NotFound("node_execution", node_exec_id)
    return results[0]
