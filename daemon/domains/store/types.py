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
