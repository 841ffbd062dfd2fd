"""The status transition table (the seed's VALID_STATUS_TRANSITIONS, SEED_MODEL.md §0) and the
timestamps each status change sets.

A change is applied as a guarded update, `… WHERE id = ? AND status IN (allowed_from(target))`:
a disallowed transition matches no row and so changes nothing, and the caller returns the row
as it is (the seed's callers expect a silent no-op, not an error). No status may follow itself,
so an update that matched a row always changed its status: that is when an event is recorded.
"""

from __future__ import annotations

# target ← the statuses it may follow; INCOMPLETE is never a target (the param type excludes it)
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "QUEUED": ("INCOMPLETE", "TERMINATED", "REVIEW"),
    "RUNNING": ("INCOMPLETE", "QUEUED", "TERMINATED", "REVIEW"),
    "COMPLETED": ("RUNNING",),
    "FAILED": ("INCOMPLETE", "QUEUED", "RUNNING", "REVIEW"),
    "TERMINATED": ("INCOMPLETE", "QUEUED", "RUNNING", "REVIEW"),
    "REVIEW": ("RUNNING",),
}

# a graph execution has ended once COMPLETED, FAILED or TERMINATED …
_GRAPH_ENDED = ("COMPLETED", "FAILED", "TERMINATED")
# … a node execution only once COMPLETED or FAILED: the seed sets no time on TERMINATED
_NODE_TIME_COLUMN = {"QUEUED": "queued_time", "RUNNING": "started_time", "COMPLETED": "ended_time",
                     "FAILED": "ended_time"}


def allowed_from(target: str) -> tuple[str, ...]:
    return ALLOWED_FROM[target]


def graph_times(target: str, now: str) -> dict[str, str]:
    """The graph execution columns a change to `target` sets, besides its status."""
    return {"ended_at": now} if target in _GRAPH_ENDED else {}


def node_times(target: str, now: str) -> dict[str, str]:
    """The node execution columns a change to `target` sets, besides its status."""
    column = _NODE_TIME_COLUMN.get(target)
    return {column: now} if column else {}
