"""Embedding approved listing versions in the background: after the approval's commit, off the
call, retried with back-off; at start, and whenever woken, every APPROVED version that lacks a
vector of the current model (so a daemon that restarts, or a change of model, catches up).

Several daemons sharing a database may embed the same version at once: the upsert makes that
harmless. An approval never waits for any of this."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from daemon.clock import now_rfc3339
from daemon.context import Context, StateKey
from daemon.domains.store.embedding.embedder import Embedder
from daemon.domains.store.embedding.vectors import PublicVectors, lacking_vectors, store_vectors
from daemon.storage.sql import load

log = logging.getLogger(__name__)

EMBED_BATCH = 16  # versions per embedding call
RETRY_FIRST_S, RETRY_MAX_S = 1.0, 60.0
STOP_GRACE_S = 5.0  # stop lets a pass under way finish this long (a query cancelled mid-way on
# aiosqlite's thread would answer into a closed loop), then cancels it


class EmbedWorker:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.embedded = 0  # versions embedded since start (for tests and logs)

    def start(self) -> None:
        self._wake.set()  # the first pass: versions approved while no daemon was embedding
        self._task = asyncio.create_task(self._run(), name="store-embed-worker")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Ends the worker after the pass under way (at most STOP_GRACE_S), safe to call twice."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait({task}, timeout=STOP_GRACE_S)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        delay = RETRY_FIRST_S
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            try:
                while not self._stopping and await self.embed_pending(EMBED_BATCH):
                    pass
                delay = RETRY_FIRST_S
            except Exception as exc:  # the model or the database failed: try again later
                log.warning("embedding approved store versions failed (%s); retrying in %.0f s",
                            type(exc).__name__, delay)
                await self._pause(delay)
                delay = min(delay * 2, RETRY_MAX_S)
                self._wake.set()

    async def _pause(self, seconds: float) -> None:
        """The back-off, cut short by stop (which sets the wake event)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def embed_pending(self, limit: int) -> int:
        """Embeds up to `limit` approved versions lacking a vector; how many it embedded."""
        embedder = embedder_of(self.ctx)
        versions = await pending_versions(self.ctx, embedder.model, limit)
        if not versions:
            return 0
        await embed_versions(self.ctx, embedder, versions)
        self.embedded += len(versions)
        return len(versions)


async def pending_versions(ctx: Context, model: str, limit: int) -> list[dict[str, Any]]:
    async with ctx.db.session() as conn:
        rows = await conn.fetch_all(lacking_vectors(model).limit(limit))
    return [{**row._mapping, "categories": load(row._mapping["categories"])} for row in rows]


async def embed_versions(ctx: Context, embedder: Embedder, versions: list[dict[str, Any]]) -> None:
    """Embeds the versions (off the event loop) and stores their vectors in one transaction."""
    vectors = await embedder.embed([v["search_text"] for v in versions])
    async with ctx.db.write() as conn:
        await store_vectors(conn, ctx.db.kind, versions, vectors, embedder.model, now_rfc3339())


WORKER = StateKey[EmbedWorker]("store.embed_worker")
EMBEDDER = StateKey[Embedder]("store.embedder")
VECTORS = StateKey[PublicVectors]("store.vectors")


def embedder_of(ctx: Context) -> Embedder:
    embedder = ctx.state.get(EMBEDDER)
    assert embedder is not None, "the store domain's start hook sets the embedder"
    return embedder


def public_vectors(ctx: Context) -> PublicVectors:
    """This process's copy of the public vectors of the current model (a new copy when the
    embedder changed)."""
    model = embedder_of(ctx).model
    held = ctx.state.get(VECTORS)
    if held is None or held.model != model:
        held = PublicVectors(model)
        ctx.state.set(VECTORS, held)
    return held


def approved_for_embedding(ctx: Context, store_listing_version_id: str) -> None:
    """Tells the worker (when the daemon runs one) that a version was approved: it embeds it soon."""
    worker = ctx.state.get(WORKER)
    if worker is not None:
        worker.wake()
