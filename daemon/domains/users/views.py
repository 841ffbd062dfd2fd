"""Rows of the users table as the API shows them."""

from __future__ import annotations

from typing import Any, cast

import orjson

from daemon.domains.users.tables import NOTIFY_FLAGS
from daemon.domains.users.types import User


def user_view(row: Any) -> User:
    """The seed's User, without its integrations (those are secrets: domains/integrations).
    The flags are the stored values: the seed's `x or True`, which made them all true, is not copied."""
    top_up = row["top_up_config"]
    return cast(User, {
        "id": row["id"], "email": row["email"], "email_verified": bool(row["email_verified"]), "name": row["name"],
        # a user from before revision 0005 has no updated_at: it has not changed since it was made
        "created_at": row["created_at"], "updated_at": row["updated_at"] or row["created_at"],
        "metadata": orjson.loads(row["metadata"]), "stripe_customer_id": row["stripe_customer_id"],
        "top_up_config": None if top_up is None else orjson.loads(top_up),
        "max_emails_per_day": row["max_emails_per_day"], "timezone": row["timezone"],
        **{flag: bool(row[flag]) for flag in NOTIFY_FLAGS},
    })
