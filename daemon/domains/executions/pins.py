"""The values on node executions' pins: inputs added one at a time until a node execution has
what it needs, and outputs appended as a node produces them (SEED_MODEL.md §1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from sqlalchemy import Text, exists, literal, select

from daemon.clock import now_rfc3339, rfc3339
from daemon.context import Context
from daemon.domains.executions.events import node_event, record
from daemon.domains.executions.results import collect_pins, load_pins, node_result
from daemon.domains.executions.tables import graph_executions, node_execution_io, node_executions
from daemon.domains.executions.types import (
    GraphExecId,
    JsonValue,
    NodeExecId,
    PinName,
    UpsertedInput,
)
from daemon.domains.graphs.tables import graph_nodes
from daemon.domains.graphs.types import NodeId
from daemon.domains.types import JsonObject
from daemon.errors import NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc
from daemon.storage.sql import dump, load, one_statement

ne, ge, io = node_executions, graph_executions, node_execution_io
# an input of this name older than this no longer occupies its node execution (the seed's window)
_INPUT_WINDOW = timedelta(days=1)


@rpc_method(errors=(NotFound,), retry="unsafe")
async def upsert_execution_input(
        ctx: Context, node_id: NodeId, graph_exec_id: GraphExecId, input_name: PinName, input_data: JsonValue,
        node_exec_id: Annotated[NodeExecId, Doc("only this node execution may take the input")] | None = None,
) -> UpsertedInput:
    """Adds an input to the oldest INCOMPLETE node execution of this node that lacks one of this
    name, or else to a new INCOMPLETE node execution. Returns [that node execution (as it was
    before this input), its inputs with this one], the seed's tuple.

    Concurrent calls for one node and graph execution are serialized (an advisory lock on
    PostgreSQL, the one writer on SQLite), so N calls at once give what N calls in a row give."""
    moment = datetime.now(UTC)
    now, since = rfc3339(moment), rfc3339(moment - _INPUT_WINDOW)
    add = _add_input_pg if ctx.db.kind == "postgresql" else _add_input
    full, created, inputs, outputs = await add(ctx, graph_exec_id, node_id, input_name, dump(input_data),
                                               node_exec_id, now, since)
    if created:
        ctx.events_committed()
    before = node_result(full, inputs, outputs)
    return {**before, "block_id": ""}, {**inputs, input_name: input_data}  # the seed's tuple, its block_id ""


async def _add_input(ctx: Context, graph_exec_id: str, node_id: str, input_name: str, data: str,
                     node_exec_id: str | None, now: str, since: str) -> _Added:
    """SQLite: upsert_execution_input's write, one statement at a time under the one writer."""
    async with ctx.db.write() as conn:
        context = await _lock_inputs(conn, graph_exec_id, node_id)
        row = await _open_node_execution(conn, graph_exec_id, node_id, input_name, node_exec_id, since)
        if row is None and node_exec_id is not None:
            raise NotFound("node_execution", node_exec_id)
        created = row is None
        if row is None:
            row = await _new_node_execution(conn, graph_exec_id, node_id, now)
        full = {**row, **context}
        inputs, outputs = ({}, {}) if created else await load_pins(conn, [full["id"]])
        await conn.execute(io.insert().values(name=input_name, data=data, time=now, input_exec_id=full["id"],
                                              output_exec_id=None))
        if created:
            await record(conn, [node_event(full, now)])
    return full, created, inputs.get(full["id"], {}), outputs.get(full["id"], {})


