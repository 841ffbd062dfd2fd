"""Graph executions: create one with its starting node executions, read them, and change their
status and stats (SEED_MODEL.md §1).

Every status change is a guarded UPDATE (transitions.py) that records its event in the same
transaction, after the row's lock is taken: the outbox holds one execution's events in its
commit order."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, cast

from sqlalchemy import ColumnElement, false, func, select

from daemon.clock import as_utc, now_rfc3339
from daemon.context import Context
from daemon.domains.executions.events import Event, graph_event, node_event, record
from daemon.domains.executions.results import (
    MAX_NODE_RESULTS,
    RESULT_ORDER,
    graph_execution,
    in_run_order,
    io_blocks_query,
    load_results,
    meta,
    node_result,
    results_query,
)
from daemon.domains.executions.tables import graph_executions, node_execution_io, node_executions
from daemon.domains.executions.transitions import allowed_from, graph_times
from daemon.domains.executions.types import (
    ExecutionStatus,
    GraphExecId,
    GraphExecLimit,
    GraphExecution,
    GraphExecutionMaybeWithNodes,
    GraphExecutionMeta,
    GraphExecutionWithNodes,
    JsonParamObject,
    JsonValue,
    Since,
    StartingNodesInput,
    TargetStatus,
    Until,
)
from daemon.domains.graphs import public
from daemon.domains.graphs.tables import graph_nodes, graphs
from daemon.domains.graphs.types import GraphId, GraphVersion
from daemon.domains.types import Name, UserId
from daemon.errors import InvalidParams, NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc
from daemon.storage.sql import dump, insert_rows

ge, ne = graph_executions, node_executions


@rpc_method(errors=(NotFound,), retry="unsafe")
async def create_graph_execution(
        ctx: Context, graph_id: GraphId, graph_version: GraphVersion, starting_nodes_input: StartingNodesInput,
        inputs: JsonParamObject, user_id: UserId, preset_id: Name | None = None,
        credential_inputs: JsonParamObject | None = None, nodes_input_masks: JsonParamObject | None = None,
        parent_graph_exec_id: GraphExecId | None = None) -> GraphExecutionWithNodes:
    """Creates an INCOMPLETE graph execution of the user's graph (or a public one: an APPROVED
    store listing's), with one QUEUED node execution per starting node holding its inputs; the
    caller then queues the graph execution."""
    starts = _starting_nodes(starting_nodes_input)
    now = now_rfc3339()
    row = {"id": str(uuid.uuid4()), "user_id": user_id, "graph_id": graph_id, "graph_version": graph_version,
           "status": "INCOMPLETE", "created_at": now, "updated_at": now, "started_at": None, "ended_at": None,
           "is_deleted": False, "preset_id": preset_id, "inputs": dump(inputs),
           "credential_inputs": dump(credential_inputs or {}), "nodes_input_masks": dump(nodes_input_masks or {}),
           "stats": None, "parent_graph_execution_id": parent_graph_exec_id, "is_shared": False,
           "share_token": None, "shared_at": None}
    nodes = [{"id": str(uuid.uuid4()), "graph_exec_id": row["id"], "node_id": node_id, "status": "QUEUED",
              "execution_data": None, "stats": None, "added_time": now, "queued_time": now,
              "started_time": None, "ended_time": None} for node_id, _ in starts]
    async with ctx.db.write() as conn:
        blocks = await _runnable_nodes(conn, user_id, graph_id, graph_version, {node_id for node_id, _ in starts})
        if parent_graph_exec_id is not None:
            await _own_execution(conn, user_id, parent_graph_exec_id)
        await conn.execute(ge.insert().values(**row))
        await insert_rows(conn, ne, nodes)
        await insert_rows(conn, node_execution_io, [
            {"name": name, "data": dump(value), "time": now, "input_exec_id": node["id"], "output_exec_id": None}
            for node, (_, values) in zip(nodes, starts, strict=True) for name, value in values.items()])
        await record(conn, _creation_events(row, nodes, now))
    ctx.events_committed()
    context = {"user_id": user_id, "graph_id": graph_id, "graph_version": graph_version}
    results = [node_result({**node, **context, "block_id": blocks[str(node["node_id"])]}, values, {})
               for node, (_, values) in zip(nodes, starts, strict=True)]
    return cast(GraphExecutionWithNodes, {**graph_execution(row, results), "node_executions": in_run_order(results)})


@rpc_method(retry="safe")
async def get_graph_execution(
        ctx: Context, user_id: UserId, execution_id: GraphExecId,
        include_node_executions: Annotated[bool, Doc("with its node executions (the newest 1000)")] = False,
) -> GraphExecutionMaybeWithNodes | None:
    """The user's graph execution with its inputs and outputs (and node executions if asked),
    or null."""
    async with ctx.db.session() as conn:
        row = await conn.fetch_one(select(ge).where(*_visible(user_id), ge.c.id == execution_id))
        if row is None:
            return None
        if not include_node_executions:
            found = graph_execution(row._mapping, await load_results(conn, io_blocks_query(execution_id)))
            return cast(GraphExecutionMaybeWithNodes, found)
        query = results_query(ne.c.graph_exec_id == execution_id).order_by(*RESULT_ORDER).limit(MAX_NODE_RESULTS)
        results = await load_results(conn, query)
    return cast(GraphExecutionMaybeWithNodes,
                {**graph_execution(row._mapping, results), "node_executions": in_run_order(results)})


@rpc_method(retry="safe")
async def get_graph_execution_meta(ctx: Context, user_id: UserId, execution_id: GraphExecId
                                   ) -> GraphExecutionMeta | None:
    """The user's graph execution without its inputs gathered or outputs, or null."""
    async with ctx.db.session() as conn:
        row = await conn.fetch_one(select(ge).where(*_visible(user_id), ge.c.id == execution_id))
    return None if row is None else meta(row._mapping)


