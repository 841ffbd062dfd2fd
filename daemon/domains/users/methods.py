"""Users: create one, read one."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import orjson
from sqlalchemy import or_, select

from daemon.clock import now_rfc3339
from daemon.context import Context
from daemon.domains.credits.tables import balances
from daemon.domains.types import Metadata, Name, UserId
from daemon.domains.users.tables import users
from daemon.domains.users.types import Email, User
from daemon.errors import Conflict, NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc
from daemon.storage.database import conflict_on_duplicate


@rpc_method(errors=(Conflict,), retry="unsafe")
async def create_user(ctx: Context, email: Email, user_id: UserId | None = None,
                      name: Annotated[Name, Doc("display name, 1–255 characters")] | None = None,
                      metadata: Metadata | None = None) -> User:
    """Creates a user with a balance of 0. The id is generated when not given."""
    row = {"id": user_id or str(uuid.uuid4()), "email": email, "name": name,
           "metadata": orjson.dumps(metadata or {}).decode(), "created_at": now_rfc3339()}
    async with ctx.db.write() as conn:
        taken = await conn.fetch_one(select(users.c.id, users.c.email).where(
            or_(users.c.id == row["id"], users.c.email == email)))
        if taken is not None:
            field = "user_id" if taken[0] == row["id"] else "email"
            raise Conflict({"field": field, "reason": f"{field} is already taken"})
        with conflict_on_duplicate({"field": "email", "reason": "user_id or email is already taken"}):
            await conn.execute(users.insert().values(**row))
            await conn.execute(balances.insert().values(user_id=row["id"], balance=0))
    return _user(row)


@rpc_method(errors=(NotFound,), retry="safe")
async def get_user_by_id(ctx: Context, user_id: UserId) -> User:
    """The user with this id."""
    async with ctx.db.session() as conn:
        row = await conn.fetch_one(select(users).where(users.c.id == user_id))
    if row is None:
        raise NotFound("user", user_id)
    return _user(row._mapping)


def _user(row: Any) -> User:
    return {"id": row["id"], "email": row["email"], "name": row["name"],
            "metadata": orjson.loads(row["metadata"]), "created_at": row["created_at"]}
