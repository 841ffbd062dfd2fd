"""Human reviews (HITL): one row per node execution waiting on, or decided by, a person; the
seed's auto-approval records share the table (node_exec_id `auto_approve_{graph_exec_id}_{node_id}`)."""

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from daemon.storage.metadata import Name, Timestamp, metadata

human_reviews = Table(
    "human_reviews", metadata,
    Column("node_exec_id", Name, primary_key=True),
    Column("user_id", Name, ForeignKey("users.id"), nullable=False),
    Column("graph_exec_id", Name, ForeignKey("graph_executions.id"), nullable=False),
    Column("graph_id", Name, nullable=False),
    Column("graph_version", Integer, nullable=False),
    Column("payload", Text, nullable=False),  # JSON: the data under review (edited, once approved with edits)
    Column("instructions", Text, nullable=True),
    Column("editable", Boolean, nullable=False),
    Column("status", String(16), nullable=False),  # WAITING, APPROVED or REJECTED
    Column("review_message", Text, nullable=True),
    Column("was_edited", Boolean, nullable=True),
    Column("processed", Boolean, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=True),
    Column("reviewed_at", Timestamp, nullable=True),
    Index("ix_human_reviews_user_status", "user_id", "status"),
    Index("ix_human_reviews_graph_exec_status", "graph_exec_id", "status"),
)
