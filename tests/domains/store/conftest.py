"""A store built through the public methods: users, their graphs, submissions and reviews."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import Rpc


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


@pytest.fixture
async def store(rpc: Rpc) -> Store:
    """ann and bob, and ann's graph `g` at version 1."""
    made = Store(rpc)
    for user in ("ann", "bob"):
        await made.user(user)
    await made.graph("ann", "g")
    return made
