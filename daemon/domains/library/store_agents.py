"""add_store_agent_to_library: a store agent into the user's library (SEED_MODEL.md §6).

The seed kept one entry per (user, graph, version); here library_agents holds one per (user,
graph) (revision 0004's UNIQUE, which create_graph relies on), so adding a graph the library
already holds brings that entry back instead of making a second one: it is un-deleted and
un-archived, and moves to the added version unless it already holds a newer one (the owner's entry
stays at the owner's newest version). Its settings and favourite mark are kept. New entries are
`is_created_by_user` false with default settings, as in the seed. docs/LIBRARY.md says why."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import case, select

from daemon.clock import now_rfc3339
from daemon.domains.graphs.public import approved_version
from daemon.domains.graphs.tables import graphs, library_agents
from daemon.domains.library.entries import agent_view, entries_query
from daemon.domains.library.types import LibraryAgent
from daemon.domains.store.tables import store_listing_versions
from daemon.domains.users.tables import users
from daemon.errors import NotFound
from daemon.storage.database import Database
from daemon.storage.sql import upsert_insert

la, slv = library_agents, store_listing_versions


async def add(db: Database, store_listing_version_id: str, user_id: str) -> LibraryAgent:
    now = now_rfc3339()
    async with db.write() as conn:
        if await conn.fetch_val(select(users.c.id).where(users.c.id == user_id)) is None:
            raise NotFound("user", user_id)
        graph_id, version = await _listed_graph(conn, store_listing_version_id)
        if not await accessible(conn, user_id, graph_id, version):
            raise NotFound("graph", graph_id)
        await _hold(conn, db.kind, user_id, graph_id, version, now)
        row: Any = await conn.fetch_one(entries_query(la.c.user_id == user_id, la.c.graph_id == graph_id))
    return agent_view(row._mapping, user_id, None)  # the entry is there: made or brought back just now


async def _listed_graph(conn: Any, version_id: str) -> tuple[str, int]:
    """The graph and version a store listing version submitted; 1002 when there is no such version."""
    row = await conn.fetch_one(select(slv.c.graph_id, slv.c.graph_version).where(slv.c.id == version_id,
                                                                                 slv.c.is_deleted.is_(False)))
    if row is None:
        raise NotFound("store_listing_version", version_id)
    return row[0], int(row[1])


async def accessible(conn: Any, user_id: str, graph_id: str, version: int) -> bool:
    """The user owns that graph version, or a live listing has it APPROVED (the seed's get_graph check)."""
    owned = await conn.fetch_val(select(graphs.c.version).where(
        graphs.c.id == graph_id, graphs.c.version == version, graphs.c.user_id == user_id))
    return owned is not None or await approved_version(conn, graph_id, version) is not None


async def _hold(conn: Any, kind: str, user_id: str, graph_id: str, version: int, now: str) -> None:
    """Makes the entry, or brings the existing one back (at the newer of its version and this one)."""
    newer = case((la.c.graph_version > version, la.c.graph_version), else_=version)
    await conn.execute(upsert_insert(kind)(la).values(
        id=str(uuid.uuid4()), user_id=user_id, graph_id=graph_id, graph_version=version, settings="{}",
        is_deleted=False, is_archived=False, is_created_by_user=False, created_at=now, updated_at=now,
    ).on_conflict_do_update(index_elements=[la.c.user_id, la.c.graph_id],
                            set_={"graph_version": newer, "is_deleted": False, "is_archived": False,
                                  "updated_at": now}))


