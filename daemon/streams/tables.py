"""The audit outbox's table."""

from sqlalchemy import Column, ForeignKey, Table

from daemon.storage.metadata import Id, metadata

# The transactional outbox: a row here commits with its ledger row and is deleted once relayed.
audit_outbox = Table(
    "audit_outbox", metadata,
    Column("tx_id", Id, ForeignKey("transactions.id"), primary_key=True),
)
