"""The store domain's params and results: the seed's Profile, StoreListingVersion (API.md's
shape), StoreAgent rows, their details, and the embedding maintenance results (SEED_MODEL.md §9–10)."""

from typing import Annotated, Literal, TypedDict

from daemon.domains.types import Timestamp
from daemon.rpc.schema import Doc, Len, Range

SubmissionStatus = Literal["DRAFT", "PENDING", "APPROVED", "REJECTED"]

# free text a person writes (names, headings, descriptions): bounded only by the request size
Text = Annotated[str, Doc("free text")]
Url = Annotated[str, Len(1, 2048), Doc("a URL")]
Username = Annotated[str, Len(1, 255), Doc("the creator's unique name in the store")]
Slug = Annotated[str, Len(1, 255), Doc("the listing's name in its creator's store URLs, unique per creator")]
Category = Annotated[str, Len(1, 255)]
ListingVersionId = Annotated[str, Len(1, 255), Doc("a store listing version's id (a submission)")]
ReviewerId = Annotated[str, Len(1, 255), Doc("who reviewed the submission")]


class Profile(TypedDict):
    """The seed's Profile: a creator's public face."""
    username: str
    name: str
    description: str
    links: list[str]
    avatar_url: str | None
    is_featured: bool


class StoreListingVersion(TypedDict):
    store_listing_version_id: str
    store_listing_id: str
    graph_id: str
    graph_version: int
    version: Annotated[int, Doc("the submission's number within its listing, from 1")]
    slug: str
    name: str
    sub_heading: str
    description: str
    categories: list[str]
    image_urls: list[str]
    video_url: str | None
    submission_status: SubmissionStatus
    changes_summary: str | None
    submitted_at: Timestamp | None
    reviewed_at: Timestamp | None
    review_comments: str | None


PageNumber = Annotated[int, Range(1, 2**31 - 1), Doc("from 1")]

SortedBy = Annotated[Literal["rating", "runs", "name", "updated_at"],
                     Doc("rating and runs high first, name A to Z; updated_at is the default order (newest first)")]
PageSize = Annotated[int, Range(1, 100), Doc("agents per page")]
SearchQuery = Annotated[str, Len(1, 1000), Doc("ranks by hybrid search: meaning, words, category, recency, runs")]
BatchSize = Annotated[int, Range(1, 1000), Doc("versions embedded at most, this call")]


class StoreAgent(TypedDict):
    slug: str
    agent_name: str
    agent_image: Annotated[str, Doc("the first image, or empty")]
    creator: Annotated[str, Doc("the creator's username, or 'Needs Profile'")]
    creator_avatar: str | None
    sub_heading: str
    description: str
    runs: Annotated[int, Doc("executions of the agent's graph, by anyone")]
    rating: Annotated[float, Doc("the mean review score (1–5) of its approved versions; 0 with none")]
    agent_graph_id: str


class Pagination(TypedDict):
    total_items: int
    total_pages: int
    current_page: int
    page_size: int


class StoreAgentsResponse(TypedDict):
    agents: list[StoreAgent]
    pagination: Pagination


class ChangelogEntry(TypedDict):
    version: int
    changes_summary: str | None
    date: Annotated[Timestamp, Doc("when the version was submitted")]


class StoreAgentDetails(TypedDict):
    store_listing_version_id: str
    slug: str
    agent_name: str
    agent_video: str | None
    agent_output_demo: str | None
    agent_image: list[str]
    creator: str
    creator_avatar: str | None
    sub_heading: str
    description: str
    instructions: str | None
    categories: list[str]
    runs: int
    rating: float
    versions: Annotated[list[str], Doc("the approved versions' numbers, as the seed's strings")]
    agentGraphVersions: Annotated[list[str], Doc("their graph versions, as strings")]
    agentGraphId: str
    last_updated: Timestamp
    recommended_schedule_cron: str | None
    active_version_id: str | None
    has_approved_version: bool
    changelog: Annotated[list[ChangelogEntry] | None, Doc("approved versions, newest first; only when asked for")]


class TypeStats(TypedDict):
    total: int
    with_embeddings: int
    without_embeddings: int
    coverage_percent: float


class EmbeddingStats(TypedDict):
    by_type: Annotated[dict[str, TypeStats], Doc("STORE_AGENT, BLOCK, DOCUMENTATION (no blocks or docs here: zeros)")]
    totals: TypeStats


class BackfillResult(TypedDict):
    processed: int
    success: int
    failed: int
    message: str


class TypeCleanup(TypedDict):
    deleted: int
    message: str


class CleanupTotals(TypedDict):
    deleted: int
    message: str


class CleanupResult(TypedDict):
    by_type: dict[str, TypeCleanup]
    totals: CleanupTotals
