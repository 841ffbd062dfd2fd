"""Public graphs (API.md, "Public graphs"): a graph with an APPROVED version of a live store
listing is readable by every user. The store's tables come with the store domain (a later
issue); until then no graph is public, and this is the one function it fills in."""

from __future__ import annotations

from typing import Any


async def approved_version(conn: Any, graph_id: str, version: int | None) -> int | None:
    """The graph version a live store listing has APPROVED (`version` if given, else the highest
    one), or None: the seed's fallback when the caller does not own the graph."""
    return None
