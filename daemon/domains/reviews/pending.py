"""The executor's side of human review (SEED_MODEL.md §4): open a review of a node execution's
data, ask whether it (or its node) was approved, whether an execution still waits on one, cancel
an execution's waiting reviews, and mark a decision as acted on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from sqlalchemy import Boolean, Integer, Text, exists, literal, select

from daemon.clock import now_rfc3339
from daemon.context import Context
from daemon.domains.executions.tables import graph_executions, node_executions
from daemon.domains.executions.types import GraphExecId
from daemon.domains.graphs.types import GraphId, GraphVersion, NodeId
from daemon.domains.reviews.records import (
    AUTO_APPROVE_PREFIX,
    AUTO_APPROVED_MESSAGE,
    STOPPED_MESSAGE,
    auto_approve_key,
    execution_is_owned,
    owns_execution,
    review_result,
)
from daemon.domains.reviews.tables import human_reviews
from daemon.domains.reviews.types import ReviewData, ReviewId, ReviewResult, ReviewText
from daemon.domains.types import UserId
from daemon.errors import InvalidParams, NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc
from daemon.storage.sql import dump, one_statement, upsert_insert

hr, ge = human_reviews, graph_executions


@rpc_method(errors=(NotFound,), retry="safe")
async def get_or_create_human_review(
        ctx: Context, user_id: UserId, node_exec_id: ReviewId, graph_exec_id: GraphExecId, graph_id: GraphId,
        graph_version: GraphVersion, input_data: Annotated[ReviewData, Doc("the data to review")],
        message: Annotated[ReviewText, Doc("instructions for the reviewer")],
        editable: Annotated[bool, Doc("whether the reviewer may change the data")]) -> ReviewResult | None:
    """Opens a WAITING review of the data, or finds the node execution's; its decision until processed, else null.

    A review already there is left as it is (the seed's upsert with an empty update). The graph
    execution must be the user's, and so must a review found."""
    opened = await _open(ctx, user_id, node_exec_id, graph_exec_id, {
        "graph_id": graph_id, "graph_version": graph_version, "payload": dump(input_data), "instructions": message,
        "editable": editable})
    if opened is None or opened["status"] == "WAITING" or opened["processed"]:
        return None
    return review_result(opened)


@rpc_method(retry="safe")
async def check_approval(
        ctx: Context, node_exec_id: ReviewId, graph_exec_id: GraphExecId, node_id: NodeId, user_id: UserId,
        input_data: Annotated[ReviewData, Doc("the node's data now: what an auto-approval approves")] = None,
) -> ReviewResult | None:
    """The user's approval of this node execution, or of all the node's actions in this run; else null.

    An auto-approval answers with `input_data` when given (else what it stored). When both exist,
    the node execution's own approval wins: it carries what the reviewer saw and perhaps edited."""
    key = auto_approve_key(graph_exec_id, node_id)
    query = select(hr).where(hr.c.node_exec_id.in_([node_exec_id, key]), hr.c.status == "APPROVED",
                             hr.c.user_id == user_id) \
        .order_by(hr.c.node_exec_id != node_exec_id).limit(1)  # false first: the node execution's own
    async with ctx.db.session() as conn:
        row = await conn.fetch_one(query)
    if row is None:
        return None
    found = review_result(row._mapping)
    if found["node_exec_id"] == node_exec_id:
        return {**found, "processed": True}
    return {**found, "processed": True, "message": AUTO_APPROVED_MESSAGE,
            "data": found["data"] if input_data is None else input_data}


@rpc_method(retry="safe")
async def has_pending_reviews_for_graph_exec(ctx: Context, graph_exec_id: GraphExecId) -> bool:
    """Whether any review of the graph execution is still WAITING."""
    query = select(select(hr.c.node_exec_id).where(hr.c.graph_exec_id == graph_exec_id, hr.c.status == "WAITING")
                   .exists())
    async with ctx.db.session() as conn:
        return bool(await conn.fetch_val(query))


@rpc_method(errors=(NotFound,), retry="safe")
async def cancel_pending_reviews_for_execution(ctx: Context, graph_exec_id: GraphExecId, user_id: UserId) -> int:
    """Rejects the WAITING reviews of the user's graph execution, marked processed; returns how many.

    Their message is "Execution was stopped by user"; 1002 when the execution is not the user's."""
    now = now_rfc3339()
    update = hr.update().where(hr.c.graph_exec_id == graph_exec_id, hr.c.user_id == user_id,
                               hr.c.status == "WAITING", execution_is_owned(user_id, graph_exec_id)) \
        .values(status="REJECTED", review_message=STOPPED_MESSAGE, processed=True, reviewed_at=now, updated_at=now)
    async with ctx.db.write() as conn:
        cancelled = len(await conn.fetch_all(update.returning(hr.c.node_exec_id)))
        # nothing rejected: say whether that is because the execution is not the user's
        if not cancelled and await conn.fetch_val(select(ge.c.id).where(*owns_execution(user_id, graph_exec_id))) \
                is None:
            raise NotFound("graph_execution", graph_exec_id)
    return cancelled


@rpc_method(errors=(NotFound,), retry="safe")
async def update_review_processed_status(ctx: Context, node_exec_id: ReviewId, processed: bool) -> None:
    """Marks the review's decision as acted on by the executor (or not); 1002 when there is none."""
    update = hr.update().where(hr.c.node_exec_id == node_exec_id) \
        .values(processed=processed, updated_at=now_rfc3339()).returning(hr.c.node_exec_id)
    async with one_statement(ctx.db) as conn:
        if await conn.fetch_val(update) is None:
            raise NotFound("review", node_exec_id)


def _node_execution_elsewhere(node_exec_id: str, graph_exec_id: str) -> Any:
    """Whether node_exec_id is a node execution of another graph execution than this one."""
    ne = node_executions
    return exists().where(ne.c.id == node_exec_id, ne.c.graph_exec_id != graph_exec_id)


async def _open(ctx: Context, user_id: str, node_exec_id: str, graph_exec_id: str, fields: dict[str, Any]
                ) -> Mapping[str, Any] | None:
    """Inserts the WAITING review (None: it is new) or reads the one already there, in one
    transaction; 1002 when the graph execution, or the review found, is not the user's.

    Reviews are keyed by node_exec_id alone (the seed's table), so a review may not name a node
    execution of another graph execution, nor an auto-approval's key: either would let one user
    take the key another user's review or auto-approval needs."""
    if node_exec_id.startswith(AUTO_APPROVE_PREFIX):
        raise InvalidParams("node_exec_id", "names an auto-approval, not a node execution")
    now = now_rfc3339()
    values = select(literal(node_exec_id, Text), ge.c.user_id, ge.c.id, literal(fields["graph_id"], Text),
                    literal(fields["graph_version"], Integer), literal(fields["payload"], Text),
                    literal(fields["instructions"], Text), literal(fields["editable"], Boolean),
                    literal("WAITING", Text), literal(False, Boolean), literal(now, Text), literal(now, Text)) \
        .where(*owns_execution(user_id, graph_exec_id), ~_node_execution_elsewhere(node_exec_id, graph_exec_id))
    insert = upsert_insert(ctx.db.kind)(hr).from_select(
        ["node_exec_id", "user_id", "graph_exec_id", "graph_id", "graph_version", "payload", "instructions",
         "editable", "status", "processed", "created_at", "updated_at"], values)
    insert = insert.on_conflict_do_nothing(index_elements=[hr.c.node_exec_id]).returning(hr.c.node_exec_id)
    async with ctx.db.write() as conn:
        if await conn.fetch_val(insert) is not None:
            return None
        row = await conn.fetch_one(select(hr, execution_is_owned(user_id, graph_exec_id).label("owned"))
                                   .where(hr.c.node_exec_id == node_exec_id))
        elsewhere = row is None and await conn.fetch_val(select(_node_execution_elsewhere(node_exec_id, graph_exec_id)))
    if elsewhere:
        raise NotFound("node_execution", node_exec_id)
    if row is None or not row._mapping["owned"]:
        raise NotFound("graph_execution", graph_exec_id)
    if row._mapping["user_id"] != user_id:
        raise NotFound("review", node_exec_id)
    return row._mapping
