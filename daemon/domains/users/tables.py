"""The users domain's tables."""

from sqlalchemy import Boolean, Column, Integer, String, Table, Text, true

from daemon.storage.metadata import Name, Timestamp, metadata

# The seed's ten notify_on_* flags, in its order: all true for a new user
NOTIFY_FLAGS = (
    "notify_on_agent_run", "notify_on_zero_balance", "notify_on_low_balance", "notify_on_block_execution_failed",
    "notify_on_continuous_agent_error", "notify_on_daily_summary", "notify_on_weekly_summary",
    "notify_on_monthly_summary", "notify_on_agent_approved", "notify_on_agent_rejected",
)

users = Table(
    "users", metadata,
    Column("id", Name, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", Text, nullable=True),
    Column("metadata", Text, nullable=False),
    Column("created_at", Timestamp, nullable=False),
    # revision 0005: the seed's other user fields
    Column("email_verified", Boolean, nullable=False, server_default=true()),
    Column("updated_at", Timestamp, nullable=True),
    # Fernet token of the integrations JSON ("" until the first update): see domains/integrations
    Column("integrations", Text, nullable=False, server_default=""),
    Column("stripe_customer_id", Name, nullable=True),
    Column("top_up_config", Text, nullable=True),  # JSON
    Column("max_emails_per_day", Integer, nullable=False, server_default="3"),
    Column("timezone", String(64), nullable=False, server_default="not-set"),  # an IANA name, or not-set
    *(Column(flag, Boolean, nullable=False, server_default=true()) for flag in NOTIFY_FLAGS),
)
