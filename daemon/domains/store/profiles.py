"""Creators' profiles (API.md `create_or_update_profile`): one per user, its username unique
across the store. The store's listings show the profile of their owner (creator, avatar)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from sqlalchemy import select

from daemon.clock import now_rfc3339
from daemon.context import Context
from daemon.domains.store.tables import profiles
from daemon.domains.store.types import Profile, Text, Url, Username
from daemon.domains.types import UserId
from daemon.domains.users.tables import users
from daemon.errors import Conflict, NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc
from daemon.storage.database import conflict_on_duplicate
from daemon.storage.sql import dump, load


@rpc_method(errors=(NotFound, Conflict), retry="safe")
async def create_or_update_profile(
        ctx: Context, user_id: UserId, username: Username, name: Annotated[Text, Doc("the creator's display name")],
        description: Annotated[Text, Doc("kept as it is when omitted; empty for a new profile")] | None = None,
        links: Annotated[list[Url], Doc("kept as they are when omitted; none for a new profile")] | None = None,
        avatar_url: Annotated[Url, Doc("kept as it is when omitted")] | None = None) -> Profile:
    """Creates the user's store profile, or changes it: the fields given replace the stored ones.

    1003 when another user's profile has the username; 1002 for an unknown user."""
    given = {"username": username, "name": name, "description": description,
             "links": None if links is None else dump(links), "avatar_url": avatar_url}
    changes = {key: value for key, value in given.items() if value is not None}
    now = now_rfc3339()
    async with ctx.db.write() as conn:
        await _check_user(conn, user_id)
        await _check_username_free(conn, user_id, username)
        current = await conn.fetch_one(select(profiles).where(profiles.c.user_id == user_id))
        with conflict_on_duplicate({"field": "username", "reason": "username is already taken"}):
            if current is None:
                defaults = {"id": str(uuid.uuid4()), "user_id": user_id, "description": "", "links": "[]",
                            "created_at": now}
                await conn.execute(profiles.insert().values(**{**defaults, **changes, "updated_at": now}))
            else:
                await conn.execute(profiles.update().where(profiles.c.user_id == user_id)
                                   .values(**changes, updated_at=now))
        row: Any = await conn.fetch_one(select(profiles).where(profiles.c.user_id == user_id))
    return profile_view(row._mapping)


async def _check_user(conn: Any, user_id: str) -> None:
    if await conn.fetch_val(select(users.c.id).where(users.c.id == user_id)) is None:
        raise NotFound("user", user_id)


async def _check_username_free(conn: Any, user_id: str, username: str) -> None:
    owner = await conn.fetch_val(select(profiles.c.user_id).where(profiles.c.username == username))
    if owner is not None and owner != user_id:
        raise Conflict({"field": "username", "reason": "username is already taken"})


def profile_view(row: Mapping[str, Any]) -> Profile:
    return {"username": row["username"], "name": row["name"], "description": row["description"],
            "links": load(row["links"]), "avatar_url": row["avatar_url"], "is_featured": bool(row["is_featured"])}
