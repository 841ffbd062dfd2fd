"""Embedding approved listing versions in the background: after the approval's commit, off the
call, retried with back-off; at start, every APPROVED version that lacks a vector."""

from __future__ import annotations

from daemon.context import Context, StateKey


class EmbedWorker:
    """Placeholder until the embedder lands: approvals are recorded, nothing is embedded."""

    def wake(self) -> None:
        pass


WORKER = StateKey[EmbedWorker]("store.embed_worker")


def approved_for_embedding(ctx: Context, store_listing_version_id: str) -> None:
    """Tells the worker (when the daemon runs one) that a version was approved."""
    worker = ctx.state.get(WORKER)
    if worker is not None:
        worker.wake()
