"""A few hundred executions built through the public methods, and the plan they were built from,
so a test can compute what the analytics should say in plain Python, independently of the SQL.

Only the creation times are moved (to spread the runs over days, which no method can do): the
rest (graphs, executions, node runs, statuses, stats) is what the methods wrote."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from daemon.clock import rfc3339
from daemon.domains.executions.tables import graph_executions, node_executions
from tests.support import Rpc

# graph id → (owner, {node id: block id})
GRAPHS = {"ga": ("ann", {"ga-1": "blk-a", "ga-2": "blk-b"}),
          "gb": ("ann", {"gb-1": "blk-b"}),
          "gc": ("bob", {"gc-1": "blk-c"})}
ORDER = ("ga", "ga", "gb", "gc", "ga", "gc")
COUNT = 240


@dataclasses.dataclass
class NodeRun:
    block_id: str
    status: str


@dataclasses.dataclass
class Run:
    """What one graph execution was made to be."""
    index: int
    graph_id: str
    user_id: str
    days_ago: int
    status: str
    deleted: bool
    stats: dict[str, Any] | None
    nodes: list[NodeRun]
    created_at: datetime = dataclasses.field(default_factory=lambda: datetime.now(UTC))
    id: str = ""

    @property
    def finished(self) -> bool:
        return self.status in ("COMPLETED", "FAILED", "TERMINATED")


def plan(now: datetime) -> list[Run]:
    runs = []
    for i in range(COUNT):
        graph_id = ORDER[i % len(ORDER)]
        owner, nodes = GRAPHS[graph_id]
        status = ("RUNNING" if i % 11 == 0 else "TERMINATED" if i % 7 == 0 else "FAILED" if i % 5 == 0
                  else "COMPLETED")
        stats: dict[str, Any] | None = {"cost": (i % 9) * 10, "walltime": (i % 6) + 0.5, "extra": "kept"}
        if graph_id == "ga" and i % 4 != 3:
            stats["correctness_score"] = ((i * 37) % 100) / 100
        if i % 17 == 0:
            stats = None
        elif i % 19 == 0:
            stats = {"cost": "not a number", "walltime": None}  # fields that are not numbers count as absent
        days_ago = (i * 7) % 23
        runs.append(Run(i, graph_id, owner, days_ago, status, i % 13 == 0, stats,
                        [NodeRun(block, "FAILED" if (i + n) % 3 == 0 else "COMPLETED")
                         for n, block in enumerate(nodes.values())],
                        now - timedelta(days=days_ago, hours=1, minutes=i % 50)))
    return runs


async def _batch(rpc: Rpc, calls: list[tuple[str, Any]]) -> list[Any]:
    body = [{"jsonrpc": "2.0", "method": m, "params": p, "id": n} for n, (m, p) in enumerate(calls)]
    status, answer = await rpc.post(body)
    assert status == 200
    by_id = {a["id"]: a for a in answer}
    assert all("result" in by_id[n] for n in range(len(calls))), [a for a in answer if "error" in a][:3]
    return [by_id[n]["result"] for n in range(len(calls))]


async def build(rpc: Rpc, runs: list[Run]) -> None:
    for user in ("ann", "bob"):
        await rpc.result("create_user", {"email": f"{user}@x.io", "user_id": user})
    for graph_id, (owner, nodes) in GRAPHS.items():
        await rpc.result("create_graph", {"user_id": owner, "graph": {
            "id": graph_id, "name": f"Graph {graph_id.upper()}", "links": [],
            "nodes": [{"id": node_id, "block_id": block} for node_id, block in nodes.items()]}})
    created = await _batch(rpc, [("create_graph_execution", {
        "graph_id": r.graph_id, "graph_version": 1, "user_id": r.user_id, "inputs": {},
        "starting_nodes_input": [[node_id, {"x": 1}] for node_id in GRAPHS[r.graph_id][1]]}) for r in runs])
    node_ids = []
    for run, execution in zip(runs, created, strict=True):
        run.id = execution["id"]
        order = {n["node_id"]: n["node_exec_id"] for n in execution["node_executions"]}
        node_ids.append([order[node_id] for node_id in GRAPHS[run.graph_id][1]])
    # COMPLETED only comes from RUNNING; FAILED and TERMINATED come from INCOMPLETE too
    await _batch(rpc, [("update_graph_execution_stats", [r.id, "RUNNING"]) for r in runs
                       if r.status in ("RUNNING", "COMPLETED")])
    await _batch(rpc, [("update_graph_execution_stats", {"graph_exec_id": r.id, **_final(r)}) for r in runs
                       if r.status != "RUNNING" or r.stats is not None])
    node_runs = [(ne, n.status) for r, ids in zip(runs, node_ids, strict=True) for ne, n in zip(ids, r.nodes, strict=True)]
    await rpc.result("update_node_execution_status_batch", [[ne for ne, s in node_runs if s == "COMPLETED"], "RUNNING"])
    for status in ("COMPLETED", "FAILED"):
        await rpc.result("update_node_execution_status_batch", [[ne for ne, s in node_runs if s == status], status])
    await _move_in_time(rpc, runs)


def _final(run: Run) -> dict[str, Any]:
    final: dict[str, Any] = {} if run.status == "RUNNING" else {"status": run.status}
    return {**final, "stats": run.stats} if run.stats is not None else final


async def _move_in_time(rpc: Rpc, runs: list[Run]) -> None:
    async with rpc.services.db.write() as conn:
        for run in runs:
            moment = rfc3339(run.created_at)
            await conn.execute(update(graph_executions).where(graph_executions.c.id == run.id)
                               .values(created_at=moment, is_deleted=run.deleted))
            await conn.execute(update(node_executions).where(node_executions.c.graph_exec_id == run.id)
                               .values(added_time=moment))


@dataclasses.dataclass
class World:
    rpc: Rpc
    now: datetime
    runs: list[Run]


@pytest.fixture
async def world(rpc: Rpc) -> World:
    now = datetime.now(UTC)
    runs = plan(now)
    await build(rpc, runs)
    return World(rpc, now, runs)
