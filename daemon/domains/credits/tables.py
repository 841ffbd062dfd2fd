"""The ledger: one balance row per user, the immutable transactions that explain it, and the
holds that set part of a balance aside."""

from sqlalchemy import BigInteger, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint

from daemon.storage.metadata import Id, Name, Timestamp, metadata

balances = Table(
    "balances", metadata,
    Column("user_id", Name, ForeignKey("users.id"), primary_key=True),
    Column("balance", BigInteger, nullable=False),
    # the sum of the user's HELD holds, lapsed ones included until they are let go (holds.py):
    # never less than what truly counts, so `balance - held` never lets a spend overdraw
    Column("held", BigInteger, nullable=False, server_default="0"),
)

transactions = Table(
    "transactions", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", Name, ForeignKey("users.id"), nullable=False),
    # wider than a caller's key (1–255): generated keys such as REWARD-{user_id}-{step} may pass 255
    # (API.md "Values"); revision 0007 widened it
    Column("transaction_key", String(320), nullable=False),
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

holds = Table(
    "holds", metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", Name, ForeignKey("users.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # HELD, CAPTURED, RELEASED or EXPIRED
    Column("captured", BigInteger, nullable=False),
    Column("expires_at", Timestamp, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    Column("transaction_key", Name, nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("metadata", Text, nullable=False),  # the caller's; its capture's transaction carries it too
    UniqueConstraint("user_id", "transaction_key", name="uq_holds_user_key"),
    Index("ix_holds_user_id_status", "user_id", "status"),
    Index("ix_holds_status_expires_at", "status", "expires_at"),  # the sweeper's scan
)
