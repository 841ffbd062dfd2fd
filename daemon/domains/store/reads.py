"""Browsing the store (SEED_MODEL.md §9): get_store_agents, by filters and sorts or by hybrid
search (search.py), and get_store_agent_details."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Annotated, Any

from sqlalchemy import func, select

from daemon.context import Context
from daemon.domains.store.agents import NO_PROFILE, agent_view, filtered, matching_words, ordered, store_agents
from daemon.domains.store.search import hybrid_search
from daemon.domains.store.tables import store_listing_versions, store_listings
from daemon.domains.store.types import (
    Category,
    ChangelogEntry,
    PageNumber,
    PageSize,
    SearchQuery,
    Slug,
    SortedBy,
    StoreAgent,
    StoreAgentDetails,
    StoreAgentsResponse,
    Username,
)
from daemon.errors import NotFound, RpcError
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc
from daemon.storage.sql import load

log = logging.getLogger(__name__)
sl, slv = store_listings, store_listing_versions


@rpc_method(retry="safe")
async def get_store_agents(
        ctx: Context, featured: Annotated[bool, Doc("only featured agents")] = False,
        creators: Annotated[list[Username], Doc("only these creators' agents")] | None = None,
        sorted_by: SortedBy | None = None, search_query: SearchQuery | None = None,
        category: Annotated[Category, Doc("only agents in this category")] | None = None,
        page: PageNumber = 1, page_size: PageSize = 20) -> StoreAgentsResponse:
    """A page of the store's agents: filtered and sorted, or ranked by hybrid search for search_query.

    Should the search fail (its SQL, say), agents whose name, sub-heading or description contain
    the query are listed instead, as in the seed."""
    if search_query is not None:
        try:
            agents, total = await hybrid_search(ctx, search_query, featured, creators, category, page, page_size)
            return _response(agents, total, page, page_size)
        except RpcError:
            raise
        except Exception as exc:
            log.warning("search failed (%s); listing agents whose words contain the query", type(exc).__name__)
    return await _listed(ctx, featured, creators, sorted_by, search_query, category, page, page_size)


async def _listed(ctx: Context, featured: bool, creators: list[str] | None, sorted_by: str | None,
                  words: str | None, category: str | None, page: int, page_size: int) -> StoreAgentsResponse:
    agents = store_agents()
    where = filtered(agents, featured, creators, category) + ([matching_words(agents, words)] if words else [])
    query = ordered(select(agents).where(*where), agents, sorted_by).offset((page - 1) * page_size).limit(page_size)
    async with ctx.db.session() as conn:
        rows = await conn.fetch_all(query)
        total = await conn.fetch_val(select(func.count()).select_from(agents).where(*where))
    return _response([agent_view(r._mapping) for r in rows], int(total), page, page_size)


def _response(agents: list[StoreAgent], total: int, page: int, page_size: int) -> StoreAgentsResponse:
    return {"agents": agents, "pagination": {"total_items": total, "total_pages": math.ceil(total / page_size),
                                             "current_page": page, "page_size": page_size}}


@rpc_method(errors=(NotFound,), retry="safe")
async def get_store_agent_details(
        ctx: Context, username: Annotated[Username, Doc("the creator's username")],
        agent_name: Annotated[Slug, Doc("the listing's slug")],
        include_changelog: Annotated[bool, Doc("with the approved versions' changes, newest first")] = False,
) -> StoreAgentDetails:
    """The store agent of this creator and slug, at its listing's active version; 1002 `store_agent` when none.

    runs and rating are the listing's (all its approved versions); versions lists the approved
    ones."""
    agents = store_agents()
    async with ctx.db.session() as conn:
        found = await conn.fetch_one(select(agents).where(agents.c.creator_username == username,
                                                          agents.c.slug == agent_name))
        if found is None:
            raise NotFound("store_agent", f"{username}/{agent_name}")
        agent = found._mapping
        listing: Any = await conn.fetch_one(select(sl).where(sl.c.id == agent["listing_id"]))
        approved = [r._mapping for r in await conn.fetch_all(
            select(slv).where(slv.c.store_listing_id == agent["listing_id"], slv.c.submission_status == "APPROVED",
                              slv.c.is_deleted.is_(False)).order_by(slv.c.version.desc()))]
    active = next((v for v in approved if v["id"] == listing._mapping["active_version_id"]), approved[0])
    return _details(agent, listing._mapping, active, approved, include_changelog)


def _details(agent: Mapping[str, Any], listing: Mapping[str, Any], active: Mapping[str, Any],
             approved: list[Mapping[str, Any]], include_changelog: bool) -> StoreAgentDetails:
    changelog: list[ChangelogEntry] = [
        {"version": v["version"], "changes_summary": v["changes_summary"], "date": v["submitted_at"] or v["created_at"]}
        for v in approved]
    return {
        "store_listing_version_id": active["id"], "slug": listing["slug"], "agent_name": active["name"],
        "agent_video": active["video_url"], "agent_output_demo": active["agent_output_demo_url"],
        "agent_image": load(active["image_urls"]), "creator": agent["creator_username"] or NO_PROFILE,
        "creator_avatar": agent["creator_avatar"], "sub_heading": active["sub_heading"],
        "description": active["description"], "instructions": active["instructions"],
        "categories": load(active["categories"]), "runs": int(agent["runs"]), "rating": float(agent["rating"]),
        "versions": [str(v["version"]) for v in approved],
        "agentGraphVersions": [str(v["graph_version"]) for v in approved],
        "agentGraphId": listing["graph_id"], "last_updated": active["updated_at"],
        "recommended_schedule_cron": active["recommended_schedule_cron"],
        "active_version_id": listing["active_version_id"], "has_approved_version": bool(listing["has_approved_version"]),
        "changelog": changelog if include_changelog else None}
