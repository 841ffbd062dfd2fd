"""list_library_agents: a page of the user's live entries, searched and sorted, with their
recent executions when asked (SEED_MODEL.md §6). Three queries whatever the page size: the
page, its count, and the page's executions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_

from daemon.domains.graphs.tables import graphs, library_agents
from daemon.domains.library.entries import agent_view, entries_query, recent_executions
from daemon.domains.library.types import LibraryAgentResponse

la = library_agents


async def page_of_agents(conn: Any, kind: str, user_id: str, search_term: str | None, sort_by: str, page: int,
                         page_size: int, include_executions: bool) -> LibraryAgentResponse:
    where = _live(user_id, search_term)
    order = (la.c.created_at.asc(), la.c.id) if sort_by == "createdAt" else (la.c.updated_at.desc(), la.c.id)
    rows = [r._mapping for r in await conn.fetch_all(
        entries_query(*where).order_by(*order).limit(page_size).offset((page - 1) * page_size))]
    total = int(await conn.fetch_val(entries_query(*where).with_only_columns(func.count())))
    runs = await recent_executions(conn, kind, user_id, [r["graph_id"] for r in rows]) if include_executions else {}
    agents = [agent_view(r, user_id, runs.get(r["graph_id"], []) if include_executions else None) for r in rows]
    return {"agents": agents, "pagination": {"total_items": total, "total_pages": -(-total // page_size),
                                             "current_page": page, "page_size": page_size}}


def _live(user_id: str, search_term: str | None) -> list[Any]:
    """The user's entries that are neither deleted nor archived, matching the search term."""
    where = [la.c.user_id == user_id, la.c.is_deleted.is_(False), la.c.is_archived.is_(False)]
    if search_term:
        pattern = "%" + search_term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(graphs.c.name.ilike(pattern, escape="\\"), graphs.c.description.ilike(pattern, escape="\\")))
    return where


