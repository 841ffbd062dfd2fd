"""The default embedder: all-MiniLM-L6-v2 run with numpy from the packaged weights. Its vectors
against the model's reference, search quality on a fixed catalogue (tests/domains/store/catalogue.py),
and how it loads: once, lazily, in a worker thread, never blocking other calls.

Loading the real model costs CPU: only the quality test (one daemon per database) uses it."""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from daemon.domains.store.embedding.embedder import LocalEmbedder
from daemon.domains.store.embedding.minilm import MiniLM, model_dir
from daemon.domains.store.embedding.worker import EMBEDDER
from tests.domains.store.catalogue import LISTINGS, QUERIES
from tests.domains.store.conftest import Store, WordsEmbedder

# sentence-transformers' usage example for all-MiniLM-L6-v2: the first values of the embedding of
# "This is an example sentence"
REFERENCE = [0.0677, 0.0635, 0.0487, 0.0793, 0.0374, 0.0027, 0.0394, -0.0071]


@pytest.fixture(scope="module")
def minilm() -> MiniLM:
    return MiniLM(model_dir())


def test_the_vectors_are_the_models(minilm):
    vector = minilm.encode(["This is an example sentence"])[0]
    assert vector.shape == (384,) and vector.dtype == np.float32
    assert np.allclose(vector[:8], REFERENCE, atol=1e-4)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_similar_sentences_are_nearer_than_unrelated_ones(minilm):
    food, bread, horse = minilm.encode(["A man is eating food.", "A man is eating a piece of bread.",
                                        "A man is riding a horse."])
    assert float(food @ bread) > 0.7 > 0.3 > float(bread @ horse)
    # padding does not change a sentence's vector: alone or beside a longer one, the same
    alone = minilm.encode(["A man is eating food."])[0]
    assert np.allclose(alone, food, atol=1e-5)


async def test_search_by_meaning_finds_the_listing_on_the_fixed_catalogue(rpc):
    """Each query describes one listing in other words. The model alone ranks every one in the
    top 3; hybrid search keeps the seed's 0.20 threshold, which drops a match whose cosine is
    under 1/3 when no word, category or run count adds to it."""
    embedder = rpc.services.state.get(EMBEDDER)
    assert isinstance(embedder, LocalEmbedder) and not embedder.loaded  # a daemon that never embedded
    store = Store(rpc)
    await store.stop_worker()  # the catalogue is embedded in one batch below, not one approval at a time
    await store.user("ann")
    for slug, name, sub_heading, description, categories in LISTINGS:
        await store.graph("ann", slug)
        await store.listed("ann", slug, slug=slug, name=name, sub_heading=sub_heading, description=description,
                           categories=categories)
    assert not embedder.loaded
    assert (await rpc.result("backfill_missing_embeddings", [len(LISTINGS)]))["success"] == len(LISTINGS)
    assert embedder.loaded
    hybrid = [await _rank(rpc, query, slug) for query, slug in QUERIES]
    semantic = await _semantic_ranks(rpc, embedder)
    hits, semantic_hits = sum(r <= 3 for r in hybrid), sum(r <= 3 for r in semantic)
    print(f"search quality: hybrid top-3 {hits}/{len(QUERIES)}, meaning alone {semantic_hits}/{len(QUERIES)}")
    assert semantic_hits == len(QUERIES)
    assert hits >= 15, list(zip(QUERIES, hybrid, strict=True))


async def _rank(rpc, query: str, slug: str) -> int:
    """Where the listing comes in the search's first page (99: not on it)."""
    found = await rpc.result("get_store_agents", {"search_query": query})
    slugs = [a["slug"] for a in found["agents"]]
    return slugs.index(slug) + 1 if slug in slugs else 99


async def _semantic_ranks(rpc, embedder: LocalEmbedder) -> list[int]:
    """Where each query's listing comes by cosine similarity alone, over the stored vectors."""
    from daemon.domains.store.embedding.worker import public_vectors
    vectors = public_vectors(rpc.services)
    async with rpc.services.db.session() as conn:
        await vectors.refresh(conn)
        slugs = {r[0]: r[1] for r in await conn.fetch_all(
            "SELECT v.id, l.slug FROM store_listing_versions v JOIN store_listings l ON l.id = v.store_listing_id")}
    ranks = []
    for (_, slug), query_vector in zip(QUERIES, await embedder.embed([q for q, _ in QUERIES]), strict=True):
        similarities = vectors.similarities(query_vector)
        order = [slugs[vid] for vid in sorted(similarities, key=lambda vid: -similarities[vid])]
        ranks.append(order.index(slug) + 1)
    return ranks


class GatedEmbedder(LocalEmbedder):
    """The local embedder's own threading with a stand-in model that waits for a gate: while it
    waits, the event loop must stay free."""

    def __init__(self) -> None:
        super().__init__()
        self.gate, self.entered = threading.Event(), threading.Event()

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.entered.set()
        assert self.gate.wait(20)
        return np.asarray(asyncio.run(WordsEmbedder().embed(texts)))


async def test_a_search_never_blocks_other_calls_while_it_embeds(sqlite_rpc):
    gated = GatedEmbedder()
    sqlite_rpc.services.state.set(EMBEDDER, gated)
    search = asyncio.create_task(sqlite_rpc.result("get_store_agents", {"search_query": "anything"}))
    await asyncio.to_thread(gated.entered.wait, 20)
    assert await sqlite_rpc.result("ping") == "pong"  # answered while the search's embedding runs
    assert not search.done()
    gated.gate.set()
    assert (await search)["agents"] == []
