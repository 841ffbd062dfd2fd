"""The users domain's params and results."""

from typing import Annotated, TypedDict

from daemon.domains.types import JsonObject, Timestamp
from daemon.rpc.schema import Doc, Len, Range

Email = Annotated[str, Len(3, 320), Doc("unique across users")]
# Not bounded by length in the schema: which names exist is the zoneinfo database's to say, and
# the method checks that (a published length would promise that any short string passes)
Timezone = Annotated[str, Doc("an IANA time zone name (Europe/Paris, UTC, …), or not-set")]
# At least 1: the seed reads a limit of 0 as its default, 3, so 0 could never mean "none"
# (turn the notify flags off for that); at most what the INTEGER column holds
EmailsPerDay = Annotated[int, Range(1, 2**31 - 1), Doc("how many notification emails a day, at most")]


class User(TypedDict):
    id: str
    email: str
    email_verified: bool
    name: str | None
    created_at: Timestamp
    updated_at: Timestamp
    metadata: JsonObject
    stripe_customer_id: str | None
    top_up_config: JsonObject | None
    max_emails_per_day: int
    timezone: str
    notify_on_agent_run: bool
    notify_on_zero_balance: bool
    notify_on_low_balance: bool
    notify_on_block_execution_failed: bool
    notify_on_continuous_agent_error: bool
    notify_on_daily_summary: bool
    notify_on_weekly_summary: bool
    notify_on_monthly_summary: bool
    notify_on_agent_approved: bool
    notify_on_agent_rejected: bool


class Preferences(TypedDict):
    """One bool per notification type that has a notify_on_* flag (REFUND_* have none)."""
    AGENT_RUN: bool
    ZERO_BALANCE: bool
    LOW_BALANCE: bool
    BLOCK_EXECUTION_FAILED: bool
    CONTINUOUS_AGENT_ERROR: bool
    DAILY_SUMMARY: bool
    WEEKLY_SUMMARY: bool
    MONTHLY_SUMMARY: bool
    AGENT_APPROVED: bool
    AGENT_REJECTED: bool


class PreferencesUpdate(TypedDict, total=False):
    """The same types, each optional: only those given change."""
    AGENT_RUN: bool
    ZERO_BALANCE: bool
    LOW_BALANCE: bool
    BLOCK_EXECUTION_FAILED: bool
    CONTINUOUS_AGENT_ERROR: bool
    DAILY_SUMMARY: bool
    WEEKLY_SUMMARY: bool
    MONTHLY_SUMMARY: bool
    AGENT_APPROVED: bool
    AGENT_REJECTED: bool


class NotificationPreference(TypedDict):
    user_id: str
    email: str
    preferences: Preferences
    daily_limit: int
    emails_sent_today: int
    last_reset_date: Timestamp