async def _add_input_pg(ctx: Context, graph_exec_id: str, node_id: str, input_name: str, data: str,
                        node_exec_id: str | None, now: str, since: str) -> _Added:
    """PostgreSQL: the same write in four round trips besides BEGIN and COMMIT (the lock, the
    search, then one statement that writes everything), each a statement prepared once per
    connection: a worker adds an input for every node it runs. The search cannot join the lock's
    statement: it must start after the lock is granted, to see what its holder committed."""
    async with ctx.db.write() as conn:
        raw = conn.raw_connection
        lock_key = f"upsert_input\x1f{graph_exec_id}\x1f{node_id}"
        context = _context(await raw.fetchrow(_PG_LOCK, graph_exec_id, node_id, lock_key), graph_exec_id, node_id)
        row = await raw.fetchrow(_PG_OPEN, graph_exec_id, node_id, input_name, since, node_exec_id)
        if row is None and node_exec_id is not None:
            raise NotFound("node_execution", node_exec_id)
        if row is None:
            full = {**_new_row(graph_exec_id, node_id, now), **context}
            await raw.execute(_PG_CREATE, full["id"], graph_exec_id, node_id, now, input_name, data,
                              context["user_id"], context["graph_id"], context["graph_version"])
            return full, True, {}, {}
        pins = await raw.fetch(_PG_ADD, row["id"], input_name, data, now)
    inputs, outputs = collect_pins(pins)
    return {**row, **context}, False, inputs.get(row["id"], {}), outputs.get(row["id"], {})


# (node execution row with its context, created?, its inputs and outputs before this input)
_Added = tuple[dict[str, Any], bool, dict[str, Any], dict[str, list[Any]]]

# $1 graph_exec_id, $2 node_id, $3 the key text of the transaction's advisory lock on (graph execution,
# node), which serializes the find-then-insert (a hash collision only makes two unrelated upserts wait)
_PG_LOCK = """
    SELECT ge.user_id, ge.graph_id, ge.graph_version, gn.block_id, pg_advisory_xact_lock(hashtextextended($3, 0))
    FROM graph_executions ge
    LEFT JOIN graph_nodes gn ON gn.id = $2 AND gn.graph_id = ge.graph_id AND gn.graph_version = ge.graph_version
    WHERE ge.id = $1"""
# $1 graph_exec_id, $2 node_id, $3 input name, $4 the window's start, $5 the node execution
# asked for or null: _open_node_execution
_PG_OPEN = """
    SELECT * FROM node_executions ne
    WHERE ne.graph_exec_id = $1 AND ne.node_id = $2 AND ne.status = 'INCOMPLETE' AND ($5::text IS NULL OR ne.id = $5)
      AND NOT EXISTS (SELECT FROM node_execution_io io
                      WHERE io.input_exec_id = ne.id AND io.name = $3 AND io.time >= $4)
    ORDER BY ne.added_time, ne.id LIMIT 1"""
# a new INCOMPLETE node execution ($1 id … $4 now) with its input ($5 name, $6 data) and its event
# ($7 user_id, $8 graph_id, $9 graph_version); the foreign keys are checked at the statement's end
_PG_CREATE = """
    WITH made AS (
        INSERT INTO node_executions (id, graph_exec_id, node_id, status, added_time)
        VALUES ($1, $2, $3, 'INCOMPLETE', $4) RETURNING id
    ), pin AS (
        INSERT INTO node_execution_io (name, data, time, input_exec_id) SELECT $5::text, $6::text, $4, id FROM made
    )
    INSERT INTO events_outbox (kind, graph_exec_id, node_exec_id, node_id, user_id, graph_id, graph_version, status, at)
    SELECT 'node', $2, id, $3, $7, $8, $9::integer, 'INCOMPLETE', $4 FROM made"""
# the input ($2 name, $3 data, $4 now) added to node execution $1, returning its pins' values as
# they were before it (the statement's snapshot does not see its own insert)
_PG_ADD = """
    WITH pin AS (
        INSERT INTO node_execution_io (name, data, time, input_exec_id) VALUES ($2, $3, $4, $1)
    )
    SELECT name, data, input_exec_id, output_exec_id FROM node_execution_io
    WHERE input_exec_id = $1 OR output_exec_id = $1 ORDER BY time, id"""


