"""Fixtures for the reviews domain: the executions domain's world (alice owns graph g, bob owns
graph h), and WAITING reviews of its node executions, opened through the method itself."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import select

from daemon.domains.reviews.tables import human_reviews
from tests.domains.executions.conftest import World, events, make_world, table_rows


@dataclasses.dataclass
class Reviews:
    world: World

    @property
    def rpc(self) -> Any:
        return self.world.rpc

    async def open(self, user_id: str = "alice", editable: bool = True, data: Any = None, message: str = "check it",
                   run: dict[str, Any] | None = None) -> dict[str, Any]:
        """A WAITING review of a node execution of a new (or the given) graph execution of the
        user's: the params that opened it, and the node execution's node_id."""
        if run is None:
            starts = [["n-work", {"a": 1}]] if user_id == "alice" else [["h-work", {"a": 1}]]
            run = await self.world.run(starts, user_id=user_id, graph_id="g" if user_id == "alice" else "h")
        node = run["node_executions"][0]
        params = {"user_id": user_id, "node_exec_id": node["node_exec_id"], "graph_exec_id": run["id"],
                  "graph_id": run["graph_id"], "graph_version": 1,
                  "input_data": {"to": "x@y.z", "n": 1} if data is None else data, "message": message,
                  "editable": editable}
        assert await self.rpc.result("get_or_create_human_review", params) is None
        return {**params, "node_id": node["node_id"]}

    async def decide(self, review: dict[str, Any], status: str = "APPROVED", **extra: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.rpc.result("review_human_review", {
            "user_id": review["user_id"], "node_exec_id": review["node_exec_id"], "status": status, **extra})
        return result

    async def row(self, node_exec_id: str) -> dict[str, Any] | None:
        async with self.rpc.services.db.session() as conn:
            found = await conn.fetch_one(select(human_reviews).where(human_reviews.c.node_exec_id == node_exec_id))
        return None if found is None else dict(found._mapping)

    async def rows(self) -> list[dict[str, Any]]:
        return await table_rows(self.rpc, human_reviews, human_reviews.c.node_exec_id)

    async def events(self) -> list[dict[str, Any]]:
        return await events(self.rpc)


@pytest.fixture
async def reviews(rpc: Any) -> Reviews:
    """alice owns graph g (nodes n-in, n-work, n-out), bob graph h (node h-work)."""
    return Reviews(await make_world(rpc))
