"""The seed's embedding maintenance methods, for STORE_AGENT (no block registry or docs exist
here: BLOCK and DOCUMENTATION report zeros, API.md Clarifications)."""

from __future__ import annotations

import logging
from typing import Annotated

from sqlalchemy import func, select

from daemon.context import Context
from daemon.domains.store.embedding.vectors import (
    PUBLIC,
    STORE_AGENT,
    approved_versions,
    ce,
    slv,
    versions_and_listings,
)
from daemon.domains.store.embedding.worker import embed_versions, embedder_of, pending_versions, public_vectors
from daemon.domains.store.types import BackfillResult, BatchSize, CleanupResult, EmbeddingStats, TypeCleanup, TypeStats
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc

log = logging.getLogger(__name__)
OTHER_TYPES = ("BLOCK", "DOCUMENTATION")


@rpc_method(retry="safe")
async def get_embedding_stats(ctx: Context) -> EmbeddingStats:
    """How many approved store versions have a vector of the current model, and how many lack one."""
    model = embedder_of(ctx).model
    has = select(ce.c.id).where(ce.c.content_type == STORE_AGENT, ce.c.content_id == slv.c.id,
                                ce.c.user_id == PUBLIC, ce.c.model == model).exists()
    query = (select(func.count(), func.count().filter(has)).select_from(versions_and_listings())
             .where(approved_versions()))
    async with ctx.db.session() as conn:
        row = await conn.fetch_one(query)
    total, with_embeddings = (int(row[0]), int(row[1])) if row is not None else (0, 0)
    store = _stats(total, with_embeddings)
    return {"by_type": {STORE_AGENT: store, **{kind: _stats(0, 0) for kind in OTHER_TYPES}}, "totals": _stats(
        total, with_embeddings)}


def _stats(total: int, with_embeddings: int) -> TypeStats:
    coverage = round(100 * with_embeddings / total, 1) if total else 0.0
    return {"total": total, "with_embeddings": with_embeddings, "without_embeddings": total - with_embeddings,
            "coverage_percent": coverage}


@rpc_method(retry="safe")
async def backfill_missing_embeddings(
        ctx: Context, batch_size: Annotated[BatchSize, Doc("approved versions embedded at most, this call")] = 10,
) -> BackfillResult:
    """Embeds up to batch_size approved store versions that lack a vector; says how many succeeded.

    A batch the embedder fails on counts as failed (nothing is written for it); the call itself
    does not fail."""
    embedder = embedder_of(ctx)
    versions = await pending_versions(ctx, embedder.model, batch_size)
    success = 0
    if versions:
        try:
            await embed_versions(ctx, embedder, versions)
            success = len(versions)
        except Exception as exc:
            log.warning("backfill: the embedder failed (%s)", type(exc).__name__)
    failed = len(versions) - success
    return {"processed": len(versions), "success": success, "failed": failed,
            "message": f"Overall: {success} succeeded, {failed} failed"}


@rpc_method(retry="safe")
async def cleanup_orphaned_embeddings(ctx: Context) -> CleanupResult:
    """Deletes store vectors whose version is no longer shown (not APPROVED, deleted, or gone); says how many."""
    shown = select(slv.c.id).select_from(versions_and_listings()).where(approved_versions())
    async with ctx.db.write() as conn:
        deleted = await conn.fetch_val(select(func.count()).select_from(ce).where(
            ce.c.content_type == STORE_AGENT, ce.c.content_id.not_in(shown)))
        await conn.execute(ce.delete().where(ce.c.content_type == STORE_AGENT, ce.c.content_id.not_in(shown)))
    public_vectors(ctx).forget()
    store: TypeCleanup = {"deleted": int(deleted), "message": f"Deleted {deleted} orphaned embeddings"}
    others: dict[str, TypeCleanup] = {kind: {"deleted": 0, "message": "Nothing to clean: no such content here"}
                                      for kind in OTHER_TYPES}
    return {"by_type": {STORE_AGENT: store, **others},
            "totals": {"deleted": int(deleted), "message": f"Deleted {deleted} orphaned embeddings in total"}}
