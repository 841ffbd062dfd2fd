"""Time as the API shows it: RFC 3339 in UTC."""

from datetime import UTC, datetime


def now_rfc3339() -> str:
    return rfc3339(datetime.now(UTC))


def rfc3339(moment: datetime) -> str:
    """A UTC moment as the API and the tables write it: sortable as text, microseconds included."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def as_utc(text: str) -> str:
    """An RFC 3339 param (checked already: it has an offset) as the tables write moments."""
    return rfc3339(datetime.fromisoformat(text).astimezone(UTC))
