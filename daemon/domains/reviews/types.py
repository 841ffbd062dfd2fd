"""The reviews domain's params and results: the seed's ReviewResult (SEED_MODEL.md §4)."""

from typing import Annotated, Any, Literal, TypedDict

from daemon.domains.executions.types import MAX_JSON_VALUE_BYTES
from daemon.rpc.schema import Doc, JsonSize, Len

ReviewStatus = Literal["WAITING", "APPROVED", "REJECTED"]
Decision = Annotated[Literal["APPROVED", "REJECTED"], Doc("the person's decision")]

ReviewId = Annotated[str, Len(1, 255), Doc("the node execution's id: one review per node execution")]
ReviewData = Annotated[Any, JsonSize(MAX_JSON_VALUE_BYTES), Doc("any JSON value")]
ReviewText = Annotated[str, Doc("free text for the person or from them")]


class ReviewResult(TypedDict):
    data: Annotated[Any, Doc("the payload, as the reviewer edited it if they did")]
    status: ReviewStatus
    message: Annotated[str, Doc("the reviewer's message; empty when none")]
    processed: Annotated[bool, Doc("whether the executor has acted on the decision")]
    node_exec_id: Annotated[str, Doc("the review's: the node execution's id, or an auto-approval's key")]
