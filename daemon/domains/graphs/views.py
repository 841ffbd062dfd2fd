"""Rows as the seed's DTOs: Link, Node, Graph and GraphMeta (SEED_MODEL.md §2).

A graph's nodes and links are in the order create_graph was given them (their `position`
columns); each node lists the links into it and out of it, in that order too."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from daemon.domains.graphs.types import Graph, GraphMeta, Link, Node


def link_view(row: Mapping[str, Any]) -> Link:
    return {"id": row["link_id"], "source_id": row["source_id"], "sink_id": row["sink_id"],
            "source_name": row["source_name"], "sink_name": row["sink_name"], "is_static": bool(row["is_static"])}


def node_view(row: Mapping[str, Any]) -> Node:
    """A node without its links yet (`with_links` adds them)."""
    return {"id": row["node_id"], "block_id": row["block_id"],
            "input_default": orjson.loads(row["input_default"]), "metadata": orjson.loads(row["node_metadata"]),
            "input_links": [], "output_links": [], "graph_id": row["node_graph_id"],
            "graph_version": row["node_graph_version"], "webhook_id": row["webhook_id"], "webhook": None}


def with_links(nodes: Iterable[Node], links: list[Link]) -> list[Node]:
    """The nodes in the order given, each holding the links into it and out of it, in the order
    `links` has them. A link from a node to itself is in both of its lists."""
    by_id = {node["id"]: node for node in nodes}
    for link in links:
        if link["source_id"] in by_id:
            by_id[link["source_id"]]["output_links"].append(link)
        if link["sink_id"] in by_id:
            by_id[link["sink_id"]]["input_links"].append(link)
    return list(by_id.values())


def graph_view(row: Mapping[str, Any], nodes: Iterable[Node], links: Iterable[Link]) -> Graph:
    """`row` is the graph's own columns; `links` every link of its nodes."""
    ordered = list(links)
    placed = with_links(nodes, ordered)
    return {"id": row["id"], "version": row["version"], "is_active": bool(row["is_active"]),
            "name": row["name"] or "", "description": row["description"] or "",
            "instructions": row["instructions"], "recommended_schedule_cron": row["recommended_schedule_cron"],
            "nodes": placed, "links": ordered,
            "forked_from_id": row["forked_from_id"], "forked_from_version": row["forked_from_version"],
            "sub_graphs": [], "user_id": row["user_id"], "created_at": row["created_at"]}


def meta_view(row: Mapping[str, Any]) -> GraphMeta:
    return {"id": row["id"], "name": row["name"] or "", "description": row["description"] or "",
            "version": row["version"], "is_active": bool(row["is_active"])}
