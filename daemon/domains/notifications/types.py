"""The notifications domain's params and results: the seed's NotificationEventModel and its batch
DTOs (SEED_MODEL.md §5)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, Required, TypedDict

from daemon.constants import MAX_JSON_DEPTH
from daemon.domains.types import DateTime, Timestamp, UserId
from daemon.rpc.schema import Doc, JsonSize, Len

NotificationType = Literal[
    "AGENT_RUN", "ZERO_BALANCE", "LOW_BALANCE", "BLOCK_EXECUTION_FAILED", "CONTINUOUS_AGENT_ERROR",
    "DAILY_SUMMARY", "WEEKLY_SUMMARY", "MONTHLY_SUMMARY", "REFUND_REQUEST", "REFUND_PROCESSED",
    "AGENT_APPROVED", "AGENT_REJECTED",
]
BatchType = Annotated[NotificationType, Doc("the batch's notification type (one batch per user and type)")]
EventId = Annotated[str, Len(1, 255), Doc("a notification event's id")]
# Any JSON value the request can carry (API.md: bounded only by the request's size); the depth
# bound is what a response can still write back
Json = Annotated[Any, Doc("any JSON value")]
EventData = Annotated[Any, JsonSize(2**31 - 1, MAX_JSON_DEPTH),
                      Doc("the event's payload, stored as given; null, {}, [] and \"\" are refused")]


class NotificationEventModel(TypedDict):
    """The seed's NotificationEventModel: only `data` is stored."""
    type: Required[Annotated[NotificationType, Doc("must be the method's notification_type")]]
    user_id: Required[Annotated[UserId, Doc("must be the method's user_id")]]
    data: Required[EventData]
    id: NotRequired[Annotated[str, Len(1, 255), Doc("ignored: the stored event gets an id of its own")] | None]
    created_at: NotRequired[Annotated[DateTime, Doc("ignored: the stored event is created now")] | None]


class UserNotificationEvent(TypedDict):
    """The seed's UserNotificationEventDTO."""
    id: str
    type: NotificationType
    data: Json
    created_at: Timestamp
    updated_at: Timestamp


class UserNotificationBatch(TypedDict):
    """The seed's UserNotificationBatchDTO."""
    user_id: str
    type: NotificationType
    notifications: Annotated[list[UserNotificationEvent], Doc("oldest first (by created_at, then id)")]
    created_at: Timestamp
    updated_at: Annotated[Timestamp, Doc("when an event was last appended")]