@rpc_method(errors=(NotFound,), retry="unsafe")
async def upsert_execution_output(ctx: Context, node_exec_id: NodeExecId, output_name: PinName,
                                  output_data: JsonValue) -> None:
    """Appends a value to the node execution's output of this name (outputs are never
    replaced: repeated names make a list)."""
    now, data = now_rfc3339(), None if output_data is None else dump(output_data)
    async with one_statement(ctx.db) as conn:  # inserts nothing for a node execution that does not exist
        if ctx.db.kind == "postgresql":  # prepared once per connection: a worker calls this for every node
            added = await conn.raw_connection.fetchval(_PG_OUTPUT, node_exec_id, output_name, data, now)
        else:
            values = select(literal(output_name, Text), literal(data, Text), literal(now, Text), ne.c.id) \
                .where(ne.c.id == node_exec_id)
            added = await conn.fetch_val(io.insert().from_select(["name", "data", "time", "output_exec_id"], values)
                                         .returning(io.c.id))
    if added is None:
        raise NotFound("node_execution", node_exec_id)


# upsert_execution_output's insert: $1 node_exec_id, $2 name, $3 data, $4 now
_PG_OUTPUT = """
    INSERT INTO node_execution_io (name, data, time, output_exec_id)
    SELECT $2::text, $3::text, $4::text, id FROM node_executions WHERE id = $1 RETURNING id"""


@rpc_method(retry="safe")
async def get_execution_outputs_by_node_exec_id(ctx: Context, node_exec_id: NodeExecId
                                                ) -> Annotated[JsonObject, Doc("output name -> its latest value")]:
    """The node execution's outputs that are not null, the latest value of each name."""
    query = select(io.c.name, io.c.data).where(io.c.output_exec_id == node_exec_id, io.c.data.is_not(None)) \
        .order_by(io.c.time, io.c.id)
    async with ctx.db.session() as conn:
        return {row[0]: load(row[1]) for row in await conn.fetch_all(query)}


async def _lock_inputs(conn: Any, graph_exec_id: str, node_id: str) -> dict[str, Any]:
    """The graph execution's user_id, graph_id, graph_version and the node's block_id (on SQLite,
    whose one writer serializes the find-then-insert; _PG_LOCK is PostgreSQL's). 1002 for a graph
    execution or a node (of its graph) that does not exist."""
    node = graph_nodes.c
    joined = ge.outerjoin(graph_nodes, (node.id == node_id) & (node.graph_id == ge.c.graph_id)
                          & (node.graph_version == ge.c.graph_version))
    row = await conn.fetch_one(select(ge.c.user_id, ge.c.graph_id, ge.c.graph_version, node.block_id)
                               .select_from(joined).where(ge.c.id == graph_exec_id))
    return _context(row, graph_exec_id, node_id)


def _context(row: Any, graph_exec_id: str, node_id: str) -> dict[str, Any]:
    if row is None:
        raise NotFound("graph_execution", graph_exec_id)
    if row[3] is None:
        raise NotFound("node", node_id)
    return {"user_id": row[0], "graph_id": row[1], "graph_version": row[2], "block_id": row[3]}


async def _open_node_execution(conn: Any, graph_exec_id: str, node_id: str, input_name: str,
                               node_exec_id: str | None, since: str) -> dict[str, Any] | None:
    """The oldest INCOMPLETE node execution of the node that has no input of this name from
    within the window (the one given, if one is)."""
    taken = exists().where(io.c.input_exec_id == ne.c.id, io.c.name == input_name, io.c.time >= since)
    query = select(ne).where(ne.c.graph_exec_id == graph_exec_id, ne.c.node_id == node_id,
                             ne.c.status == "INCOMPLETE", ~taken).order_by(ne.c.added_time, ne.c.id).limit(1)
    if node_exec_id is not None:
        query = query.where(ne.c.id == node_exec_id)
    row = await conn.fetch_one(query)
    return None if row is None else dict(row._mapping)


async def _new_node_execution(conn: Any, graph_exec_id: str, node_id: str, now: str) -> dict[str, Any]:
    row = _new_row(graph_exec_id, node_id, now)
    await conn.execute(ne.insert().values(**row))
    return row


def _new_row(graph_exec_id: str, node_id: str, now: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "graph_exec_id": graph_exec_id, "node_id": node_id, "status": "INCOMPLETE",
            "execution_data": None, "stats": None, "added_time": now, "queued_time": None,
            "started_time": None, "ended_time": None}
