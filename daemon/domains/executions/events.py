"""Execution events: each status change of a graph or node execution, its creation included,
is written to events_outbox in the transaction that makes it; the relay appends it to
DBM_EVENTS_STREAM once committed (exactly once, in commit order per execution). A caller that
commits such a transaction calls `ctx.events_committed()` to wake the relay."""

from __future__ import annotations

from typing import Any, TypedDict

from daemon.domains.executions.tables import events_outbox
from daemon.storage.sql import insert_rows


class Event(TypedDict):
    kind: str  # graph or node
    graph_exec_id: str
    node_exec_id: str  # "" for kind graph
    node_id: str  # "" for kind graph
    user_id: str
    graph_id: str
    graph_version: int
    status: str
    at: str  # RFC 3339, UTC: when the change was made


async def record(conn: Any, events: list[Event]) -> None:
    """Writes the events (in the order given: the order they will reach the stream) to the
    outbox, in the caller's transaction."""
    await insert_rows(conn, events_outbox, [dict(e) for e in events])


def graph_event(row: Any, at: str) -> Event:
    """The event of a graph execution's change to its status in `row` (a graph_executions row)."""
    return {"kind": "graph", "graph_exec_id": row["id"], "node_exec_id": "", "node_id": "",
            "user_id": row["user_id"], "graph_id": row["graph_id"], "graph_version": row["graph_version"],
            "status": row["status"], "at": at}


def node_event(row: Any, at: str) -> Event:
    """The event of a node execution's change to its status in `row` (a node_executions row
    with its graph execution's user_id, graph_id and graph_version)."""
    return {"kind": "node", "graph_exec_id": row["graph_exec_id"], "node_exec_id": row["id"],
            "node_id": row["node_id"], "user_id": row["user_id"], "graph_id": row["graph_id"],
            "graph_version": row["graph_version"], "status": row["status"], "at": at}
