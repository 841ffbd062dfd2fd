"""Onboarding: one row per user with the steps done and rewarded, and the run streak that
increment_onboarding_runs keeps (SEED_MODEL.md §7). Only the fields a method here reads or
writes are kept; the seed's UI state (wallet shown, usage reason, …) has no method."""

from sqlalchemy import Column, ForeignKey, Integer, Table, Text

from daemon.storage.metadata import Name, Timestamp, metadata

user_onboarding = Table(
    "user_onboarding", metadata,
    Column("user_id", Name, ForeignKey("users.id"), primary_key=True),
    Column("completed_steps", Text, nullable=False, server_default="[]"),  # JSON list of OnboardingStep names
    Column("rewarded_for", Text, nullable=False, server_default="[]"),  # JSON list: the steps already granted
    Column("agent_runs", Integer, nullable=False, server_default="0"),
    Column("last_run_at", Timestamp, nullable=True),
    Column("consecutive_run_days", Integer, nullable=False, server_default="0"),
    Column("created_at", Timestamp, nullable=False),
    Column("updated_at", Timestamp, nullable=False),
)
