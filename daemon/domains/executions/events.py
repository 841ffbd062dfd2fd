"""Execution events: each status change of a graph or node execution, its creation included,
is written to events_outbox in the transaction that makes it; the relay appends it to
DBM_EVENTS_STREAM once committed (exactly once, in commit order per execution). A caller that
commits such a transaction calls `ctx.events_committed()` to wake the relay."""

from __future__ import annotations

from typing import Any, TypedDict

from daemon.domains.executions.tables import events_outbox


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
    if events:
        await conn.execute_many(events_outbox.insert(), [dict(e) for e in events])
