"""Two users, and short ways to write a graph param."""

from typing import Any

import pytest

EXECUTOR = "e189baac-8c20-45a1-94a7-55177ea42565"
INPUT = "c0a8e994-ebf1-4a9c-a4d8-89d09c86741b"


@pytest.fixture
async def users(rpc):
    for user in ("ann", "bob"):
        await rpc.result("create_user", {"email": f"{user}@x.io", "user_id": user})
    return rpc


def node(node_id: str | None = None, block_id: str = "block", **fields: Any) -> dict[str, Any]:
    return {**({"id": node_id} if node_id else {}), "block_id": block_id, **fields}


def link(source: str, sink: str, source_name: str = "out", sink_name: str = "in", **fields: Any) -> dict[str, Any]:
    return {"source_id": source, "sink_id": sink, "source_name": source_name, "sink_name": sink_name, **fields}


def chain(*ids: str, graph_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """A graph of nodes joined one after another."""
    return {**({"id": graph_id} if graph_id else {}), "nodes": [node(i) for i in ids],
            "links": [link(a, b) for a, b in zip(ids, ids[1:], strict=False)], **fields}


def executor(node_id: str, graph_id: str, version: int) -> dict[str, Any]:
    return node(node_id, EXECUTOR, input_default={"graph_id": graph_id, "graph_version": version})
