"""Submissions and their review (API.md `create_store_submission`, `review_store_submission`).

A listing is one graph's place in the store; each submission is a new version of it, PENDING
until reviewed. Approving a version makes it the listing's active version (and its graph public:
daemon/domains/graphs/public.py); rejecting the active version hands that role to the newest
version still APPROVED, if any. Approved versions are then embedded for search, after the commit
and off the call (embedding/worker.py)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from sqlalchemy import func, select

from daemon.clock import now_rfc3339
from daemon.context import Context
from daemon.domains.graphs.tables import graphs
from daemon.domains.graphs.types import GraphId, GraphVersion
from daemon.domains.store.embedding.worker import approved_for_embedding
from daemon.domains.store.tables import store_listing_versions, store_listings
from daemon.domains.store.text import searchable_text
from daemon.domains.store.types import (
    Category,
    ListingVersionId,
    ReviewerId,
    Slug,
    StoreListingVersion,
    Text,
    Url,
)
from daemon.domains.types import UserId
from daemon.errors import Conflict, NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc
from daemon.storage.database import conflict_on_duplicate
from daemon.storage.sql import dump, load

sl, slv = store_listings, store_listing_versions


@rpc_method(errors=(NotFound, Conflict), retry="unsafe")
async def create_store_submission(
        ctx: Context, user_id: UserId, graph_id: GraphId, graph_version: GraphVersion, slug: Slug,
        name: Annotated[Text, Doc("the agent's name in the store")], sub_heading: Text, description: Text,
        categories: list[Category] | None = None, image_urls: list[Url] | None = None, video_url: Url | None = None,
        changes_summary: Annotated[Text, Doc("what this version changes")] | None = None) -> StoreListingVersion:
    """Submits the user's graph version to the store: a new PENDING version of the graph's listing.

    Only the graph's owner may submit it (1002 `graph` otherwise). The first submission of a
    graph makes its listing under `slug` (1003 when the user has another listing with that slug);
    later ones, of any version, add versions to that listing, which keeps its slug. A retry
    makes one more version: unsafe."""
    now = now_rfc3339()
    version_row = {"id": str(uuid.uuid4()), "graph_id": graph_id, "graph_version": graph_version, "name": name,
                   "sub_heading": sub_heading, "description": description, "categories": dump(categories or []),
                   "image_urls": dump(image_urls or []), "video_url": video_url, "submission_status": "PENDING",
                   "changes_summary": changes_summary, "submitted_at": now, "created_at": now, "updated_at": now,
                   "search_text": searchable_text(name, sub_heading, description, categories or [])}
    async with ctx.db.write() as conn:
        await _check_owner(conn, user_id, graph_id, graph_version)
        listing = await _listing_for(conn, user_id, graph_id, graph_version, slug, now)
        number = await conn.fetch_val(select(func.coalesce(func.max(slv.c.version), 0))
                                      .where(slv.c.store_listing_id == listing["id"]))
        await conn.execute(slv.insert().values(**version_row, store_listing_id=listing["id"], version=number + 1))
    return listing_version_view({**version_row, "store_listing_id": listing["id"], "version": number + 1,
                                 "slug": listing["slug"], "reviewed_at": None, "review_comments": None})


@rpc_method(errors=(NotFound,), retry="safe")
async def review_store_submission(
        ctx: Context, store_listing_version_id: ListingVersionId,
        is_approved: Annotated[bool, Doc("true approves the version, false rejects it")],
        reviewer_id: ReviewerId,
        comments: Annotated[Text, Doc("the reviewer's comments, shown to the creator")] | None = None,
) -> StoreListingVersion:
    """Approves or rejects a store submission; an approved one becomes its listing's active version.

    A version already reviewed may be reviewed again (the last decision stands). 1002
    `store_listing_version` when there is none."""
    now = now_rfc3339()
    status = "APPROVED" if is_approved else "REJECTED"
    async with ctx.db.write() as conn:
        found = await conn.fetch_one(select(slv.c.store_listing_id).where(
            slv.c.id == store_listing_version_id, slv.c.is_deleted.is_(False)).with_for_update())
        if found is None:
            raise NotFound("store_listing_version", store_listing_version_id)
        await conn.execute(slv.update().where(slv.c.id == store_listing_version_id).values(
            submission_status=status, reviewer_id=reviewer_id, review_comments=comments, reviewed_at=now,
            updated_at=now))
        await _point_at_active(conn, found._mapping["store_listing_id"], now)
        row: Any = await conn.fetch_one(_with_slug().where(slv.c.id == store_listing_version_id))
    if is_approved:
        approved_for_embedding(ctx, store_listing_version_id)
    return listing_version_view(row._mapping)


async def _check_owner(conn: Any, user_id: str, graph_id: str, graph_version: int) -> None:
    owner = await conn.fetch_val(select(graphs.c.user_id).where(graphs.c.id == graph_id,
                                                               graphs.c.version == graph_version))
    if owner != user_id:
        raise NotFound("graph", graph_id)


async def _listing_for(conn: Any, user_id: str, graph_id: str, graph_version: int, slug: str, now: str
                       ) -> Mapping[str, Any]:
    """The graph's listing, made under `slug` if it has none; its newest submitted graph version
    recorded. Locked until the commit, so that concurrent submissions number their versions apart."""
    row: Any = await conn.fetch_one(select(sl).where(sl.c.graph_id == graph_id).with_for_update())
    if row is None:
        listing = {"id": str(uuid.uuid4()), "owning_user_id": user_id, "graph_id": graph_id,
                   "graph_version": graph_version, "slug": slug, "created_at": now, "updated_at": now}
        await _check_slug_free(conn, user_id, slug)
        with conflict_on_duplicate({"field": "slug", "reason": "the graph's listing, or the slug, is already taken"}):
            await conn.execute(sl.insert().values(**listing))
        return listing
    newest = max(row._mapping["graph_version"], graph_version)
    await conn.execute(sl.update().where(sl.c.id == row._mapping["id"]).values(graph_version=newest, updated_at=now))
    return dict(row._mapping)


async def _check_slug_free(conn: Any, user_id: str, slug: str) -> None:
    taken = await conn.fetch_val(select(sl.c.id).where(sl.c.owning_user_id == user_id, sl.c.slug == slug))
    if taken is not None:
        raise Conflict({"field": "slug", "reason": "the user has another listing with this slug"})


async def _point_at_active(conn: Any, listing_id: str, now: str) -> None:
    """The listing's active version: its APPROVED version reviewed last (the one just approved),
    or none when no version is APPROVED any more."""
    active = await conn.fetch_val(
        select(slv.c.id).where(slv.c.store_listing_id == listing_id, slv.c.submission_status == "APPROVED",
                               slv.c.is_deleted.is_(False))
        .order_by(slv.c.reviewed_at.desc(), slv.c.version.desc()).limit(1))
    await conn.execute(sl.update().where(sl.c.id == listing_id).values(
        active_version_id=active, has_approved_version=active is not None, updated_at=now))


def _with_slug() -> Any:
    return select(slv, sl.c.slug).select_from(slv.join(sl, sl.c.id == slv.c.store_listing_id))


def listing_version_view(row: Mapping[str, Any]) -> StoreListingVersion:
    return {"store_listing_version_id": row["id"], "store_listing_id": row["store_listing_id"],
            "graph_id": row["graph_id"], "graph_version": row["graph_version"], "version": row["version"],
            "slug": row["slug"], "name": row["name"], "sub_heading": row["sub_heading"],
            "description": row["description"], "categories": load(row["categories"]),
            "image_urls": load(row["image_urls"]), "video_url": row["video_url"],
            "submission_status": row["submission_status"], "changes_summary": row["changes_summary"],
            "submitted_at": row["submitted_at"], "reviewed_at": row["reviewed_at"],
            "review_comments": row["review_comments"]}
