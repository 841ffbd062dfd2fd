"""The execution event stream's source: status changes of graph and node executions, through
events_outbox (written by daemon.domains.executions.events.record in the transaction that makes
the change). An outbox row is the whole event, so nothing is joined."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select

from daemon.domains.executions.tables import events_outbox
from daemon.streams.source import Source

FIELDS = ("event_id", "kind", "graph_exec_id", "node_exec_id", "node_id", "user_id", "graph_id", "graph_version",
          "status", "at")

_PG_PENDING = f"SELECT {', '.join(FIELDS)} FROM events_outbox ORDER BY event_id LIMIT $1"


def _pending(limit: int) -> Select[Any]:
    return select(events_outbox).order_by(events_outbox.c.event_id).limit(limit)


def entry(row: Mapping[str, Any]) -> dict[str, str]:
    """An outbox row as the stream carries it (the README, "The execution event stream")."""
    return {field: str(row[field]) for field in FIELDS}


# A restored database hands out old event ids again; the execution, status and time tell its
# rows from the ones relayed before.
EVENTS = Source(name="events", key_setting="events_stream", table=events_outbox, id_field="event_id",
                identity=("graph_exec_id", "node_exec_id", "status", "at"), pg_pending=_PG_PENDING,
                pending_query=_pending, entry=entry)
