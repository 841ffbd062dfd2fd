"""Fixtures for the notifications domain: two users, and readers of the tables."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from daemon.domains.notifications.tables import notification_batches, notification_events
from tests.support import Rpc


def event(user_id: str = "alice", type_: str = "AGENT_RUN", data: Any = None, **extra: Any) -> dict[str, Any]:
    """A NotificationEventModel, as the seed's callers send it."""
    return {"type": type_, "user_id": user_id, "data": {"agent_name": "a"} if data is None else data, **extra}


async def append(rpc: Rpc, user_id: str = "alice", type_: str = "AGENT_RUN", data: Any = None) -> dict[str, Any]:
    params = {"user_id": user_id, "notification_type": type_, "notification_data": event(user_id, type_, data)}
    result: dict[str, Any] = await rpc.result("create_or_add_to_user_notification_batch", params)
    return result


async def stored(rpc: Rpc) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every batch and every event row, in a fixed order."""
    async with rpc.services.db.session() as conn:
        batches = await conn.fetch_all(select(notification_batches).order_by(notification_batches.c.id))
        events = await conn.fetch_all(select(notification_events).order_by(notification_events.c.id))
    return [dict(r._mapping) for r in batches], [dict(r._mapping) for r in events]


@pytest.fixture
async def users(rpc: Rpc) -> Rpc:
    """alice and bob exist."""
    for name in ("alice", "bob"):
        await rpc.result("create_user", {"email": f"{name}@example.com", "user_id": name})
    return rpc
