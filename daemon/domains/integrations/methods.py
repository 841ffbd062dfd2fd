"""A user's integrations: read them decrypted, replace them encrypted (SEED_MODEL.md §3).

Unlike the seed, a stored row that no configured key opens is error 1004, on a read and on a
write alike: the seed read it as empty integrations, and the integrations manager's next
read-modify-write then replaced the user's credentials for good. A write leaves such a row as it
is, since the right key file (a daemon misconfigured, a key rotated out too soon) brings it back.
The data itself is never logged, nor put in an error: errors name the user, not what they stored.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select

from daemon.clock import now_rfc3339
from daemon.context import Context
from daemon.domains.integrations.keys import Keyring
from daemon.domains.integrations.state import KEYRING
from daemon.domains.integrations.tables import encryption_keys
from daemon.domains.integrations.types import IntegrationsData, UserIntegrations, with_defaults
from daemon.domains.types import UserId
from daemon.domains.users.tables import users
from daemon.errors import CannotDecrypt, NotFound
from daemon.rpc.registry import rpc_method
from daemon.storage.sql import upsert_insert

_NOTHING_STORED = ""  # a user's integrations before the first update


@rpc_method(errors=(NotFound, CannotDecrypt), retry="safe")
async def get_user_integrations(ctx: Context, user_id: UserId) -> UserIntegrations:
    """The user's integrations, decrypted, secrets included; the seed's defaults before any update.

    Secrets included, since it serves the integrations manager; no other method returns them."""
    async with ctx.db.session() as conn:
        token = await conn.fetch_val(select(users.c.integrations).where(users.c.id == user_id))
    if token is None:
        raise NotFound("user", user_id)
    return with_defaults(_open(_keyring(ctx), token, user_id))


@rpc_method(errors=(NotFound, CannotDecrypt), retry="safe")
async def update_user_integrations(ctx: Context, user_id: UserId, data: IntegrationsData) -> None:
    """Replaces the user's integrations, encrypted with the first key; a row no key opens stays (1004).

    Null fields of `data` are not stored (the seed's exclude_none) and read back as their defaults."""
    keyring = _keyring(ctx)
    token = keyring.encrypt(orjson.dumps({k: v for k, v in data.items() if v is not None}))
    async with ctx.db.write() as conn:
        previous = await _swap(conn, ctx.db.kind, user_id, token)
        if previous is None:
            raise NotFound("user", user_id)
        _open(keyring, previous, user_id)  # raises 1004, and the transaction rolls the new token back
        if not keyring.current_recorded:
            await _record(conn, ctx.db.kind, keyring.current)
    keyring.current_recorded = True


async def _swap(conn: Any, kind: str, user_id: str, token: str) -> str | None:
    """Stores the new token; returns the one it replaced (None: no such user). On PostgreSQL one
    statement, the old value read under the row's lock; SQLite's RETURNING cannot name a FROM
    table, but its one writer is alone, so a read and then a write are just as safe there."""
    change = {"integrations": token, "updated_at": now_rfc3339()}
    if kind == "postgresql":
        before = (select(users.c.id, users.c.integrations).where(users.c.id == user_id)
                  .with_for_update().subquery("before"))
        swapped: str | None = await conn.fetch_val(users.update().values(change).where(users.c.id == before.c.id)
                                                   .returning(before.c.integrations))
        return swapped
    previous: str | None = await conn.fetch_val(select(users.c.integrations).where(users.c.id == user_id))
    if previous is not None:
        await conn.execute(users.update().values(change).where(users.c.id == user_id))
    return previous


async def _record(conn: Any, kind: str, fingerprint: str) -> None:
    """The encrypting key's fingerprint joins the database's (if it is not there yet), in the
    write's own transaction: a row is never stored under a key the database does not know."""
    await conn.execute(upsert_insert(kind)(encryption_keys).values(fingerprint=fingerprint, created_at=now_rfc3339())
                       .on_conflict_do_nothing(index_elements=[encryption_keys.c.fingerprint]))


def _open(keyring: Keyring, token: str, user_id: str) -> dict[str, Any]:
    if token == _NOTHING_STORED:
        return {}
    plaintext = keyring.decrypt(token)
    if plaintext is None:
        raise CannotDecrypt("integrations", user_id)
    stored: dict[str, Any] = orjson.loads(plaintext)
    return stored


def _keyring(ctx: Context) -> Keyring:
    keyring = ctx.state.get(KEYRING)
    assert keyring is not None, "the integrations domain's start hook loads the keyring"
    return keyring
