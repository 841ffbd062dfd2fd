"""validate_graph_execution_permissions (SEED_MODEL.md §6, API.md): may this user run this graph
version? Two questions, each a 1002 of its own kind so a caller can tell them apart:
`graph` when the user may not see that version at all (neither owns it nor finds it APPROVED in a
live store listing), `library_agent` when the graph is not in the user's library (a live entry at
any version), unless it runs as a sub-graph."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from daemon.domains.graphs.tables import library_agents
from daemon.domains.library.store_agents import accessible
from daemon.errors import NotFound


async def check(conn: Any, user_id: str, graph_id: str, graph_version: int, is_sub_graph: bool) -> None:
    if not await accessible(conn, user_id, graph_id, graph_version):
        raise NotFound("graph", graph_id)
    if not is_sub_graph and not await _in_library(conn, user_id, graph_id):
        raise NotFound("library_agent", graph_id)


async def _in_library(conn: Any, user_id: str, graph_id: str) -> bool:
    la = library_agents
    found = await conn.fetch_val(select(la.c.id).where(la.c.user_id == user_id, la.c.graph_id == graph_id,
                                                       la.c.is_deleted.is_(False), la.c.is_archived.is_(False)))
    return found is not None
