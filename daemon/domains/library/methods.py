"""The library domain's methods (SEED_MODEL.md §6)."""

from __future__ import annotations

from typing import Annotated

from daemon.context import Context
from daemon.domains.graphs.types import GraphId, GraphVersion
from daemon.domains.library import listing, permissions, store_agents
from daemon.domains.library.types import (
    LibraryAgent,
    LibraryAgentResponse,
    Page,
    PageSize,
    SearchTerm,
    SortBy,
    StoreListingVersionId,
)
from daemon.domains.types import UserId
from daemon.errors import NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc


@rpc_method(retry="safe")
async def list_library_agents(ctx: Context, user_id: UserId, search_term: SearchTerm | None = None,
                              sort_by: SortBy = "updatedAt", page: Page = 1, page_size: PageSize = 50,
                              include_executions: Annotated[bool, Doc("load each agent's last 10 executions: its "
                                                                      "status, counts and new_output")] = False
                              ) -> LibraryAgentResponse:
    """A page of the user's library: live (not deleted, not archived) entries, searched and sorted.

    Without include_executions every agent reads COMPLETED with counts 0, as in the seed."""
    async with ctx.db.session() as conn:
        return await listing.page_of_agents(conn, ctx.db.kind, user_id, search_term, sort_by, page, page_size,
                                            include_executions)


@rpc_method(errors=(NotFound,), retry="safe")
async def add_store_agent_to_library(ctx: Context, store_listing_version_id: StoreListingVersionId,
                                     user_id: UserId) -> LibraryAgent:
    """Adds the graph of a store listing version to the user's library; returns the entry.

    1002 (kind store_listing_version) for an unknown version, (kind graph) when the user may not
    see it (neither owns it nor finds it APPROVED in a live listing), (kind user) for an unknown
    user. A graph the library already holds is not added twice: its entry is brought back
    (un-deleted, un-archived) at the newer of its version and the added one."""
    return await store_agents.add(ctx.db, store_listing_version_id, user_id)


@rpc_method(errors=(NotFound,), retry="safe")
async def validate_graph_execution_permissions(ctx: Context, user_id: UserId, graph_id: GraphId,
                                               graph_version: GraphVersion, is_sub_graph: bool = False) -> None:
    """Null when the user may run this graph version; else 1002 saying why.

    data.kind `graph`: the user neither owns that version nor finds it APPROVED in a live store
    listing. data.kind `library_agent`: the graph is not in the user's library (a live entry at
    any version), which a sub-graph does not need."""
    async with ctx.db.session() as conn:
        await permissions.check(conn, user_id, graph_id, graph_version, is_sub_graph)
