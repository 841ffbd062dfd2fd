"""Appending a notification event to its user's batch of that type (SEED_MODEL.md §5).

The seed found the batch, then created it or appended to it, so two events at once could race
into a unique violation. Here the batch is an upsert on its unique key (user_id, type): one
statement that creates the batch or, when it exists, locks it until the transaction ends. The
event is then inserted, and its time taken, under that lock, so concurrent appends to one batch
give what the same appends one after another give."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Text, literal, select

from daemon.clock import now_rfc3339
from daemon.context import Context
from daemon.domains.notifications.types import (
    BatchType,
    NotificationEventModel,
    UserNotificationBatch,
)
from daemon.domains.notifications.views import (
    BATCH_COLUMNS,
    EVENT_COLUMNS,
    EVENT_ORDER,
    batch,
    batch_dto,
    event,
)
from daemon.domains.types import UserId
from daemon.domains.users.tables import users
from daemon.errors import InvalidParams, NotFound
from daemon.rpc.registry import rpc_method
from daemon.storage.sql import dump, upsert_insert

# Payloads that say nothing: the seed refused empty data (API.md: missing, null or {})
_EMPTY: tuple[Any, ...] = (None, {}, [], "")


@rpc_method(errors=(NotFound,), retry="unsafe")
async def create_or_add_to_user_notification_batch(ctx: Context, user_id: UserId, notification_type: BatchType,
                                                   notification_data: NotificationEventModel) -> UserNotificationBatch:
    """Appends an event of notification_data.data to the user's batch of this type; returns the batch.

    The batch is created if there is none; it comes back with all its events, this one last."""
    data = _payload(user_id, notification_type, notification_data)
    async with ctx.db.write() as conn:
        head = await conn.fetch_one(_upsert_batch(ctx.db.kind, user_id, notification_type, now_rfc3339()))
        if head is None:
            raise NotFound("user", user_id)
        now = now_rfc3339()  # taken under the batch's lock: events are created in append order
        await conn.execute(event.insert().values(id=str(uuid.uuid4()), batch_id=head[0], type=notification_type,
                                                 data=data, created_at=now, updated_at=now))
        events = await conn.fetch_all(select(*EVENT_COLUMNS).where(event.c.batch_id == head[0]).order_by(*EVENT_ORDER))
    return batch_dto(head._mapping, [e._mapping for e in events])


def _payload(user_id: str, notification_type: str, model: NotificationEventModel) -> str:
    """The stored text of the event's data. The model's own type and user_id must be the
    method's: only `data` is stored, so an event addressed elsewhere would silently change its
    recipient (the seed ignored them; its callers pass the same values twice)."""
    if model["data"] in _EMPTY:
        raise InvalidParams("notification_data", "must not be empty", field="data")
    if model["type"] != notification_type:
        raise InvalidParams("notification_data", "must be the notification_type given", field="type")
    if model["user_id"] != user_id:
        raise InvalidParams("notification_data", "must be the user_id given", field="user_id")
    return dump(model["data"])


def _upsert_batch(kind: str, user_id: str, notification_type: str, now: str) -> Any:
    """INSERT … SELECT from users … ON CONFLICT (user_id, type) DO UPDATE SET updated_at,
    RETURNING the batch: one statement that creates or touches (and locks) the batch, and returns
    nothing for a user who does not exist."""
    values = select(literal(str(uuid.uuid4()), Text), users.c.id, literal(notification_type, Text),
                    literal(now, Text), literal(now, Text)).where(users.c.id == user_id)
    insert = upsert_insert(kind)(batch) \
        .from_select(["id", "user_id", "type", "created_at", "updated_at"], values)
    return insert.on_conflict_do_update(index_elements=[batch.c.user_id, batch.c.type], set_={"updated_at": now}) \
        .returning(*BATCH_COLUMNS)
