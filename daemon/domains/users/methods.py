"""Users: create one, read one, change one."""

from __future__ import annotations

import functools
import uuid
import zoneinfo
from typing import Annotated, Any

import orjson
from sqlalchemy import or_, select

from daemon.clock import now_rfc3339
from daemon.context import Context
from daemon.domains.credits.tables import balances
from daemon.domains.types import Metadata, Name, UserId
from daemon.domains.users.tables import users
from daemon.domains.users.types import Email, EmailsPerDay, Timezone, User
from daemon.domains.users.views import user_view
from daemon.errors import Conflict, InvalidParams, NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc
from daemon.storage.database import conflict_on_duplicate
from daemon.storage.sql import one_statement

TIMEZONE_NOT_SET = "not-set"  # the seed's default: the user never chose one


@rpc_method(errors=(Conflict,), retry="unsafe")
async def create_user(ctx: Context, email: Email, user_id: UserId | None = None,
                      name: Annotated[Name, Doc("display name, 1–255 characters")] | None = None,
                      metadata: Metadata | None = None) -> User:
    """Creates a user with a balance of 0 and the seed's defaults. The id is generated when not given."""
    now = now_rfc3339()
    row = {"id": user_id or str(uuid.uuid4()), "email": email, "name": name,
           "metadata": orjson.dumps(metadata or {}).decode(), "created_at": now, "updated_at": now}
    async with ctx.db.write() as conn:
        taken = await conn.fetch_one(select(users.c.id, users.c.email).where(
            or_(users.c.id == row["id"], users.c.email == email)))
        if taken is not None:
            field = "user_id" if taken[0] == row["id"] else "email"
            raise Conflict({"field": field, "reason": f"{field} is already taken"})
        with conflict_on_duplicate({"field": "email", "reason": "user_id or email is already taken"}):
            # RETURNING: the defaults (flags, limits, timezone) are the table's, written once there
            created: Any = await conn.fetch_one(users.insert().values(**row).returning(*users.c))
            await conn.execute(balances.insert().values(user_id=row["id"], balance=0))
    return user_view(created._mapping)


@rpc_method(errors=(NotFound,), retry="safe")
async def get_user_by_id(ctx: Context, user_id: UserId) -> User:
    """The user with this id."""
    async with ctx.db.session() as conn:
        row = await conn.fetch_one(select(users).where(users.c.id == user_id))
    if row is None:
        raise NotFound("user", user_id)
    return user_view(row._mapping)


@rpc_method(errors=(NotFound, Conflict), retry="safe")
async def update_user(ctx: Context, user_id: UserId,
                      name: Annotated[Name, Doc("display name, 1–255 characters")] | None = None,
                      email: Email | None = None, email_verified: bool | None = None,
                      timezone: Timezone | None = None,
                      metadata: Annotated[Metadata, Doc("replaces the stored metadata whole")] | None = None,
                      max_emails_per_day: EmailsPerDay | None = None) -> User:
    """Changes the fields given (null or absent: unchanged), and then updated_at. Returns the user.

    A taken email is 1003; an unknown user 1002; a time zone that is not an IANA name (or not-set) -32602."""
    if timezone is not None:
        _check_timezone(timezone)
    changes: dict[str, Any] = {"name": name, "email": email, "email_verified": email_verified, "timezone": timezone,
                               "max_emails_per_day": max_emails_per_day,
                               "metadata": None if metadata is None else orjson.dumps(metadata).decode()}
    values = {column: value for column, value in changes.items() if value is not None}
    if not values:  # nothing to change: updated_at stays too
        return await get_user_by_id(ctx, user_id)
    update = users.update().where(users.c.id == user_id).values(**values, updated_at=now_rfc3339())
    async with one_statement(ctx.db) as conn:
        with conflict_on_duplicate({"field": "email", "reason": "email is already taken"}):
            row = await conn.fetch_one(update.returning(*users.c))
    if row is None:
        raise NotFound("user", user_id)
    return user_view(row._mapping)


def _check_timezone(name: str) -> None:
    if name != TIMEZONE_NOT_SET and name not in _zone_names():
        raise InvalidParams("timezone", "must be an IANA time zone name (such as Europe/Paris) or not-set")


@functools.cache
def _zone_names() -> frozenset[str]:
    # "localtime" and "posixrules" are files of the system's zoneinfo directory, not zone names:
    # the first would mean whatever zone this machine is in
    return frozenset(zoneinfo.available_timezones() - {"localtime", "posixrules"})
