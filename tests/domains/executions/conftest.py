"""Fixtures for the executions domain: users and graphs written straight into the tables (the
graphs domain's create_graph is built elsewhere), and readers of what the methods wrote."""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson
import pytest
from sqlalchemy import Table, select, update

from daemon.domains.executions.tables import graph_executions, node_executions
from daemon.domains.graphs.tables import AGENT_INPUT_BLOCK, AGENT_OUTPUT_BLOCK, graph_nodes, graphs
from tests.support import Rpc

WORK_BLOCK = "block-work"


async def insert_graph(rpc: Rpc, user_id: str, graph_id: str, nodes: dict[str, str], version: int = 1) -> None:
    """A graph version of the user's with these nodes ({node id: block id}) and no links."""
    async with rpc.services.db.write() as conn:
        await conn.execute(graphs.insert().values(
            id=graph_id, version=version, user_id=user_id, is_active=True, name=graph_id,
            created_at="2026-01-01T00:00:00.000000Z"))
        for node_id, block_id in nodes.items():
            await conn.execute(graph_nodes.insert().values(
                id=node_id, graph_id=graph_id, graph_version=version, block_id=block_id,
                input_default=orjson.dumps({}).decode(), metadata="{}"))


async def table_rows(rpc: Rpc, table: Table, *order: Any) -> list[dict[str, Any]]:
    async with rpc.services.db.session() as conn:
        return [dict(r._mapping) for r in await conn.fetch_all(select(table).order_by(*order))]


async def events(rpc: Rpc) -> list[dict[str, Any]]:
    """The events the calls so far made, as the execution event stream carries them (relayed
    now rather than when the relay next wakes), without event_id, graph_version an int."""
    while await rpc.services.events_relay.relay_once():
        pass
    entries = await rpc.services.redis.xrange(rpc.services.settings.events_stream)
    return [{**{k: v for k, v in fields.items() if k != "event_id"}, "graph_version": int(fields["graph_version"])}
            for _, fields in entries]


async def force(rpc: Rpc, table: Table, row_id: str, **values: Any) -> None:
    """Sets columns of one row directly (a status to start a transition from, say)."""
    async with rpc.services.db.write() as conn:
        await conn.execute(update(table).where(table.c.id == row_id).values(**values))


async def force_graph_status(rpc: Rpc, graph_exec_id: str, status: str) -> None:
    await force(rpc, graph_executions, graph_exec_id, status=status)


async def force_node_status(rpc: Rpc, node_exec_id: str, status: str) -> None:
    await force(rpc, node_executions, node_exec_id, status=status)


@dataclasses.dataclass
class World:
    """alice owns graph g (input node n-in, a worker n-work, output node n-out); bob owns graph
    h (node h-work)."""
    rpc: Rpc

    async def run(self, starts: list[list[Any]] | None = None, inputs: dict[str, Any] | None = None,
                  user_id: str = "alice", graph_id: str = "g", **extra: Any) -> dict[str, Any]:
        """A new graph execution of alice's graph g (by default one starting node, n-in)."""
        params = {"graph_id": graph_id, "graph_version": 1, "user_id": user_id, "inputs": inputs or {},
                  "starting_nodes_input": starts if starts is not None else [["n-in", {"name": "q", "value": 1}]],
                  **extra}
        result: dict[str, Any] = await self.rpc.result("create_graph_execution", params)
        return result

    async def node_exec(self, status: str = "QUEUED") -> dict[str, Any]:
        """A node execution (of n-work, in a new graph execution) in this status."""
        run = await self.run([["n-work", {"a": 1}]])
        node = run["node_executions"][0]
        await force_node_status(self.rpc, node["node_exec_id"], status)
        return node


async def make_world(rpc: Rpc) -> World:
    """Users alice and bob, and their graphs g and h (see World)."""
    for user in ("alice", "bob"):
        await rpc.result("create_user", {"email": f"{user}@x.io", "user_id": user})
    await insert_graph(rpc, "alice", "g", {"n-in": AGENT_INPUT_BLOCK, "n-work": WORK_BLOCK,
                                           "n-out": AGENT_OUTPUT_BLOCK})
    await insert_graph(rpc, "bob", "h", {"h-work": WORK_BLOCK})
    return World(rpc)


@pytest.fixture
async def world(rpc: Rpc) -> World:
    return await make_world(rpc)
