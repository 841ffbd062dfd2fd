"""Reading library entries: the entry, its graph version, the graph owner's profile and the
graph's live store listing, in one query; and each page's recent executions in one more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select

from daemon.domains.analytics import stats
from daemon.domains.executions.tables import graph_executions
from daemon.domains.graphs.library import stored_settings
from daemon.domains.graphs.tables import graphs, library_agents
from daemon.domains.library.types import (
    LibraryAgent,
    LibraryStatus,
    ListingCreator,
    MarketplaceListing,
    RecentExecution,
)
from daemon.domains.store.tables import profiles, store_listing_versions, store_listings

RECENT_EXECUTIONS = 10  # the seed loads a user's last 10 executions of each graph
NEW_OUTPUT_DAYS = 7

la, g = library_agents, graphs
owner_profile = profiles.alias("owner_profile")
listing, active = store_listings.alias("listing"), store_listing_versions.alias("active")

_COLUMNS = (*la.c, g.c.name, g.c.description, g.c.instructions, g.c.recommended_schedule_cron,
            g.c.user_id.label("owner_user_id"), g.c.created_at.label("graph_created_at"),
            g.c.updated_at.label("graph_updated_at"), owner_profile.c.name.label("creator_name"),
            owner_profile.c.username.label("creator_username"), owner_profile.c.avatar_url.label("creator_avatar"),
            listing.c.id.label("listing_id"), listing.c.slug.label("listing_slug"), active.c.name.label("listing_name"))


def entries_query(*where: Any) -> Any:
    """Library entries with what their view needs (see `agent_view`)."""
    return (select(*_COLUMNS)
            .select_from(la.join(g, and_(g.c.id == la.c.graph_id, g.c.version == la.c.graph_version))
                         .outerjoin(owner_profile, owner_profile.c.user_id == g.c.user_id)
                         .outerjoin(listing, and_(listing.c.graph_id == la.c.graph_id, listing.c.is_deleted.is_(False),
                                                  listing.c.has_approved_version.is_(True)))
                         .outerjoin(active, active.c.id == listing.c.active_version_id))
            .where(*where))


async def recent_executions(conn: Any, kind: str, user_id: str, graph_ids: list[str]) -> dict[str, list[Any]]:
    """The user's last RECENT_EXECUTIONS non-deleted executions of each graph, newest first."""
    if not graph_ids:
        return {}
    ge = graph_executions
    ranked = (select(ge.c.graph_id, ge.c.status, ge.c.started_at, ge.c.created_at,
                     stats.number(kind, "graph_executions.stats", "correctness_score").label("score"),
                     stats.text(kind, "graph_executions.stats", "activity_status").label("activity"),
                     func.row_number().over(partition_by=ge.c.graph_id,
                                            order_by=(ge.c.created_at.desc(), ge.c.id.desc())).label("rank"))
              .where(ge.c.user_id == user_id, ge.c.graph_id.in_(graph_ids), ge.c.is_deleted.is_(False))
              .subquery("ranked"))
    found: dict[str, list[Any]] = {}
    for row in await conn.fetch_all(select(ranked).where(ranked.c.rank <= RECENT_EXECUTIONS)
                                    .order_by(ranked.c.graph_id, ranked.c.rank)):
        found.setdefault(row._mapping["graph_id"], []).append(row._mapping)
    return found


def agent_view(row: Any, user_id: str, executions: list[Any] | None) -> LibraryAgent:
    """An entry as the seed's LibraryAgent; `executions` None when they were not asked for."""
    runs = executions or []
    scores = [r["score"] for r in runs if r["score"] is not None]
    completed = sum(1 for r in runs if r["status"] == "COMPLETED")
    return {
        "id": row["id"], "graph_id": row["graph_id"], "graph_version": row["graph_version"],
        "owner_user_id": row["owner_user_id"], "image_url": row["image_url"],
        "creator_name": row["creator_name"] or "Unknown", "creator_image_url": row["creator_avatar"] or "",
        "status": _status(runs), "created_at": row["created_at"],
        "updated_at": max(row["updated_at"], row["graph_updated_at"] or row["graph_created_at"]),
        "name": row["name"] or "", "description": row["description"] or "", "instructions": row["instructions"],
        "new_output": _new_output(runs), "execution_count": len(runs),
        "success_rate": completed / len(runs) * 100 if runs else 0.0,
        "avg_correctness_score": sum(scores) / len(scores) if scores else None,
        "recent_executions": [_recent(r) for r in runs],
        "can_access_graph": row["owner_user_id"] == user_id, "is_latest_version": True,
        "is_favorite": bool(row["is_favorite"]), "recommended_schedule_cron": row["recommended_schedule_cron"],
        "settings": stored_settings(row["settings"]), "marketplace_listing": _listing(row),
    }


def _status(runs: list[Any]) -> LibraryStatus:
    statuses = {r["status"] for r in runs}
    if "FAILED" in statuses:
        return "ERROR"
    if "QUEUED" in statuses:
        return "WAITING"
    return "HEALTHY" if "RUNNING" in statuses else "COMPLETED"


def _new_output(runs: list[Any]) -> bool:
    """A COMPLETED run started (or, never marked started, created) in the last 7 days."""
    week_ago = (datetime.now(UTC) - timedelta(days=NEW_OUTPUT_DAYS)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return any(r["status"] == "COMPLETED" and (r["started_at"] or r["created_at"]) >= week_ago for r in runs)


def _recent(run: Any) -> RecentExecution:
    return {"status": run["status"], "correctness_score": run["score"], "activity_summary": run["activity"]}


def _listing(row: Any) -> MarketplaceListing | None:
    if row["listing_id"] is None:
        return None
    creator: ListingCreator | None = None if row["creator_username"] is None else {
        "name": row["creator_name"], "username": row["creator_username"], "avatar_url": row["creator_avatar"]}
    return {"id": row["listing_id"], "name": row["listing_name"] or "", "slug": row["listing_slug"], "creator": creator}
