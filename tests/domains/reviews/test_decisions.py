"""review_human_review: a person approves or rejects a WAITING review, once."""

import asyncio

from daemon.domains.reviews.records import auto_approve_key


async def test_an_approval_records_the_decision(reviews):
    review = await reviews.open(editable=False)
    result = await reviews.decide(review, message="ok")
    assert result == {"data": review["input_data"], "status": "APPROVED", "message": "ok", "processed": False,
                      "node_exec_id": review["node_exec_id"]}
    row = await reviews.row(review["node_exec_id"])
    assert row["status"] == "APPROVED" and row["review_message"] == "ok" and row["was_edited"] is False
    assert row["reviewed_at"] == row["updated_at"] and row["reviewed_at"] > row["created_at"]
    assert row["processed"] is False


async def test_an_editable_review_takes_the_edited_data(reviews):
    review = await reviews.open(editable=True)
    result = await reviews.decide(review, "REJECTED", reviewed_data={"to": "nobody"})
    assert result["data"] == {"to": "nobody"} and result["status"] == "REJECTED" and result["message"] == ""
    row = await reviews.row(review["node_exec_id"])
    assert row["payload"] == '{"to":"nobody"}' and row["was_edited"] is True and row["review_message"] is None


async def test_the_same_data_again_is_no_edit_even_on_a_review_that_is_not_editable(reviews):
    review = await reviews.open(editable=False, data={"a": 1, "b": [1.5, None]})
    result = await reviews.decide(review, reviewed_data={"b": [1.5, None], "a": 1})  # key order does not count
    assert result["data"] == {"a": 1, "b": [1.5, None]}
    assert (await reviews.row(review["node_exec_id"]))["was_edited"] is False


async def test_other_data_on_a_review_that_is_not_editable_is_refused_and_changes_nothing(reviews):
    review = await reviews.open(editable=False, data={"n": 1})
    before = await reviews.rows()
    for other in ({"n": 1.0}, {"n": True}, {"n": 2}, [], "x"):  # as JSON: 1, 1.0 and true differ
        error = await reviews.rpc.error("review_human_review", {
            "user_id": "alice", "node_exec_id": review["node_exec_id"], "status": "APPROVED", "reviewed_data": other,
            "auto_approve_future": True})
        assert error["code"] == -32602 and error["data"]["param"] == "reviewed_data", other
    assert await reviews.rows() == before


async def test_a_decided_review_is_a_conflict(reviews):
    review = await reviews.open()
    await reviews.decide(review, "REJECTED", message="no")
    before = await reviews.rows()
    for status in ("APPROVED", "REJECTED"):
        error = await reviews.rpc.error("review_human_review", [review["user_id"], review["node_exec_id"], status])
        assert error["code"] == 1003 and error["data"]["status"] == "REJECTED"
    assert await reviews.rows() == before


async def test_two_decisions_at_once_one_wins(reviews):
    for _ in range(3):
        review = await reviews.open()
        calls = [reviews.rpc.call("review_human_review", {"user_id": "alice", "node_exec_id": review["node_exec_id"],
                                                          "status": status, "message": status})
                 for status in ("APPROVED", "REJECTED")]
        answers = await asyncio.gather(*calls)
        won = [a["result"] for a in answers if "result" in a]
        lost = [a["error"] for a in answers if "error" in a]
        assert len(won) == 1 and [e["code"] for e in lost] == [1003]
        row = await reviews.row(review["node_exec_id"])
        assert row["status"] == won[0]["status"] and row["review_message"] == won[0]["status"]


async def test_another_users_review_or_none_is_not_found(reviews):
    review = await reviews.open("bob")
    before = await reviews.rows()
    for user_id, node_exec_id in (("alice", review["node_exec_id"]), ("bob", "no-such-review")):
        error = await reviews.rpc.error("review_human_review", [user_id, node_exec_id, "APPROVED"])
        assert error["code"] == 1002 and error["data"] == {"kind": "review", "id": node_exec_id}
    assert await reviews.rows() == before


async def test_auto_approve_future_records_the_seeds_auto_approval(reviews):
    review = await reviews.open(editable=True)
    await reviews.decide(review, reviewed_data={"edited": True}, auto_approve_future=True)
    key = auto_approve_key(review["graph_exec_id"], "n-work")
    auto = await reviews.row(key)
    assert auto is not None and auto["reviewed_at"] == auto["created_at"]
    assert {k: auto[k] for k in ("user_id", "graph_exec_id", "graph_id", "graph_version", "payload", "editable",
                                 "status", "processed")} == {
        "user_id": "alice", "graph_exec_id": review["graph_exec_id"], "graph_id": "g", "graph_version": 1,
        "payload": '{"edited":true}', "editable": False, "status": "APPROVED", "processed": True}
    # a later review of the same node, approved for the future again, keeps the first record
    again = await reviews.rpc.result("upsert_execution_input", {
        "node_id": "n-work", "graph_exec_id": review["graph_exec_id"], "input_name": "a", "input_data": 2})
    later = await reviews.open(run={"id": review["graph_exec_id"], "graph_id": "g",
                                    "node_executions": [again[0]]})
    assert later["node_exec_id"] != review["node_exec_id"]
    await reviews.decide(later, reviewed_data={"edited": 2}, auto_approve_future=True)
    assert await reviews.row(key) == auto


async def test_auto_approve_future_with_a_rejection_is_refused(reviews):
    review = await reviews.open()
    error = await reviews.rpc.error("review_human_review", {"user_id": "alice", "node_exec_id": review["node_exec_id"],
                                                            "status": "REJECTED", "auto_approve_future": True})
    assert error["code"] == -32602 and error["data"]["param"] == "auto_approve_future"
    assert (await reviews.row(review["node_exec_id"]))["status"] == "WAITING"


async def test_auto_approve_future_needs_the_node_execution(reviews):
    run = await reviews.world.run([["n-work", {}]])
    review = await reviews.open(run={**run, "node_executions": [{"node_exec_id": "not-a-node-execution",
                                                                 "node_id": None}]})
    error = await reviews.rpc.error("review_human_review", {"user_id": "alice", "node_exec_id": "not-a-node-execution",
                                                            "status": "APPROVED", "auto_approve_future": True})
    assert error["code"] == 1002 and error["data"] == {"kind": "node_execution", "id": "not-a-node-execution"}
    assert (await reviews.row(review["node_exec_id"]))["status"] == "WAITING"
    assert (await reviews.decide(review))["status"] == "APPROVED"  # without it, a review of no node execution is fine
