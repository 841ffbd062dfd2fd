"""What the review methods share: rows as the seed's ReviewResult, the auto-approval record's key
and row, and the ownership test for a graph execution."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Exists, false, select

from daemon.domains.executions.tables import graph_executions
from daemon.domains.reviews.tables import human_reviews
from daemon.domains.reviews.types import ReviewResult
from daemon.storage.sql import dump, load, upsert_insert

hr, ge = human_reviews, graph_executions

AUTO_APPROVED_MESSAGE = "Auto-approved (user approved all future actions for this node)"
AUTO_APPROVE_PREFIX = "auto_approve_"
STOPPED_MESSAGE = "Execution was stopped by user"


def auto_approve_key(graph_exec_id: str, node_id: str) -> str:
    """The node_exec_id under which the seed records "approve this node's future actions"."""
    return f"{AUTO_APPROVE_PREFIX}{graph_exec_id}_{node_id}"


def review_result(row: Mapping[str, Any]) -> ReviewResult:
    return {"data": load(row["payload"]), "status": row["status"], "message": row["review_message"] or "",
            "processed": bool(row["processed"]), "node_exec_id": row["node_exec_id"]}


def owns_execution(user_id: str, graph_exec_id: str) -> tuple[ColumnElement[bool], ...]:
    """The graph execution is the user's and not deleted: get_graph_execution_meta's test, which
    the seed's cancel relies on."""
    return ge.c.id == graph_exec_id, ge.c.user_id == user_id, ge.c.is_deleted == false()


def execution_is_owned(user_id: str, graph_exec_id: str) -> Exists:
    return select(ge.c.id).where(*owns_execution(user_id, graph_exec_id)).exists()


def record_auto_approval(kind: str, review: Mapping[str, Any], node_id: str, payload: Any, now: str) -> Any:
    """INSERT of the seed's auto-approval record for the review's node in its graph execution;
    one already there is kept as it is (the seed's upsert with an empty update)."""
    insert = upsert_insert(kind)(hr).values(
        node_exec_id=auto_approve_key(review["graph_exec_id"], node_id), user_id=review["user_id"],
        graph_exec_id=review["graph_exec_id"], graph_id=review["graph_id"], graph_version=review["graph_version"],
        payload=dump(payload), instructions="Auto-approval record", editable=False, status="APPROVED",
        processed=True, created_at=now, updated_at=now, reviewed_at=now)
    return insert.on_conflict_do_nothing(index_elements=[hr.c.node_exec_id])