@rpc_method(retry="safe")
async def get_graph_executions(
        ctx: Context, graph_exec_id: GraphExecId | None = None, graph_id: GraphId | None = None,
        graph_version: GraphVersion | None = None, user_id: UserId | None = None,
        statuses: list[ExecutionStatus] | None = None, created_time_gte: Since | None = None,
        created_time_lte: Until | None = None, limit: GraphExecLimit | None = None) -> list[GraphExecutionMeta]:
    """Graph executions that are not deleted, matching every filter given, newest first."""
    query = select(ge).where(*_filters(user_id, graph_id, statuses, created_time_gte, created_time_lte))
    if graph_exec_id is not None:
        query = query.where(ge.c.id == graph_exec_id)
    if graph_version is not None:
        query = query.where(ge.c.graph_version == graph_version)
    query = query.order_by(ge.c.created_at.desc(), ge.c.id.desc()).limit(limit)
    async with ctx.db.session() as conn:
        return [meta(row._mapping) for row in await conn.fetch_all(query)]


@rpc_method(retry="safe")
async def get_graph_executions_count(
        ctx: Context, user_id: UserId | None = None, graph_id: GraphId | None = None,
        statuses: list[ExecutionStatus] | None = None, created_time_gte: Since | None = None,
        created_time_lte: Until | None = None) -> int:
    """How many graph executions get_graph_executions would list with these filters."""
    query = select(func.count()).select_from(ge).where(
        *_filters(user_id, graph_id, statuses, created_time_gte, created_time_lte))
    async with ctx.db.session() as conn:
        return int(await conn.fetch_val(query))


@rpc_method(retry="safe")
async def get_child_graph_executions(ctx: Context, parent_exec_id: GraphExecId) -> list[GraphExecutionMeta]:
    """The graph executions (not deleted) that this one started, oldest first."""
    query = select(ge).where(ge.c.parent_graph_execution_id == parent_exec_id, ge.c.is_deleted == false()) \
        .order_by(ge.c.created_at, ge.c.id)
    async with ctx.db.session() as conn:
        return [meta(row._mapping) for row in await conn.fetch_all(query)]


@rpc_method(errors=(NotFound,), retry="safe")
async def update_graph_execution_start_time(ctx: Context, graph_exec_id: GraphExecId) -> GraphExecution:
    """Moves the graph execution to RUNNING, started now, where the transition table allows it;
    else changes nothing. Returns it as it then is."""
    now = now_rfc3339()
    return await _change(ctx, graph_exec_id, "RUNNING", {"started_at": now}, now)


@rpc_method(errors=(NotFound,), retry="safe")
async def update_graph_execution_stats(ctx: Context, graph_exec_id: GraphExecId, status: TargetStatus | None = None,
                                       stats: Annotated[JsonValue, Doc("replaces the stored stats")] = None
                                       ) -> GraphExecution:
    """Sets the status (where the transition table allows it, else nothing changes, stats
    included) and/or replaces the stats. Returns the graph execution as it then is."""
    if status is None and stats is None:
        raise InvalidParams("status", "status or stats is required")
    now = now_rfc3339()
    return await _change(ctx, graph_exec_id, status, {} if stats is None else {"stats": dump(stats)}, now)


