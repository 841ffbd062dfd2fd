"""A library built through the public methods: ann (a creator with a profile) owns graphs g and h,
g listed in the store and approved; bob is a user with an empty library."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from daemon.domains.graphs.tables import library_agents
from tests.support import Rpc


class Library:
    def __init__(self, rpc: Rpc):
        self.rpc = rpc

    async def graph(self, graph_id: str, name: str, description: str = "", user_id: str = "ann") -> dict[str, Any]:
        graph: dict[str, Any] = await self.rpc.result("create_graph", {"user_id": user_id, "graph": {
            "id": graph_id, "name": name, "description": description, "nodes": [], "links": []}})
        return graph

    async def listed(self, graph_id: str, version: int = 1, approve: bool = True) -> str:
        """A store submission of ann's graph version, approved unless told; its version id."""
        submitted = await self.rpc.result("create_store_submission", {
            "user_id": "ann", "graph_id": graph_id, "graph_version": version, "slug": f"{graph_id}-agent",
            "name": f"{graph_id} in the store", "sub_heading": "h", "description": "d"})
        version_id: str = submitted["store_listing_version_id"]
        if approve:
            await self.rpc.result("review_store_submission", {"store_listing_version_id": version_id,
                                                              "is_approved": True, "reviewer_id": "admin"})
        return version_id

    async def names(self, user_id: str = "ann", **params: Any) -> list[str]:
        page = await self.rpc.result("list_library_agents", {"user_id": user_id, **params})
        return [agent["name"] for agent in page["agents"]]

    async def run(self, graph_id: str, status: str, stats: Any = None, user_id: str = "ann") -> str:
        """An execution of the graph moved to `status` through the transition table."""
        run = await self.rpc.result("create_graph_execution", {"graph_id": graph_id, "graph_version": 1,
                                                               "user_id": user_id, "inputs": {},
                                                               "starting_nodes_input": []})
        path = {"QUEUED": ["QUEUED"], "RUNNING": ["RUNNING"], "COMPLETED": ["RUNNING", "COMPLETED"],
                "FAILED": ["FAILED"], "TERMINATED": ["TERMINATED"]}[status]
        if status == "COMPLETED":
            await self.rpc.result("update_graph_execution_start_time", [run["id"]])
            path = ["COMPLETED"]
        for step in path:
            await self.rpc.result("update_graph_execution_stats", [run["id"], step])
        if stats is not None:
            await self.rpc.result("update_graph_execution_stats", {"graph_exec_id": run["id"], "stats": stats})
        return str(run["id"])

    async def drop(self, user_id: str, graph_id: str, **flags: bool) -> None:
        """Deletes or archives an entry (no method does yet: the seed's UI did)."""
        async with self.rpc.services.db.write() as conn:
            await conn.execute(update(library_agents).where(library_agents.c.user_id == user_id,
                                                            library_agents.c.graph_id == graph_id).values(**flags))


@pytest.fixture
async def library(rpc: Rpc) -> Library:
    made = Library(rpc)
    for user in ("ann", "bob"):
        await rpc.result("create_user", {"email": f"{user}@x.io", "user_id": user})
    await rpc.result("create_or_update_profile", {"user_id": "ann", "username": "ann-makes", "name": "Ann Maker",
                                                  "avatar_url": "https://img/ann.png"})
    await made.graph("g", "Weather Bot", "tells the weather")
    await made.graph("h", "Mailer", "sends 100% of mail_x")
    return made
