"""The owner's library entry for a graph (table `library_agents`, one row per user and graph) and
the GraphSettings kept in it.

Settings are stored as the JSON object of the fields set so far (`{}` at first): a field not set
reads as its default, so a default that changes later reaches every entry that never chose. A
stored object the seed could not read (not an object, or a field that is not a boolean) reads as
all defaults, as in the seed; the library domain may write such rows later, or an import may.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy import select

from daemon.domains.graphs.tables import library_agents
from daemon.domains.graphs.types import GraphSettings, SettingsUpdate
from daemon.errors import NotFound
from daemon.storage.sql import upsert_insert

DEFAULTS: GraphSettings = {"human_in_the_loop_safe_mode": True, "sensitive_action_safe_mode": False}


async def hold_newest(conn: Any, dialect: str, user_id: str, graph_id: str, version: int, now: str) -> None:
    """Points the owner's entry for the graph at `version` (its newest), making the entry when
    there is none. An entry the user archived or deleted stays so: a new version is not the
    user's choice to bring it back."""
    insert = upsert_insert(dialect)(library_agents)
    await conn.execute(insert.values(
        id=str(uuid.uuid4()), user_id=user_id, graph_id=graph_id, graph_version=version, settings="{}",
        is_deleted=False, is_archived=False, created_at=now, updated_at=now,
    ).on_conflict_do_update(index_elements=[library_agents.c.user_id, library_agents.c.graph_id],
                            set_={"graph_version": version, "updated_at": now}))


async def read_settings(conn: Any, user_id: str, graph_id: str) -> GraphSettings:
    """The settings of the user's live (not deleted, not archived) entry; defaults without one."""
    stored = await conn.fetch_val(select(library_agents.c.settings).where(*_live_entry(user_id, graph_id)))
    return settings_view(_readable(stored))


async def change_settings(conn: Any, user_id: str, graph_id: str, changes: SettingsUpdate, now: str) -> GraphSettings:
    """Sets the given fields in the user's live entry, keeping the others; 1002 (kind `graph`)
    when the user has no live entry for the graph."""
    row = await conn.fetch_one(select(library_agents.c.id, library_agents.c.settings)
                               .where(*_live_entry(user_id, graph_id)).with_for_update())
    if row is None:
        raise NotFound("graph", graph_id)
    settings = {**_readable(row[1]), **changes}
    await conn.execute(library_agents.update().where(library_agents.c.id == row[0])
                       .values(settings=orjson.dumps(settings).decode(), updated_at=now))
    return settings_view(settings)


def stored_settings(text: str | None) -> GraphSettings:
    """An entry's stored settings text as GraphSettings (the library's listing reads them so)."""
    return settings_view(_readable(text))


def settings_view(stored: dict[str, Any]) -> GraphSettings:
    return {"human_in_the_loop_safe_mode": stored.get("human_in_the_loop_safe_mode",
                                                      DEFAULTS["human_in_the_loop_safe_mode"]),
            "sensitive_action_safe_mode": stored.get("sensitive_action_safe_mode",
                                                     DEFAULTS["sensitive_action_safe_mode"])}


def _readable(text: str | None) -> dict[str, Any]:
    """The stored settings object, or {} (all defaults) when missing or malformed."""
    try:
        stored = orjson.loads(text) if text is not None else {}
    except orjson.JSONDecodeError:
        return {}
    if not isinstance(stored, dict) or any(type(stored[f]) is not bool for f in DEFAULTS if f in stored):
        return {}
    return stored


def _live_entry(user_id: str, graph_id: str) -> tuple[Any, ...]:
    return (library_agents.c.user_id == user_id, library_agents.c.graph_id == graph_id,
            library_agents.c.is_deleted.is_(False), library_agents.c.is_archived.is_(False))
