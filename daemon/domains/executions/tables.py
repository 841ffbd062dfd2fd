"""Executions: runs of a graph, runs of its nodes, the values on their pins, per-user KV data,
and the outbox of their status changes (the execution event stream's, as audit_outbox is the
audit stream's)."""

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from daemon.storage.metadata import Id, Name, Timestamp, metadata

Status = String(16)  # INCOMPLETE, QUEUED, RUNNING, COMPLETED, TERMINATED, FAILED or REVIEW

graph_executions = Table(
    "graph_executions", metadata,
    Column("id", Name, primary_key=True),
    Column("user_id", Name, ForeignKey("users.id"), nullable=False),
    Column("graph_id", Name, nullable=False),
    Column("graph_version", Integer, nullable=False),
    Column("status", Status, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=True),
    Column("started_at", Timestamp, nullable=True),
    Column("ended_at", Timestamp, nullable=True),
    Column("is_deleted", Boolean, nullable=False),
    Column("preset_id", Name, nullable=True),
    Column("inputs", Text, nullable=True),  # JSON, as the caller gave it
    Column("credential_inputs", Text, nullable=True),  # JSON
    Column("nodes_input_masks", Text, nullable=True),  # JSON
    Column("stats", Text, nullable=True),  # JSON, stored and returned as given
    Column("parent_graph_execution_id", Name, nullable=True),
    Column("is_shared", Boolean, nullable=False),
    Column("share_token", Name, nullable=True, unique=True),
    Column("shared_at", Timestamp, nullable=True),
    Index("ix_graph_executions_graph", "graph_id", "graph_version"),
    Index("ix_graph_executions_user_deleted_created", "user_id", "is_deleted", "created_at"),
    Index("ix_graph_executions_created_at", "created_at"),
    Index("ix_graph_executions_parent", "parent_graph_execution_id"),
    # revision 0007, for the analytics (docs/LIBRARY.md): one graph's runs by time (accuracy trends,
    # marketplace monitoring); every run by time is ix_graph_executions_created_at's
    Index("ix_graph_executions_graph_created", "graph_id", "created_at"),
)

node_executions = Table(
    "node_executions", metadata,
    Column("id", Name, primary_key=True),
    Column("graph_exec_id", Name, ForeignKey("graph_executions.id"), nullable=False),
    Column("node_id", Name, ForeignKey("graph_nodes.id"), nullable=False),
    Column("status", Status, nullable=False),
    Column("execution_data", Text, nullable=True),  # JSON
    Column("stats", Text, nullable=True),  # JSON
    Column("added_time", Timestamp, nullable=False),
    Column("queued_time", Timestamp, nullable=True),
    Column("started_time", Timestamp, nullable=True),
    Column("ended_time", Timestamp, nullable=True),
    Index("ix_node_executions_exec_node_status", "graph_exec_id", "node_id", "status"),
    Index("ix_node_executions_node_status", "node_id", "status"),
    Index("ix_node_executions_added_queued", "added_time", "queued_time"),
)

# One row per value on a pin: an input of one node execution, or an output of one
node_execution_io = Table(
    "node_execution_io", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("data", Text, nullable=True),  # JSON; NULL for an output of None
    Column("time", Timestamp, nullable=False),
    Column("input_exec_id", Name, ForeignKey("node_executions.id"), nullable=True),
    Column("output_exec_id", Name, ForeignKey("node_executions.id"), nullable=True),
    Index("ix_node_execution_io_input", "input_exec_id", "name"),
    Index("ix_node_execution_io_output", "output_exec_id"),
)

execution_kv = Table(
    "execution_kv", metadata,
    Column("user_id", Name, ForeignKey("users.id"), primary_key=True),
    Column("key", Name, primary_key=True),
    Column("node_exec_id", Name, nullable=False),  # a plain string, as the seed's (no foreign key)
    Column("data", Text, nullable=True),  # JSON
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=True),
)

# The execution event stream's outbox: each row is one status change, written in the
# transaction that made it and deleted once relayed. event_id orders a single execution's
# changes: they are written under that execution's row lock, so in its commit order.
events_outbox = Table(
    "events_outbox", metadata,
    Column("event_id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(8), nullable=False),  # graph or node
    Column("graph_exec_id", Name, nullable=False),
    Column("node_exec_id", Name, nullable=False),  # "" for a graph execution's event
    Column("node_id", Name, nullable=False),  # "" for a graph execution's event
    Column("user_id", Name, nullable=False),
    Column("graph_id", Name, nullable=False),
    Column("graph_version", Integer, nullable=False),
    Column("status", Status, nullable=False),
    Column("at", Timestamp, nullable=False),
    # an id handed out once, ever: consumers dedupe on event_id, and SQLite would otherwise hand
    # the ids of relayed (deleted) rows out again
    sqlite_autoincrement=True,
)
