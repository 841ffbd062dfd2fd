"""A user's notification preferences: the seed's NotificationPreference, a view of the user's ten
notify_on_* flags and max_emails_per_day (SEED_MODEL.md §3). Nothing here counts emails sent, as
in the seed: emails_sent_today is always 0 and last_reset_date is now."""

from __future__ import annotations

from typing import Annotated, Any, cast

from sqlalchemy import select

from daemon.clock import now_rfc3339
from daemon.context import Context
from daemon.domains.types import UserId
from daemon.domains.users.tables import NOTIFY_FLAGS, users
from daemon.domains.users.types import EmailsPerDay, NotificationPreference, Preferences, PreferencesUpdate
from daemon.errors import NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc
from daemon.storage.sql import one_statement

# notification type → the user's flag for it: AGENT_RUN → notify_on_agent_run, …
FLAG_OF = {flag.removeprefix("notify_on_").upper(): flag for flag in NOTIFY_FLAGS}
_COLUMNS = (users.c.id, users.c.email, users.c.max_emails_per_day, *(users.c[flag] for flag in NOTIFY_FLAGS))


@rpc_method(errors=(NotFound,), retry="safe")
async def get_user_notification_preference(ctx: Context, user_id: UserId) -> NotificationPreference:
    """The user's email, whether each notification type is on, and the daily email limit; 1002 for an unknown user."""
    async with ctx.db.session() as conn:
        row = await conn.fetch_one(select(*_COLUMNS).where(users.c.id == user_id))
    if row is None:
        raise NotFound("user", user_id)
    return _preference(row._mapping)


@rpc_method(errors=(NotFound,), retry="safe")
async def update_user_notification_preference(
        ctx: Context, user_id: UserId,
        preferences: Annotated[PreferencesUpdate, Doc("{NOTIFICATION_TYPE: bool}: only the types given change; "
                                                      "REFUND_* have no preference")] | None = None,
        daily_limit: Annotated[EmailsPerDay, Doc("the user's max_emails_per_day")] | None = None,
) -> NotificationPreference:
    """Turns the given notification types on or off, and sets the daily limit if given; the rest stays.

    Returns the preferences as they then are; 1002 for an unknown user. An unknown type, or a
    REFUND_* one (no flag), is -32602 naming `preferences`."""
    values: dict[str, Any] = {FLAG_OF[kind]: on for kind, on in (preferences or {}).items()}
    if daily_limit is not None:
        values["max_emails_per_day"] = daily_limit
    if not values:  # nothing to change: updated_at stays too
        return await get_user_notification_preference(ctx, user_id)
    update = users.update().where(users.c.id == user_id).values(**values, updated_at=now_rfc3339())
    async with one_statement(ctx.db) as conn:
        row = await conn.fetch_one(update.returning(*_COLUMNS))
    if row is None:
        raise NotFound("user", user_id)
    return _preference(row._mapping)


def _preference(row: Any) -> NotificationPreference:
    return {"user_id": row["id"], "email": row["email"],
            "preferences": cast(Preferences, {kind: bool(row[flag]) for kind, flag in FLAG_OF.items()}),
            "daily_limit": row["max_emails_per_day"], "emails_sent_today": 0, "last_reset_date": now_rfc3339()}
