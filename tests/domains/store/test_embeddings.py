"""Embeddings of approved versions: the background worker (after approval, retried, catching up
at start), get_embedding_stats, backfill_missing_embeddings and cleanup_orphaned_embeddings."""

from typing import Any

from daemon.domains.store.embedding.worker import WORKER, EmbedWorker
from daemon.domains.store.tables import content_embeddings
from tests.domains.store.conftest import FailingEmbedder, WordsEmbedder

ZEROS = {"total": 0, "with_embeddings": 0, "without_embeddings": 0, "coverage_percent": 0.0}


async def _vectors(store) -> list[dict[str, Any]]:
    async with store.rpc.services.db.session() as conn:
        return [dict(r._mapping) for r in await conn.fetch_all(content_embeddings.select())]


async def _approved(store, count: int) -> list[str]:
    ids = []
    for n in range(count):
        await store.graph("ann", f"g{n}")
        ids.append((await store.listed("ann", f"g{n}", name=f"Agent {n}"))["store_listing_version_id"])
    return ids


async def test_an_approved_version_is_embedded_in_the_background(store):
    (version_id,) = await _approved(store, 1)
    await store.embedded(1)
    (row,) = await _vectors(store)
    assert (row["content_type"], row["content_id"], row["user_id"], row["model"], row["dimensions"]) == (
        "STORE_AGENT", version_id, "", "test-words", 1024)
    assert len(row["embedding"]) == 4 * 1024 and row["searchable_text"] == "Agent 0 a heading what it does"
    stats = await store.rpc.result("get_embedding_stats")
    assert stats == {"by_type": {"STORE_AGENT": {"total": 1, "with_embeddings": 1, "without_embeddings": 0,
                                                 "coverage_percent": 100.0},
                                 "BLOCK": ZEROS, "DOCUMENTATION": ZEROS},
                     "totals": {"total": 1, "with_embeddings": 1, "without_embeddings": 0, "coverage_percent": 100.0}}


async def test_a_pending_version_is_not_embedded_nor_counted(store):
    await store.submit("ann", "g")
    assert await store.stats() == ZEROS
    assert await _vectors(store) == []


async def test_backfill_embeds_what_lacks_a_vector_a_batch_at_a_time(store):
    await store.stop_worker()
    await _approved(store, 3)
    assert await store.stats() == {"total": 3, "with_embeddings": 0, "without_embeddings": 3,
                                   "coverage_percent": 0.0}
    first = await store.rpc.result("backfill_missing_embeddings", {"batch_size": 2})
    assert first == {"processed": 2, "success": 2, "failed": 0, "message": "Overall: 2 succeeded, 0 failed"}
    assert (await store.stats())["coverage_percent"] == 66.7
    assert (await store.rpc.result("backfill_missing_embeddings"))["processed"] == 1
    assert (await store.rpc.result("backfill_missing_embeddings"))["processed"] == 0
    assert len(await _vectors(store)) == 3


async def test_backfill_counts_what_the_embedder_failed_and_writes_nothing(store):
    await store.stop_worker()
    await _approved(store, 2)
    store.use(FailingEmbedder())
    failed = await store.rpc.result("backfill_missing_embeddings", [10])
    assert failed == {"processed": 2, "success": 0, "failed": 2, "message": "Overall: 0 succeeded, 2 failed"}
    assert await _vectors(store) == []


async def test_cleanup_deletes_the_vectors_of_versions_no_longer_shown(store):
    ids = await _approved(store, 2)
    await store.embedded(2)
    await store.review(ids[0], approve=False)
    cleaned = await store.rpc.result("cleanup_orphaned_embeddings")
    assert cleaned["by_type"]["STORE_AGENT"] == {"deleted": 1, "message": "Deleted 1 orphaned embeddings"}
    assert cleaned["by_type"]["BLOCK"]["deleted"] == cleaned["by_type"]["DOCUMENTATION"]["deleted"] == 0
    assert cleaned["totals"]["deleted"] == 1
    assert [r["content_id"] for r in await _vectors(store)] == [ids[1]]
    assert (await store.rpc.result("cleanup_orphaned_embeddings"))["totals"]["deleted"] == 0


async def test_the_worker_retries_until_the_embedder_works(store):
    failing = FailingEmbedder()
    store.use(failing)
    await _approved(store, 1)
    while failing.calls == 0:
        await store.rpc.result("ping")  # the worker's first try, which fails
    assert await _vectors(store) == []
    store.use(WordsEmbedder())
    await store.embedded(1)  # its retry, after the back-off


async def test_a_worker_that_starts_embeds_what_was_approved_while_none_ran(store):
    """As a daemon restarted after approvals it never embedded: it catches up at start."""
    await store.stop_worker()
    await _approved(store, 2)
    worker = EmbedWorker(store.rpc.services)
    worker.start()
    store.rpc.services.state.set(WORKER, worker)  # stopped with the daemon
    await store.embedded(2)
    assert worker.embedded == 2


async def test_a_search_sees_a_version_embedded_after_an_earlier_search(store):
    """The in-memory vectors follow the table: an approval after a search is found by the next."""
    await _approved(store, 1)
    await store.embedded(1)
    first = await store.rpc.result("get_store_agents", {"search_query": "Agent 0 heading"})
    assert [a["agent_name"] for a in first["agents"]] == ["Agent 0"]
    await store.graph("ann", "late")
    await store.listed("ann", "late", name="Zebra Keeper", description="feeds zebras")
    await store.embedded(2)
    found = await store.rpc.result("get_store_agents", {"search_query": "zebra keeper feeds zebras"})
    assert found["agents"][0]["agent_name"] == "Zebra Keeper"
