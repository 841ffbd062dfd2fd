"""Creating OAuth authorization codes and tokens (API.md), kept as SHA-256 digests.

A code or token is stored as the hex digest of its plaintext, so the plaintext is never written,
logged or returned. The insert is `ON CONFLICT (digest) DO NOTHING` followed by a read of the row
the digest names: a retry of the same call (same user, application, scopes and expiry) finds the
row it made and answers it again, so a retry is safe; a digest already taken by anything else is
1003, naming the param."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import Table, select

from daemon.clock import as_utc, now_rfc3339
from daemon.domains.oauth.types import Grant
from daemon.domains.users.tables import users
from daemon.errors import Conflict, NotFound
from daemon.storage.database import Database
from daemon.storage.sql import dump, upsert_insert


def digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


async def create(db: Database, table: Table, secret_param: str, secret: str, user_id: str, application_id: str,
                 scopes: list[str], expires_at: str) -> Grant:
    """One grant row in `table`; `secret_param` names the param (`code` or `token`) in a 1003."""
    row = {"digest": digest(secret), "application_id": application_id, "user_id": user_id, "scopes": dump(scopes),
           "expires_at": as_utc(expires_at)}
    async with db.write() as conn:
        if await conn.fetch_val(select(users.c.id).where(users.c.id == user_id)) is None:
            raise NotFound("user", user_id)
        await conn.execute(upsert_insert(db.kind)(table).values(id=uuid.uuid4().hex, created_at=now_rfc3339(), **row)
                           .on_conflict_do_nothing(index_elements=[table.c.digest]))
        stored: Any = (await conn.fetch_one(select(table).where(table.c.digest == row["digest"])))
    stored = stored._mapping  # the row is there: inserted now, or kept by the conflict
    if any(stored[field] != value for field, value in row.items()):
        raise Conflict({"param": secret_param, "reason": f"this {secret_param} is already taken"})
    return _grant_view(stored)


def _grant_view(row: Any) -> Grant:
    return {"id": row["id"], "expires_at": row["expires_at"]}
