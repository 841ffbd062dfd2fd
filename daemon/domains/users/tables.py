"""The users domain's tables."""

from sqlalchemy import Column, String, Table, Text

from daemon.storage.metadata import Name, Timestamp, metadata

users = Table(
    "users", metadata,
    Column("id", Name, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", Text, nullable=True),
    Column("metadata", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)
