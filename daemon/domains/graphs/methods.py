"""The graphs domain's methods (SEED_MODEL.md §2, and create_graph and update_graph_settings from
API.md's "Methods the seed served elsewhere"). Reads take one query, plus one per level of
sub-graphs; each write is one transaction."""

from __future__ import annotations

from typing import Annotated, Any

from daemon.clock import now_rfc3339
from daemon.context import Context
from daemon.domains.graphs import library, public, reads, writes
from daemon.domains.graphs.export import for_export as exported
from daemon.domains.graphs.tables import graphs
from daemon.domains.graphs.types import (
    Graph,
    GraphId,
    GraphMeta,
    GraphSettings,
    GraphVersion,
    Link,
    NewGraph,
    Node,
    NodeId,
    SettingsUpdate,
)
from daemon.domains.graphs.views import meta_view
from daemon.domains.types import UserId
from daemon.errors import Conflict, NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc


@rpc_method(errors=(NotFound, Conflict), retry="unsafe")
async def create_graph(ctx: Context, user_id: UserId, graph: NewGraph) -> Graph:
    """Creates a graph (version 1), or the next version of one's own graph, which becomes the active one.

    Another user's graph id is 1003; an unknown user 1002. Node ids are generated when absent,
    and replaced by new ones when some node already has them (links follow); a link to a node
    outside the graph is -32602. The owner's library entry points at the newest version. A retry
    makes one more version: unsafe."""
    plan = writes.draft(graph)
    now = now_rfc3339()
    async with ctx.db.write() as conn:
        version = await writes.next_version(conn, user_id, graph.get("id"))
        graph_id = graph.get("id") or writes.new_graph_id()
        taken = await writes.taken_node_ids(conn, plan.given_ids) if plan.given_ids else set()
        created = await writes.insert_version(conn, user_id, graph_id, version, plan, taken, now)
        await library.hold_newest(conn, ctx.db.kind, user_id, graph_id, version, now)
    return created


@rpc_method(retry="safe")
async def get_graph(ctx: Context, graph_id: GraphId, version: GraphVersion | None = None,
                    user_id: Annotated[UserId, Doc("only this user's graph (unless skip_access_check), "
                                                   "else a public one")] | None = None,
                    for_export: Annotated[bool, Doc("strips secrets and webhooks, blanks user_id; "
                                                    "loads sub-graphs")] = False,
                    include_subgraphs: bool = False,
                    skip_access_check: Annotated[bool, Doc("any owner's graph")] = False) -> Graph | None:
    """The graph at `version`, else its highest version (is_active plays no part, as in the seed); null when not found.

    With `user_id`, that user's graph (any owner's with `skip_access_check`); failing that, or
    without either, a public graph (an APPROVED store listing). Sub-graphs (AgentExecutorBlock
    nodes' graph_id/graph_version, same owner) are loaded breadth-first when asked for and for
    export."""
    async with ctx.db.session() as conn:
        found = None
        if user_id is not None or skip_access_check:
            owner = () if skip_access_check or user_id is None else (graphs.c.user_id == user_id,)
            found = await _one(conn, graph_id, version, *owner)
        if found is None and (listed := await public.approved_version(conn, graph_id, version)) is not None:
            found = await _one(conn, graph_id, listed)
        if found is not None and (include_subgraphs or for_export):
            found["sub_graphs"] = [dict(sub) for sub in await reads.sub_graphs(conn, found)]
    return exported(found) if found is not None and for_export else found


@rpc_method(retry="safe")
async def get_graph_metadata(ctx: Context, graph_id: GraphId, version: GraphVersion | None = None) -> GraphMeta | None:
    """id, name, description, version and is_active of the graph at `version`, else its highest; null when not found.

    Any owner's graph, as in the seed."""
    async with ctx.db.session() as conn:
        row = await conn.fetch_one(reads.newest(*_at(graph_id, version)).select())
    return meta_view(row._mapping) if row is not None else None


@rpc_method(retry="safe")
async def get_graph_settings(ctx: Context, user_id: UserId, graph_id: GraphId) -> GraphSettings:
    """The settings in the user's library entry for the graph; the defaults when it has none, or they are malformed."""
    async with ctx.db.session() as conn:
        return await library.read_settings(conn, user_id, graph_id)


@rpc_method(errors=(NotFound,), retry="safe")
async def update_graph_settings(ctx: Context, user_id: UserId, graph_id: GraphId,
                                settings: Annotated[SettingsUpdate, Doc("only the fields given change")]) -> GraphSettings:
    """Changes the given settings in the user's library entry for the graph, keeping the others.

    1002 (kind graph) when the user has no live (not deleted, not archived) entry for the graph."""
    async with ctx.db.write() as conn:
        return await library.change_settings(conn, user_id, graph_id, settings, now_rfc3339())


@rpc_method(errors=(NotFound,), retry="safe")
async def get_node(ctx: Context, node_id: NodeId) -> Node:
    """The node, with the links into it and out of it; 1002 when there is none. Any owner's."""
    async with ctx.db.session() as conn:
        node = await reads.node_with_links(conn, node_id)
    if node is None:
        raise NotFound("node", node_id)
    return node


@rpc_method(retry="safe")
async def get_connected_output_nodes(ctx: Context, node_id: NodeId) -> list[tuple[Link, Node]]:
    """Each link out of the node, paired with the node it leads into (with that node's links): [[Link, Node], …]."""
    async with ctx.db.session() as conn:
        return await reads.connected_outputs(conn, node_id)


async def _one(conn: Any, graph_id: str, version: int | None, *where: Any) -> Graph | None:
    found = await reads.graphs_with_nodes(conn, reads.newest(*_at(graph_id, version), *where))
    return found[0] if found else None


def _at(graph_id: str, version: int | None) -> tuple[Any, ...]:
    return (graphs.c.id == graph_id,) if version is None else (graphs.c.id == graph_id, graphs.c.version == version)
