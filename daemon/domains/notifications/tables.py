"""Notification batches: at most one per user and type (a unique key, so concurrent appends
meet in one upsert), holding the events waiting to be sent."""

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint

from daemon.storage.metadata import Name, Timestamp, metadata

NotificationType = String(32)

notification_batches = Table(
    "notification_batches", metadata,
    Column("id", Name, primary_key=True),
    Column("user_id", Name, ForeignKey("users.id"), nullable=False),
    Column("type", NotificationType, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    UniqueConstraint("user_id", "type", name="uq_notification_batches_user_type"),
)

notification_events = Table(
    "notification_events", metadata,
    Column("id", Name, primary_key=True),
    Column("batch_id", Name, ForeignKey("notification_batches.id"), nullable=True),
    Column("type", NotificationType, nullable=False),
    Column("data", Text, nullable=False),  # JSON: the event's data, as given
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
    Index("ix_notification_events_batch_id", "batch_id"),
)
