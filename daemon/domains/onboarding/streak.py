"""Run streaks and milestones (SEED_MODEL.md §7), as pure functions of the times involved.

Days are the user's calendar days: a run late on Monday evening in New York and one early on
Tuesday there are consecutive days, though both fall on Tuesday in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# (step, reached when) in the seed's order; each earns its credits once
RUN_MILESTONES = (("RUN_AGENTS", 10), ("RUN_AGENTS_100", 100))
DAY_MILESTONES = (("RUN_3_DAYS", 3), ("RUN_14_DAYS", 14))
REWARDS = {"RUN_AGENTS": 300, "RUN_AGENTS_100": 300, "RUN_3_DAYS": 100, "RUN_14_DAYS": 300}


def user_zone(timezone: str | None) -> tzinfo:
    """The user's IANA zone; UTC for `not-set` (the seed's default) or a name this machine lacks."""
    if not timezone or timezone == "not-set":
        return UTC
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def next_streak(last_run_at: datetime | None, days: int, now: datetime, zone: tzinfo) -> int:
    """Consecutive run days after a run at `now`: 1 for a first run, unchanged on the same local
    day, one more the local day after, else 1 again."""
    if last_run_at is None:
        return 1
    today, last_day = now.astimezone(zone).date(), last_run_at.astimezone(zone).date()
    if last_day == today:
        return max(days, 1)
    if last_day == today - timedelta(days=1):
        return days + 1
    return 1


def reached(runs: int, days: int) -> list[str]:
    """Every milestone the counts have reached, in the seed's order."""
    return ([step for step, at in RUN_MILESTONES if runs >= at]
            + [step for step, at in DAY_MILESTONES if days >= at])


def reward_key(user_id: str, step: str) -> str:
    return f"REWARD-{user_id}-{step}"
