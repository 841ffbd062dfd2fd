"""The library domain's params and results: the seed's LibraryAgent (SEED_MODEL.md §6), less the
fields that need its block registry (API.md)."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

from daemon.domains.graphs.types import GraphSettings
from daemon.domains.types import Timestamp
from daemon.rpc.schema import Doc, Len, Range

SortBy = Annotated[Literal["createdAt", "updatedAt"], Doc("createdAt: oldest first; updatedAt: most recently "
                                                          "changed first (the default)")]
Page = Annotated[int, Range(1, 2**31 - 1), Doc("from 1, default 1")]
PageSize = Annotated[int, Range(1, 2**31 - 1), Doc("default 50")]
SearchTerm = Annotated[str, Len(0, 100), Doc("matched, case-insensitively, anywhere in the graph's name or "
                                             "description")]
StoreListingVersionId = Annotated[str, Len(1, 255), Doc("an APPROVED version of a live store listing")]
LibraryStatus = Literal["COMPLETED", "HEALTHY", "WAITING", "ERROR"]


class RecentExecution(TypedDict):
    status: str
    correctness_score: float | None
    activity_summary: str | None


class ListingCreator(TypedDict):
    name: str
    username: str
    avatar_url: str | None


class MarketplaceListing(TypedDict):
    id: str
    name: Annotated[str, Doc("the listing's active version's name")]
    slug: str
    creator: ListingCreator | None


class LibraryAgent(TypedDict):
    id: str
    graph_id: str
    graph_version: int
    owner_user_id: Annotated[str, Doc("the graph's owner")]
    image_url: str | None
    creator_name: Annotated[str, Doc("the graph owner's profile name; Unknown without a profile")]
    creator_image_url: Annotated[str, Doc("the graph owner's profile avatar; empty without one")]
    status: Annotated[LibraryStatus, Doc("from the recent executions: any FAILED ERROR, else any QUEUED WAITING, else "
                                         "any RUNNING HEALTHY, else COMPLETED")]
    created_at: Timestamp
    updated_at: Annotated[Timestamp, Doc("the later of the entry's and the graph's")]
    name: str
    description: str
    instructions: str | None
    new_output: Annotated[bool, Doc("a recent COMPLETED execution started in the last 7 days")]
    execution_count: Annotated[int, Doc("of the recent executions (at most 10); 0 without include_executions")]
    success_rate: Annotated[float, Doc("% of the recent executions COMPLETED")]
    avg_correctness_score: float | None
    recent_executions: list[RecentExecution]
    can_access_graph: Annotated[bool, Doc("the user owns the graph")]
    is_latest_version: bool
    is_favorite: bool
    recommended_schedule_cron: str | None
    settings: GraphSettings
    marketplace_listing: MarketplaceListing | None


class Pagination(TypedDict):
    total_items: int
    total_pages: int
    current_page: int
    page_size: int


class LibraryAgentResponse(TypedDict):
    agents: list[LibraryAgent]
    pagination: Pagination
