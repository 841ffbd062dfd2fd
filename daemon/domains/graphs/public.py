"""Public graphs (API.md, "Public graphs"): a graph with an APPROVED version of a live store
listing is readable and runnable by every user. The store domain owns the listings; this is the
one question the graphs and executions domains ask of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from daemon.domains.store.tables import store_listing_versions, store_listings

sl, slv = store_listings, store_listing_versions


async def approved_version(conn: Any, graph_id: str, version: int | None) -> int | None:
    """The graph version a live store listing has APPROVED (`version` if given, else the highest
    one), or None: the seed's fallback when the caller does not own the graph. Live: neither the
    listing nor the version is deleted."""
    query = (select(func.max(slv.c.graph_version))
             .select_from(slv.join(sl, sl.c.id == slv.c.store_listing_id))
             .where(slv.c.graph_id == graph_id, slv.c.submission_status == "APPROVED",
                    slv.c.is_deleted.is_(False), sl.c.is_deleted.is_(False)))
    if version is not None:
        query = query.where(slv.c.graph_version == version)
    found = await conn.fetch_val(query)
    return None if found is None else int(found)
