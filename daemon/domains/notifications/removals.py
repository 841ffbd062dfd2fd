"""Emptying batches, whole or in part, once their events are sent (SEED_MODEL.md §5).

Each method is one transaction that first locks the batches it may delete (SELECT … FOR UPDATE;
SQLite's single writer does the same). Without the lock, an append committing between the
deletion of a batch's events and that of the batch would leave its new event pointing at a
deleted batch (a foreign-key error); with it, the append waits, then finds no batch and starts a
new one, or finds the batch it kept. A user, type or id that does not exist is nothing to delete
(the seed's deletes did not raise either), so these answer null."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from sqlalchemy import exists, select

from daemon.context import Context
from daemon.domains.notifications.types import BatchType, EventId
from daemon.domains.notifications.views import batch, event
from daemon.domains.types import UserId
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc

# ids per DELETE … IN (…): far below the bind-parameter limits of SQLite and asyncpg
_DELETE_CHUNK = 500


@rpc_method(retry="safe")
async def empty_user_notification_batch(ctx: Context, user_id: UserId, notification_type: BatchType) -> None:
    """Deletes the user's batch of this type and all its events."""
    async with ctx.db.write() as conn:
        await _delete_batches(conn, await _lock_batches(conn, batch.c.user_id == user_id,
                                                        batch.c.type == notification_type))


@rpc_method(retry="safe")
async def remove_notifications_from_batch(
        ctx: Context, user_id: UserId, notification_type: BatchType,
        notification_ids: Annotated[list[EventId], Doc("events of this batch to delete; others are ignored")],
) -> None:
    """Deletes these events from the user's batch of this type, then the batch if it is left empty.

    Ids of other batches (another user's included) are left alone; an empty list changes nothing."""
    if not notification_ids:
        return
    async with ctx.db.write() as conn:
        locked = await _lock_batches(conn, batch.c.user_id == user_id, batch.c.type == notification_type)
        if not locked:
            return
        ids = sorted(set(notification_ids))
        for start in range(0, len(ids), _DELETE_CHUNK):
            await conn.execute(event.delete().where(event.c.batch_id == locked[0],
                                                    event.c.id.in_(ids[start:start + _DELETE_CHUNK])))
        await conn.execute(batch.delete().where(batch.c.id == locked[0], ~exists().where(event.c.batch_id == locked[0])))


@rpc_method(retry="safe")
async def clear_all_user_notification_batches(ctx: Context, user_id: UserId) -> None:
    """Deletes every batch of the user's, of every type, and all their events."""
    async with ctx.db.write() as conn:
        await _delete_batches(conn, await _lock_batches(conn, batch.c.user_id == user_id))


async def _lock_batches(conn: Any, *where: Any) -> list[str]:
    """The ids of the batches matching `where`, locked until the transaction ends, in one order
    (two calls locking several never deadlock)."""
    query = select(batch.c.id).where(*where).order_by(batch.c.id).with_for_update()
    return [row[0] for row in await conn.fetch_all(query)]


async def _delete_batches(conn: Any, batch_ids: Sequence[str]) -> None:
    """The batches (a user has at most one per type: a dozen) and their events, events first."""
    if batch_ids:
        await conn.execute(event.delete().where(event.c.batch_id.in_(batch_ids)))
        await conn.execute(batch.delete().where(batch.c.id.in_(batch_ids)))
