"""A store built through the public methods: users, their graphs, submissions and reviews."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from daemon.domains.store.embedding.embedder import unit
from daemon.domains.store.embedding.worker import EMBEDDER, WORKER
from tests.support import Rpc


class WordsEmbedder:
    """A test double of our Embedder interface: a bag of hashed words, so texts that share words
    are near. No model loads; vectors are unit length as the real ones are."""
    model = "test-words"
    dimensions = 1024

    async def embed(self, texts: Sequence[str]) -> Any:
        return np.vstack([self.vector(text) for text in texts])

    def vector(self, text: str) -> Any:
        counts = np.zeros(self.dimensions, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            counts[int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "big") % self.dimensions] += 1
        return unit(counts[None, :])[0]


class FailingEmbedder:
    """An Embedder that always fails, as a model that cannot load or a service that is down."""
    model = "test-words"  # the same model: what is stored stays current, only new embeddings fail

    def __init__(self) -> None:
        self.calls = 0

    async def embed(self, texts: Sequence[str]) -> Any:
        self.calls += 1
        raise RuntimeError("the embedder is down")


class Store:
    """Short ways to make what the store's tests start from."""

    def __init__(self, rpc: Rpc):
        self.rpc = rpc

    async def user(self, user_id: str) -> None:
        await self.rpc.result("create_user", {"email": f"{user_id}@x.io", "user_id": user_id})

    async def graph(self, user_id: str, graph_id: str, versions: int = 1) -> None:
        """The graph at versions 1..n, each one starting node `<graph_id>-v<n>`."""
        for v in range(1, versions + 1):
            await self.rpc.result("create_graph", {"user_id": user_id, "graph": {
                "id": graph_id, "name": f"{graph_id} v{v}",
                "nodes": [{"id": f"{graph_id}-v{v}", "block_id": "block"}], "links": []}})

    async def submit(self, user_id: str, graph_id: str, version: int = 1, slug: str | None = None,
                     **fields: Any) -> dict[str, Any]:
        params = {"user_id": user_id, "graph_id": graph_id, "graph_version": version, "slug": slug or graph_id,
                  "name": fields.pop("name", graph_id.title()), "sub_heading": fields.pop("sub_heading", "a heading"),
                  "description": fields.pop("description", "what it does"), **fields}
        result: dict[str, Any] = await self.rpc.result("create_store_submission", params)
        return result

    async def review(self, version_id: str, approve: bool = True, comments: str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = await self.rpc.result("review_store_submission", {
            "store_listing_version_id": version_id, "is_approved": approve, "reviewer_id": "admin",
            **({"comments": comments} if comments is not None else {})})
        return result

    async def listed(self, user_id: str, graph_id: str, version: int = 1, **fields: Any) -> dict[str, Any]:
        """A submission of the graph version, approved."""
        return await self.review((await self.submit(user_id, graph_id, version, **fields))["store_listing_version_id"])


    def use(self, embedder: Any) -> None:
        self.rpc.services.state.set(EMBEDDER, embedder)

    async def stop_worker(self) -> None:
        """No background embedding from here on: what a test embeds, it embeds itself."""
        worker = self.rpc.services.state.pop(WORKER)
        assert worker is not None
        await worker.stop()

    async def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = (await self.rpc.result("get_embedding_stats"))["by_type"]["STORE_AGENT"]
        return result

    async def embedded(self, count: int) -> None:
        """Waits (up to 20 s) until the worker has given `count` approved versions their vector."""
        for _ in range(200):
            if (await self.stats())["with_embeddings"] == count:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"not embedded: {await self.stats()}")


@pytest.fixture
async def store(rpc: Rpc) -> Store:
    """ann and bob, and ann's graph `g` at version 1; embeddings by WordsEmbedder."""
    made = Store(rpc)
    made.use(WordsEmbedder())
    for user in ("ann", "bob"):
        await made.user(user)
    await made.graph("ann", "g")
    return made
