"""The tables, in SQLAlchemy Core: one definition for SQLite and PostgreSQL."""

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()

# SQLite makes only an INTEGER PRIMARY KEY an auto-incrementing rowid
Id = BigInteger().with_variant(Integer, "sqlite")

# Timestamps are RFC 3339 text in UTC with microseconds (2026-11-28T13:52:10.123456Z): the same on
# both databases, sortable as text, and already the shape the API returns.
Timestamp = String(32)

schema_migrations = Table(
    "schema_migrations", metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("applied_at", Timestamp, nullable=False),
)

users = Table(
    "users", metadata,
    Column("id", String(255), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", Text, nullable=True),
    Column("metadata", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
)

balances = Table(
    "balances", metadata,
    Column("user_id", String(255), ForeignKey("users.id"), primary_key=True),
    Column("balance", BigInteger, nullable=False),
)

transactions = Table(
    "transactions", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", String(255), ForeignKey("users.id"), nullable=False),
    Column("transaction_key", String(255), nullable=False),
    Column("type", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("running_balance", BigInteger, nullable=False),
    Column("metadata", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    # what the call asked for, hashed: a retry with the same key must ask for the same thing
    Column("request_hash", String(64), nullable=False),
    Column("refund_of", Id, ForeignKey("transactions.id"), nullable=True),
    UniqueConstraint("user_id", "transaction_key", name="uq_transactions_user_key"),
    Index("ix_transactions_user_id_id", "user_id", "id"),
    Index("ix_transactions_refund_of", "refund_of"),
)

# The transactional outbox: a row here commits with its ledger row and is deleted once relayed.
audit_outbox = Table(
    "audit_outbox", metadata,
    Column("tx_id", Id, ForeignKey("transactions.id"), primary_key=True),
)
