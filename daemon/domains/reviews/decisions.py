"""A person's decision on a review (API.md `review_human_review`): approve or reject the data,
perhaps edited, and perhaps approve every future action of the node in that graph execution.

The review's row is locked from the check that it is still WAITING to the commit, so of two
decisions at once one wins and the other finds it decided (1003)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import orjson
from sqlalchemy import select

from daemon.clock import now_rfc3339
from daemon.constants import NAME_MAX_CHARS
from daemon.context import Context
from daemon.domains.executions.tables import node_executions
from daemon.domains.reviews.records import auto_approve_key, record_auto_approval
from daemon.domains.reviews.tables import human_reviews
from daemon.domains.reviews.types import Decision, ReviewData, ReviewId, ReviewResult, ReviewText
from daemon.domains.types import UserId
from daemon.errors import Conflict, InvalidParams, NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc
from daemon.storage.sql import dump, load

hr, ne = human_reviews, node_executions


@rpc_method(errors=(NotFound, Conflict), retry="unsafe")
async def review_human_review(
        ctx: Context, user_id: UserId, node_exec_id: ReviewId, status: Decision,
        reviewed_data: Annotated[ReviewData, Doc("the data as the reviewer edited it; only an editable review's "
                                                 "may differ from its payload")] = None,
        message: Annotated[ReviewText, Doc("the reviewer's message")] | None = None,
        auto_approve_future: Annotated[bool, Doc("also approve this node's future actions in the graph execution "
                                                 "(only with APPROVED)")] = False) -> ReviewResult:
    """Decides the user's WAITING review: approves or rejects its data, edited if the review is editable.

    1003 when it is already decided; 1002 when it is not the user's. `auto_approve_future` also
    records the seed's auto-approval of the node's later actions in the same graph execution."""
    if auto_approve_future and status != "APPROVED":
        raise InvalidParams("auto_approve_future", "only an approval can approve future actions")
    now = now_rfc3339()
    async with ctx.db.write() as conn:
        review = await _waiting_review(conn, user_id, node_exec_id, auto_approve_future)
        payload, edited = _decided_payload(review, reviewed_data)
        changes = {"status": status, "review_message": message, "was_edited": edited, "reviewed_at": now,
                   "updated_at": now, **({"payload": dump(payload)} if edited else {})}
        await conn.execute(hr.update().where(hr.c.node_exec_id == node_exec_id).values(**changes))
        if auto_approve_future:
            await conn.execute(record_auto_approval(ctx.db.kind, review, _auto_approved_node(review), payload, now))
    return {"data": payload, "status": status, "message": message or "", "processed": bool(review["processed"]),
            "node_exec_id": node_exec_id}


async def _waiting_review(conn: Any, user_id: str, node_exec_id: str, with_node: bool) -> Mapping[str, Any]:
    """The user's review, locked until the commit (with its node execution's node_id when asked
    for); 1002 when it is missing or another user's, 1003 when it is decided already."""
    columns: list[Any] = [hr]
    if with_node:
        columns.append(select(ne.c.node_id).where(ne.c.id == hr.c.node_exec_id).scalar_subquery().label("node_id"))
    row = await conn.fetch_one(select(*columns).where(hr.c.node_exec_id == node_exec_id).with_for_update(of=hr))
    review: Mapping[str, Any] | None = None if row is None else row._mapping
    if review is None or review["user_id"] != user_id:
        raise NotFound("review", node_exec_id)
    if review["status"] != "WAITING":
        raise Conflict({"node_exec_id": node_exec_id, "status": review["status"],
                        "reason": "the review is already decided"})
    return review


def _decided_payload(review: Mapping[str, Any], reviewed_data: Any) -> tuple[Any, bool]:
    """The data the decision approves or rejects, and whether the reviewer changed it. Values
    compare as JSON (1 and 1.0 and true differ; key order does not); null is no edit, as in the
    seed."""
    payload = load(review["payload"])
    if reviewed_data is None or _canonical(reviewed_data) == _canonical(payload):
        return payload, False
    if not review["editable"]:
        raise InvalidParams("reviewed_data", "the review is not editable: its data cannot change")
    return reviewed_data, True


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _auto_approved_node(review: Mapping[str, Any]) -> str:
    """The node whose future actions the auto-approval covers: the review's node execution's."""
    node_id = review["node_id"]
    if node_id is None:
        raise NotFound("node_execution", review["node_exec_id"])
    if len(auto_approve_key(review["graph_exec_id"], node_id)) > NAME_MAX_CHARS:
        raise InvalidParams("auto_approve_future", "the auto-approval key would pass 255 characters")
    return str(node_id)
