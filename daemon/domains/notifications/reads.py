"""Reading batches: one user's, every user's of a type (what a sender drains), and the oldest
event of one (what a sender's "has it waited long enough" check reads). Each is one query."""

from __future__ import annotations

from sqlalchemy import select

from daemon.context import Context
from daemon.domains.notifications.types import BatchType, UserNotificationBatch, UserNotificationEvent
from daemon.domains.notifications.views import (
    EVENT_COLUMNS,
    EVENT_ORDER,
    batch,
    batch_dtos,
    batches_with_events,
    event,
    event_dto,
)
from daemon.domains.types import UserId
from daemon.rpc.registry import rpc_method


@rpc_method(retry="safe")
async def get_user_notification_batch(ctx: Context, user_id: UserId, notification_type: BatchType
                                      ) -> UserNotificationBatch | None:
    """The user's batch of this type with all its events, or null."""
    query = batches_with_events(batch.c.user_id == user_id, batch.c.type == notification_type, outer=True)
    async with ctx.db.session() as conn:
        found = batch_dtos(await conn.fetch_all(query))
    return found[0] if found else None


@rpc_method(retry="safe")
async def get_all_batches_by_type(ctx: Context, notification_type: BatchType) -> list[UserNotificationBatch]:
    """Every user's batch of this type that holds an event, with its events, oldest batch first."""
    async with ctx.db.session() as conn:
        return batch_dtos(await conn.fetch_all(batches_with_events(batch.c.type == notification_type)))


@rpc_method(retry="safe")
async def get_user_notification_oldest_message_in_batch(ctx: Context, user_id: UserId, notification_type: BatchType
                                                        ) -> UserNotificationEvent | None:
    """The event of the user's batch of this type created first, or null."""
    query = select(*EVENT_COLUMNS).select_from(event.join(batch, event.c.batch_id == batch.c.id)) \
        .where(batch.c.user_id == user_id, batch.c.type == notification_type).order_by(*EVENT_ORDER).limit(1)
    async with ctx.db.session() as conn:
        row = await conn.fetch_one(query)
    return None if row is None else event_dto(row._mapping)
