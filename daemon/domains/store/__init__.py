"""The store domain: creators' profiles, listings and their reviewed versions, and search over
the approved ones (docs/STORE.md)."""

from daemon.context import Context
from daemon.domains.store.embedding.embedder import make_embedder
from daemon.domains.store.embedding.maintenance import (
    backfill_missing_embeddings,
    cleanup_orphaned_embeddings,
    get_embedding_stats,
)
from daemon.domains.store.embedding.worker import EMBEDDER, WORKER, EmbedWorker
from daemon.domains.store.profiles import create_or_update_profile
from daemon.domains.store.reads import get_store_agent_details, get_store_agents
from daemon.domains.store.submissions import create_store_submission, review_store_submission
from daemon.domains.store.tables import (
    SEARCH_FTS,
    SEARCH_INDEX,
    content_embeddings,
    profiles,
    store_listing_reviews,
    store_listing_versions,
    store_listings,
)
from daemon.rpc.registry import Domain


async def start(ctx: Context) -> None:
    """The embedder (its model loads only when first used) and the worker that embeds approved
    versions in the background, starting with those that still lack a vector."""
    ctx.state.set(EMBEDDER, make_embedder(ctx.settings))
    worker = EmbedWorker(ctx)
    worker.start()
    ctx.state.set(WORKER, worker)


async def stop(ctx: Context) -> None:
    worker = ctx.state.pop(WORKER)
    if worker is not None:
        await worker.stop()


DOMAIN = Domain(
    "store", "the store: profiles, listings, submissions and their review, and search over approved agents",
    methods=(create_or_update_profile, create_store_submission, review_store_submission, get_store_agents,
             get_store_agent_details, get_embedding_stats, backfill_missing_embeddings, cleanup_orphaned_embeddings),
    tables=(profiles, store_listings, store_listing_versions, store_listing_reviews, content_embeddings),
    start=start, stop=stop, unmodelled=(SEARCH_INDEX, SEARCH_FTS),
)