async def _change(ctx: Context, graph_exec_id: str, target: str | None, values: dict[str, Any], now: str
                  ) -> GraphExecution:
    """One guarded UPDATE (only from the statuses `target` may follow), its event when the
    status changed, and the graph execution as it then is; 1002 when there is none."""
    update = ge.update().where(ge.c.id == graph_exec_id).values(updated_at=now, **values)
    if target is not None:
        update = update.where(ge.c.status.in_(allowed_from(target))).values(status=target, **graph_times(target, now))
    async with ctx.db.write() as conn:
        row = await conn.fetch_one(update.returning(*ge.c))
        if row is not None and target is not None:
            await record(conn, [graph_event(row._mapping, now)])
        elif row is None:
            row = await conn.fetch_one(select(ge).where(ge.c.id == graph_exec_id))
            if row is None:
                raise NotFound("graph_execution", graph_exec_id)
        results = await load_results(conn, io_blocks_query(graph_exec_id))
    if target is not None:
        ctx.events_committed()
    return graph_execution(row._mapping, results)


def _visible(user_id: str) -> tuple[ColumnElement[bool], ...]:
    return ge.c.user_id == user_id, ge.c.is_deleted == false()


def _filters(user_id: str | None, graph_id: str | None, statuses: list[ExecutionStatus] | None, since: str | None,
             until: str | None) -> list[ColumnElement[bool]]:
    """The filters get_graph_executions and its count share; statuses are ORed."""
    filters: list[ColumnElement[bool]] = [ge.c.is_deleted == false()]
    if user_id is not None:
        filters.append(ge.c.user_id == user_id)
    if graph_id is not None:
        filters.append(ge.c.graph_id == graph_id)
    if statuses:
        filters.append(ge.c.status.in_(sorted(set(statuses))))
    if since is not None:
        filters.append(ge.c.created_at >= as_utc(since))
    if until is not None:
        filters.append(ge.c.created_at <= as_utc(until))
    return filters


def _starting_nodes(value: list[list[Any]]) -> list[tuple[str, dict[str, Any]]]:
    """[[node_id, {name: value}], …] checked: a node id (1–255 characters) and an object each."""
    starts = []
    for item in value:
        if len(item) != 2 or not isinstance(item[0], str) or not isinstance(item[1], dict) \
                or not 1 <= len(item[0]) <= 255 or "\x00" in item[0]:
            raise InvalidParams("starting_nodes_input", "each item must be [node_id, {input name: value}]")
        starts.append((item[0], item[1]))
    return starts


async def _runnable_nodes(conn: Any, user_id: str, graph_id: str, graph_version: int, node_ids: set[str]
                          ) -> dict[str, str]:
    """{node id: block id} of the starting nodes, in one query that also reads the graph's owner:
    1002 `graph` unless the graph version is the user's or public (an APPROVED store listing's,
    as in the seed); -32602 when a node is not of that graph version."""
    joined = graphs.outerjoin(graph_nodes, (graph_nodes.c.graph_id == graphs.c.id)
                              & (graph_nodes.c.graph_version == graphs.c.version) & graph_nodes.c.id.in_(node_ids))
    rows = await conn.fetch_all(select(graphs.c.user_id, graph_nodes.c.id, graph_nodes.c.block_id).select_from(joined)
                                .where(graphs.c.id == graph_id, graphs.c.version == graph_version))
    if not rows or (rows[0][0] != user_id and await public.approved_version(conn, graph_id, graph_version) is None):
        raise NotFound("graph", graph_id)
    blocks = {row[1]: row[2] for row in rows if row[1] is not None}
    missing = sorted(node_ids - blocks.keys())
    if missing:
        raise InvalidParams("starting_nodes_input", "not a node of that graph version", node_id=missing[0])
    return blocks


async def _own_execution(conn: Any, user_id: str, graph_exec_id: str) -> None:
    found = await conn.fetch_val(select(ge.c.id).where(*_visible(user_id), ge.c.id == graph_exec_id))
    if found is None:
        raise NotFound("graph_execution", graph_exec_id)


def _creation_events(row: dict[str, Any], nodes: list[dict[str, Any]], now: str) -> list[Event]:
    context = {"user_id": row["user_id"], "graph_id": row["graph_id"], "graph_version": row["graph_version"]}
    return [graph_event(row, now), *(node_event({**node, **context}, now) for node in nodes)]
