"""create_graph's write: a new graph, or the next version of the caller's own, with its nodes and
links, in one transaction.

The user's row is locked first (FOR NO KEY UPDATE on PostgreSQL, which leaves foreign-key checks
of other tables free; SQLite's writer is already alone), so one user's versions of a graph are
numbered one after another even when made at once. Two users taking the same new graph id, or
the same new node id, at once: the second meets the unique key, and gets 1003 as it would have
a moment later.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import select

from daemon.domains.graphs.tables import graph_links, graph_nodes, graphs
from daemon.domains.graphs.types import Graph, Link, NewGraph, Node
from daemon.domains.graphs.views import graph_view
from daemon.domains.users.tables import users
from daemon.errors import Conflict, InvalidParams, NotFound
from daemon.storage.database import conflict_on_duplicate
from daemon.storage.sql import insert_rows

IDS_PER_QUERY = 500  # ids of one IN list: well inside both databases' limit on bound values


@dataclasses.dataclass(frozen=True)
class Draft:
    """The graph param, checked: every node has an id (given or new), and every link joins two
    of them. `fresh[i]` is an unused new id for node i, should its given id be taken."""
    graph: NewGraph
    ids: list[str]
    fresh: list[str]

    @property
    def given_ids(self) -> list[str]:
        return [node["id"] for node in self.graph["nodes"] if "id" in node]


def draft(graph: NewGraph) -> Draft:
    """-32602 for a node id given twice or a link to a node outside the graph."""
    fresh = [str(uuid.uuid4()) for _ in graph["nodes"]]
    ids = [node.get("id", new) for node, new in zip(graph["nodes"], fresh, strict=True)]
    given = [node["id"] for node in graph["nodes"] if "id" in node]
    if len(set(given)) != len(given):
        raise InvalidParams("graph", "node ids must differ", field="nodes.id")
    known = set(given)
    for link in graph["links"]:
        for field, node_id in (("links.source_id", link["source_id"]), ("links.sink_id", link["sink_id"])):
            if node_id not in known:
                raise InvalidParams("graph", f"no node of this graph has the id {node_id!r}", field=field)
    return Draft(graph, ids, fresh)


async def next_version(conn: Any, user_id: str, graph_id: str | None) -> int:
    """1 for a new graph id, else the next version of the caller's own graph; locks the user's
    row (1002 for an unknown user) and refuses another user's graph id (1003)."""
    if await conn.fetch_val(select(users.c.id).where(users.c.id == user_id).with_for_update(key_share=True)) is None:
        raise NotFound("user", user_id)
    if graph_id is None:
        return 1
    newest = await conn.fetch_one(select(graphs.c.user_id, graphs.c.version).where(graphs.c.id == graph_id)
                                  .order_by(graphs.c.version.desc()).limit(1))
    if newest is None:
        return 1
    if newest[0] != user_id:
        raise Conflict({"field": "graph.id", "reason": "the graph id is another user's"})
    return int(newest[1]) + 1


async def taken_node_ids(conn: Any, ids: Sequence[str]) -> set[str]:
    """Those of `ids` some node of any graph already has."""
    taken: set[str] = set()
    for start in range(0, len(ids), IDS_PER_QUERY):
        chunk = ids[start:start + IDS_PER_QUERY]
        taken.update(r[0] for r in await conn.fetch_all(select(graph_nodes.c.id).where(graph_nodes.c.id.in_(chunk))))
    return taken


async def insert_version(conn: Any, user_id: str, graph_id: str, version: int, plan: Draft, taken: set[str],
                         now: str) -> Graph:
    """Writes the version (the active one from now on), its nodes and its links; returns it."""
    if version > 1:
        await conn.execute(graphs.update().where(graphs.c.id == graph_id, graphs.c.is_active.is_(True))
                           .values(is_active=False, updated_at=now))
    row = _graph_row(plan.graph, user_id, graph_id, version, now)
    with conflict_on_duplicate({"field": "graph.id", "reason": "the graph id is another user's"}):
        await conn.execute(graphs.insert().values(**row))
    renamed = {old: (new if old in taken else old) for old, new in zip(plan.ids, plan.fresh, strict=True)}
    nodes = [_node(node, renamed[old], graph_id, version) for node, old in zip(plan.graph["nodes"], plan.ids, strict=True)]
    links = [_link(link, renamed, str(uuid.uuid4())) for link in plan.graph["links"]]
    with conflict_on_duplicate({"field": "graph.nodes.id", "reason": "a node id was taken at the same moment"}):
        await insert_rows(conn, graph_nodes, [_node_row(n, position) for position, n in enumerate(nodes)])
    await insert_rows(conn, graph_links, [_link_row(k, position) for position, k in enumerate(links)])
    return graph_view(row, nodes, links)


def new_graph_id() -> str:
    return str(uuid.uuid4())


def _graph_row(graph: NewGraph, user_id: str, graph_id: str, version: int, now: str) -> dict[str, Any]:
    return {"id": graph_id, "version": version, "user_id": user_id, "is_active": True,
            "name": graph.get("name"), "description": graph.get("description"),
            "instructions": graph.get("instructions"), "recommended_schedule_cron": graph.get("recommended_schedule_cron"),
            "forked_from_id": graph.get("forked_from_id"), "forked_from_version": graph.get("forked_from_version"),
            "created_at": now, "updated_at": None}


def _node(node: Any, node_id: str, graph_id: str, version: int) -> Node:
    return {"id": node_id, "block_id": node["block_id"], "input_default": node.get("input_default", {}),
            "metadata": node.get("metadata", {}), "input_links": [], "output_links": [], "graph_id": graph_id,
            "graph_version": version, "webhook_id": None, "webhook": None}


def _link(link: Any, renamed: dict[str, str], link_id: str) -> Link:
    return {"id": link_id, "source_id": renamed[link["source_id"]], "sink_id": renamed[link["sink_id"]],
            "source_name": link["source_name"], "sink_name": link["sink_name"], "is_static": link.get("is_static", False)}


def _node_row(node: Node, position: int) -> dict[str, Any]:
    return {"id": node["id"], "graph_id": node["graph_id"], "graph_version": node["graph_version"],
            "block_id": node["block_id"], "input_default": orjson.dumps(node["input_default"]).decode(),
            "metadata": orjson.dumps(node["metadata"]).decode(), "webhook_id": None, "position": position}


def _link_row(link: Link, position: int) -> dict[str, Any]:
    return {**link, "position": position}  # the table's columns are the Link's fields and its place

