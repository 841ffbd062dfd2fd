"""The seed's StoreAgent view, as a query on both databases: one row per live listing (not
deleted, with an approved version) at its highest APPROVED version, with its creator's profile,
its runs and its rating.

Runs and ratings are computed when read (grouped over the executions of each listed graph and the
reviews of each listing's approved versions, both indexed), never cached: the seed refreshed
materialized views every 15 minutes, which at its scale spared the database; at ours a read
costs little and is never stale."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Float, Select, and_, cast, false, func, literal, or_, select

from daemon.domains.executions.tables import graph_executions
from daemon.domains.store.tables import (
    profiles,
    store_listing_reviews,
    store_listing_versions,
    store_listings,
)
from daemon.domains.store.types import StoreAgent
from daemon.storage.sql import dump, load

sl, slv, p = store_listings, store_listing_versions, profiles
NO_PROFILE = "Needs Profile"  # the seed's creator name for a listing whose owner has no profile


def _approved(versions: Any = slv) -> Any:
    return and_(versions.c.submission_status == "APPROVED", versions.c.is_deleted.is_(False))


def _highest_approved(version_ids: Sequence[str] = ()) -> Any:
    """Each live listing's highest APPROVED version number (only the listings of these versions,
    when given: a search reads a few hundred listings, not the whole store)."""
    query = select(slv.c.store_listing_id, func.max(slv.c.version).label("version")).where(_approved())
    if version_ids:
        query = query.where(slv.c.store_listing_id.in_(select(slv.c.store_listing_id).where(slv.c.id.in_(version_ids))))
    return query.group_by(slv.c.store_listing_id).subquery("top")


def _runs(version_ids: Sequence[str] = ()) -> Any:
    """Executions per graph: the seed's mv_agent_run_counts (every execution counts); only the
    graphs of these versions when given."""
    ge = graph_executions
    query = select(ge.c.graph_id, func.count().label("runs"))
    if version_ids:
        query = query.where(ge.c.graph_id.in_(select(slv.c.graph_id).where(slv.c.id.in_(version_ids))))
    return query.group_by(ge.c.graph_id).subquery("run_counts")


def _ratings(version_ids: Sequence[str] = ()) -> Any:
    """Mean score per listing over its approved versions' reviews: the seed's mv_review_stats;
    only the listings of these versions when given."""
    r = store_listing_reviews
    query = (select(slv.c.store_listing_id, func.avg(cast(r.c.score, Float)).label("rating"))
             .select_from(r.join(slv, slv.c.id == r.c.store_listing_version_id)).where(_approved()))
    if version_ids:
        query = query.where(slv.c.store_listing_id.in_(select(slv.c.store_listing_id).where(slv.c.id.in_(version_ids))))
    return query.group_by(slv.c.store_listing_id).subquery("ratings")


def store_agents(*version_ids: str) -> Any:
    """The StoreAgent rows (only those at these versions, when given), as a subquery to filter,
    sort and page."""
    top, runs, ratings = _highest_approved(version_ids), _runs(version_ids), _ratings(version_ids)
    joined = (sl.join(top, top.c.store_listing_id == sl.c.id)
              .join(slv, and_(slv.c.store_listing_id == sl.c.id, slv.c.version == top.c.version))
              .outerjoin(p, p.c.user_id == sl.c.owning_user_id)
              .outerjoin(runs, runs.c.graph_id == sl.c.graph_id)
              .outerjoin(ratings, ratings.c.store_listing_id == sl.c.id))
    chosen = [slv.c.id.in_(version_ids)] if version_ids else []
    return (select(sl.c.id.label("listing_id"), slv.c.id.label("store_listing_version_id"),
                   slv.c.created_at.label("updated_at"), sl.c.slug, slv.c.name.label("agent_name"),
                   slv.c.video_url.label("agent_video"), slv.c.agent_output_demo_url.label("agent_output_demo"),
                   slv.c.image_urls.label("agent_image"), slv.c.is_featured.label("featured"),
                   p.c.username.label("creator_username"), p.c.avatar_url.label("creator_avatar"),
                   slv.c.sub_heading, slv.c.description, slv.c.categories, slv.c.search_text,
                   func.coalesce(runs.c.runs, 0).label("runs"),
                   func.coalesce(ratings.c.rating, literal(0.0)).label("rating"),
                   sl.c.graph_id.label("agent_graph_id"), slv.c.is_available,
                   sl.c.use_for_onboarding)
            .select_from(joined).where(sl.c.is_deleted.is_(False), sl.c.has_approved_version.is_(True), *chosen)
            .subquery("store_agent"))


def live_versions(version_ids: Sequence[str]) -> Any:
    """Which of these versions are StoreAgent rows, with what the filters read (no runs or
    ratings): the versions a search may return."""
    top = _highest_approved(version_ids)
    return (select(slv.c.id.label("store_listing_version_id"), slv.c.is_available, slv.c.is_featured.label("featured"),
                   p.c.username.label("creator_username"), slv.c.categories)
            .select_from(sl.join(top, top.c.store_listing_id == sl.c.id)
                         .join(slv, and_(slv.c.store_listing_id == sl.c.id, slv.c.version == top.c.version))
                         .outerjoin(p, p.c.user_id == sl.c.owning_user_id))
            .where(sl.c.is_deleted.is_(False), sl.c.has_approved_version.is_(True), slv.c.id.in_(version_ids))
            .subquery("store_agent"))


def filtered(agents: Any, featured: bool, creators: Sequence[str] | None, category: str | None) -> list[Any]:
    """The seed's filters: available; featured only when asked; these creators; this category."""
    where = [agents.c.is_available.is_(True)]
    if featured:
        where.append(agents.c.featured.is_(True))
    if creators is not None:
        where.append(agents.c.creator_username.in_(creators) if creators else false())
    if category is not None:
        # categories are a JSON list in text: a member is its JSON string, quotes included
        where.append(agents.c.categories.like(f"%{_like_escaped(dump(category))}%", escape="\\"))
    return where


def matching_words(agents: Any, query: str) -> Any:
    """The seed's fallback search: name, sub-heading or description contains the query."""
    pattern = f"%{_like_escaped(query)}%"
    return or_(*(column.ilike(pattern, escape="\\")
                 for column in (agents.c.agent_name, agents.c.sub_heading, agents.c.description)))


def ordered(query: Select[Any], agents: Any, sorted_by: str | None) -> Select[Any]:
    """rating or runs high first, name A to Z; otherwise (updated_at too: the seed ignored it) newest first."""
    first = {"rating": agents.c.rating.desc(), "runs": agents.c.runs.desc(), "name": agents.c.agent_name.asc()}
    keys = [first[sorted_by]] if sorted_by in first else []
    return query.order_by(*keys, agents.c.updated_at.desc(), agents.c.listing_id)


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def agent_view(row: Mapping[str, Any]) -> StoreAgent:
    images = load(row["agent_image"])
    return {"slug": row["slug"], "agent_name": row["agent_name"], "agent_image": images[0] if images else "",
            "creator": row["creator_username"] or NO_PROFILE, "creator_avatar": row["creator_avatar"],
            "sub_heading": row["sub_heading"], "description": row["description"], "runs": int(row["runs"]),
            "rating": float(row["rating"]), "agent_graph_id": row["agent_graph_id"]}

