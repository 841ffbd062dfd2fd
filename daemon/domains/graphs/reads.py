"""Reading graphs. A graph comes with its nodes and links in one query (graph ⟕ nodes ⟕ the
links out of each node: inside a graph, the links out of its nodes are all its links); a node
with the links into and out of it in one; sub-graphs one query per level of nesting."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, Subquery, and_, or_, select, tuple_

from daemon.domains.graphs.tables import AGENT_EXECUTOR_BLOCK, graph_links, graph_nodes, graphs
from daemon.domains.graphs.types import Graph, Link, Node
from daemon.domains.graphs.views import graph_view, link_view, node_view, with_links

T = TypeVar("T")
MAX_VERSION = 2**31 - 1  # an INTEGER column: a larger number is no version, and PostgreSQL refuses to compare it

_nodes = graph_nodes.alias("n")
_links = graph_links.alias("l")
_NODE_COLUMNS = (_nodes.c.id.label("node_id"), _nodes.c.block_id, _nodes.c.input_default,
                 _nodes.c.metadata.label("node_metadata"), _nodes.c.webhook_id,
                 _nodes.c.graph_id.label("node_graph_id"), _nodes.c.graph_version.label("node_graph_version"),
                 _nodes.c.position.label("node_position"))
_LINK_COLUMNS = (_links.c.id.label("link_id"), _links.c.source_id, _links.c.sink_id, _links.c.source_name,
                 _links.c.sink_name, _links.c.is_static, _links.c.position.label("link_position"))


def newest(*where: ColumnElement[bool]) -> Subquery:
    """The highest version matching `where` (the seed's order by version desc, take one)."""
    return select(graphs).where(*where).order_by(graphs.c.version.desc()).limit(1).subquery("g")


async def graphs_with_nodes(conn: Any, chosen: Subquery) -> list[Graph]:
    """The graphs `chosen` selects, each with its nodes and links, in the order first met."""
    query: Select[Any] = (
        select(chosen, *_NODE_COLUMNS, *_LINK_COLUMNS)
        .select_from(chosen.outerjoin(_nodes, and_(_nodes.c.graph_id == chosen.c.id,
                                                   _nodes.c.graph_version == chosen.c.version))
                     .outerjoin(_links, _links.c.source_id == _nodes.c.id)))
    parts: dict[tuple[str, int], tuple[Any, dict[str, tuple[int, Node]], dict[str, tuple[int, Link]]]] = {}
    for row in await conn.fetch_all(query):
        m = row._mapping
        _, nodes, links = parts.setdefault((m["id"], m["version"]), (m, {}, {}))
        if m["node_id"] is not None and m["node_id"] not in nodes:
            nodes[m["node_id"]] = (m["node_position"], node_view(m))
        if m["link_id"] is not None:
            links[m["link_id"]] = (m["link_position"], link_view(m))
    return [graph_view(m, _in_place(nodes), _in_place(links)) for m, nodes, links in parts.values()]


def _in_place(items: dict[str, tuple[int, T]]) -> list[T]:
    """The items in the order create_graph was given them."""
    return [item for _, item in sorted(items.values(), key=lambda pair: pair[0])]


async def node_with_links(conn: Any, node_id: str) -> Node | None:
    rows = await conn.fetch_all(_with_own_links(select(*_NODE_COLUMNS, *_LINK_COLUMNS), _nodes)
                                .where(_nodes.c.id == node_id))
    return _linked_node([row._mapping for row in rows]) if rows else None


async def connected_outputs(conn: Any, node_id: str) -> list[tuple[Link, Node]]:
    """Each link out of the node, with the node it leads into (holding its own links)."""
    via = graph_links.alias("via")
    query = _with_own_links(select(*(c.label(f"via_{c.name}") for c in via.c), *_NODE_COLUMNS, *_LINK_COLUMNS),
                            via.join(_nodes, _nodes.c.id == via.c.sink_id)).where(via.c.source_id == node_id)
    groups: dict[str, list[Any]] = {}
    for row in await conn.fetch_all(query):
        groups.setdefault(row._mapping["via_id"], []).append(row._mapping)
    ordered = sorted(groups.values(), key=lambda rows: rows[0]["via_position"])
    return [(_via_link(rows[0]), _linked_node(rows)) for rows in ordered]


async def sub_graphs(conn: Any, root: Graph) -> list[Graph]:
    """The graphs AgentExecutorBlock nodes run (their input_default's graph_id and graph_version),
    breadth-first, owned by the root's owner only; each graph id once, the root's never (which
    also ends cycles). Within a level, in the order the nodes refer to them."""
    seen, found, level = {root["id"]}, [], [root]
    while refs := _executor_refs(level, seen):
        chosen = select(graphs).where(tuple_(graphs.c.id, graphs.c.version).in_(refs),
                                      graphs.c.user_id == root["user_id"]).subquery("g")
        loaded = {(g["id"], g["version"]): g for g in await graphs_with_nodes(conn, chosen)}
        level = []
        for ref in refs:
            graph = loaded.get(ref)
            if graph is not None and graph["id"] not in seen:
                seen.add(graph["id"])
                level.append(graph)
        found += level
    return found


def _executor_refs(level: Sequence[Graph], seen: set[str]) -> list[tuple[str, int]]:
    refs: list[tuple[str, int]] = []
    for graph in level:
        for node in graph["nodes"]:
            ref = _executor_ref(node) if node["block_id"] == AGENT_EXECUTOR_BLOCK else None
            if ref is not None and ref[0] not in seen and ref not in refs:
                refs.append(ref)
    return refs


def _executor_ref(node: Node) -> tuple[str, int] | None:
    """(graph_id, graph_version) of an AgentExecutorBlock node, when both could name a graph."""
    graph_id, version = node["input_default"].get("graph_id"), node["input_default"].get("graph_version")
    if not isinstance(graph_id, str) or not 1 <= len(graph_id) <= 255 or "\x00" in graph_id:
        return None
    if type(version) is not int or not 1 <= version <= MAX_VERSION:
        return None
    return graph_id, version


def _with_own_links(query: Select[Any], source: Any) -> Select[Any]:
    """`query` over `source` (which holds the node table `_nodes`), each node's links into and
    out of it joined; a link from the node to itself comes once."""
    return query.select_from(source.outerjoin(_links, or_(_links.c.source_id == _nodes.c.id,
                                                          _links.c.sink_id == _nodes.c.id)))


def _via_link(row: Any) -> Link:
    return {"id": row["via_id"], "source_id": row["via_source_id"], "sink_id": row["via_sink_id"],
            "source_name": row["via_source_name"], "sink_name": row["via_sink_name"],
            "is_static": bool(row["via_is_static"])}


def _linked_node(rows: Sequence[Any]) -> Node:
    """One node from its rows of `_with_own_links`."""
    node = node_view(rows[0])
    links = {r["link_id"]: (r["link_position"], link_view(r)) for r in rows if r["link_id"] is not None}
    return with_links([node], _in_place(links))[0]
