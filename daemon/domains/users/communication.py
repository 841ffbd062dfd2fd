"""What the notification service asks about users before it writes to them (SEED_MODEL.md §3,
"user communication"): their email, whether it is verified, and who has been active."""

from __future__ import annotations

from sqlalchemy import select

from daemon.clock import as_utc
from daemon.context import Context
from daemon.domains.executions.tables import graph_executions
from daemon.domains.types import DateTime, UserId
from daemon.domains.users.tables import users
from daemon.errors import NotFound
from daemon.rpc.registry import rpc_method


@rpc_method(retry="safe")
async def get_user_email_by_id(ctx: Context, user_id: UserId) -> str | None:
    """The user's email, or null when there is no such user."""
    async with ctx.db.session() as conn:
        email: str | None = await conn.fetch_val(select(users.c.email).where(users.c.id == user_id))
    return email


@rpc_method(errors=(NotFound,), retry="safe")
async def get_user_email_verification(ctx: Context, user_id: UserId) -> bool:
    """Whether the user's email is verified (as stored: a new user's is); 1002 for an unknown user."""
    async with ctx.db.session() as conn:
        verified: bool | None = await conn.fetch_val(select(users.c.email_verified).where(users.c.id == user_id))
    if verified is None:
        raise NotFound("user", user_id)
    return bool(verified)


@rpc_method(retry="safe")
async def get_active_user_ids_in_timerange(ctx: Context, start_time: DateTime, end_time: DateTime) -> list[str]:
    """The ids, sorted, of the users with a graph execution created in [start_time, end_time], deleted or not.

    Deleted executions count, as in the seed. A start after the end gives an empty list."""
    ge = graph_executions
    query = select(ge.c.user_id).distinct() \
        .where(ge.c.created_at >= as_utc(start_time), ge.c.created_at <= as_utc(end_time)).order_by(ge.c.user_id)
    async with ctx.db.session() as conn:
        return [row[0] for row in await conn.fetch_all(query)]
