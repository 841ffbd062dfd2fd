"""Rows → the seed's DTOs, and the queries that read events in their one order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Select, select

from daemon.domains.notifications.tables import notification_batches, notification_events
from daemon.domains.notifications.types import UserNotificationBatch, UserNotificationEvent

batch, event = notification_batches, notification_events

# The one order of a batch's events: created order, ties (the same microsecond) by id, so that
# every read lists them alike
EVENT_ORDER = (event.c.created_at, event.c.id)
EVENT_COLUMNS = (event.c.id, event.c.type, event.c.data, event.c.created_at, event.c.updated_at)
BATCH_COLUMNS = (batch.c.id.label("batch_id"), batch.c.user_id, batch.c.type.label("batch_type"),
                 batch.c.created_at.label("batch_created_at"), batch.c.updated_at.label("batch_updated_at"))


def batches_with_events(*where: Any, outer: bool = False) -> Select[Any]:
    """Batches (those matching `where`) joined to their events, one row per event, in batch
    then event order; `outer` keeps a batch with no events as one row of null event columns."""
    joined = batch.join(event, event.c.batch_id == batch.c.id, isouter=outer)
    return select(*BATCH_COLUMNS, *EVENT_COLUMNS).select_from(joined).where(*where) \
        .order_by(batch.c.created_at, batch.c.id, *EVENT_ORDER)


def event_dto(row: Any) -> UserNotificationEvent:
    return {"id": row["id"], "type": row["type"], "data": orjson.loads(row["data"]),
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


def batch_dto(head: Any, events: Sequence[Any]) -> UserNotificationBatch:
    """`head` has the batch's columns as BATCH_COLUMNS label them."""
    return {"user_id": head["user_id"], "type": head["batch_type"], "notifications": [event_dto(e) for e in events],
            "created_at": head["batch_created_at"], "updated_at": head["batch_updated_at"]}


def batch_dtos(rows: Sequence[Any]) -> list[UserNotificationBatch]:
    """Rows of `batches_with_events` → one DTO per batch, in their order."""
    grouped: dict[str, list[Any]] = {}
    mappings = [row._mapping for row in rows]
    for row in mappings:
        events = grouped.setdefault(row["batch_id"], [])
        if row["id"] is not None:  # an outer join's batch with no events
            events.append(row)
    heads = {row["batch_id"]: row for row in mappings}
    return [batch_dto(heads[batch_id], events) for batch_id, events in grouped.items()]
