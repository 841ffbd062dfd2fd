"""get_or_create_human_review: opens a WAITING review once; answers its decision until processed."""

from daemon.domains.executions.tables import graph_executions
from tests.domains.executions.conftest import force


async def test_a_new_review_waits_with_the_data_and_instructions(reviews):
    review = await reviews.open(editable=False, data=[1, {"b": None}], message="look")
    row = await reviews.row(review["node_exec_id"])
    assert row is not None and row["created_at"] == row["updated_at"]
    assert {k: row[k] for k in ("user_id", "graph_exec_id", "graph_id", "graph_version", "payload", "instructions",
                                "editable", "status", "review_message", "was_edited", "processed", "reviewed_at")} == {
        "user_id": "alice", "graph_exec_id": review["graph_exec_id"], "graph_id": "g", "graph_version": 1,
        "payload": '[1,{"b":null}]', "instructions": "look", "editable": False, "status": "WAITING",
        "review_message": None, "was_edited": None, "processed": False, "reviewed_at": None}


async def test_a_second_call_changes_nothing_and_still_waits(reviews):
    review = await reviews.open()
    before = await reviews.rows()
    again = {**review, "input_data": "other", "message": "other", "editable": False, "graph_version": 7}
    del again["node_id"]
    assert await reviews.rpc.result("get_or_create_human_review", again) is None
    assert await reviews.rows() == before


async def test_a_decision_is_answered_until_processed(reviews):
    review = await reviews.open()
    params = {k: v for k, v in review.items() if k != "node_id"}
    await reviews.decide(review, reviewed_data={"to": "me@y.z"}, message="fixed the address")
    expected = {"data": {"to": "me@y.z"}, "status": "APPROVED", "message": "fixed the address", "processed": False,
                "node_exec_id": review["node_exec_id"]}
    assert await reviews.rpc.result("get_or_create_human_review", params) == expected
    assert await reviews.rpc.result("get_or_create_human_review", params) == expected  # reading changes nothing
    await reviews.rpc.result("update_review_processed_status", [review["node_exec_id"], True])
    assert await reviews.rpc.result("get_or_create_human_review", params) is None


async def test_a_rejection_without_a_message_has_an_empty_one(reviews):
    review = await reviews.open(data=5)
    await reviews.decide(review, "REJECTED")
    params = [review[k] for k in ("user_id", "node_exec_id", "graph_exec_id", "graph_id", "graph_version",
                                  "input_data", "message", "editable")]  # by position, in the seed's order
    assert await reviews.rpc.result("get_or_create_human_review", params) == {
        "data": 5, "status": "REJECTED", "message": "", "processed": False, "node_exec_id": review["node_exec_id"]}


async def test_an_execution_that_is_not_the_users_is_not_found_and_nothing_is_written(reviews):
    theirs = await reviews.world.run([["h-work", {}]], user_id="bob", graph_id="h")
    params = {"user_id": "alice", "node_exec_id": "ne-x", "graph_id": "h", "graph_version": 1, "input_data": 1,
              "message": "m", "editable": True}
    for graph_exec_id in (theirs["id"], "no-such-execution"):
        error = await reviews.rpc.error("get_or_create_human_review", {**params, "graph_exec_id": graph_exec_id})
        assert error["code"] == 1002 and error["data"] == {"kind": "graph_execution", "id": graph_exec_id}
    assert await reviews.rows() == []


async def test_another_users_review_is_not_found_even_through_ones_own_execution(reviews):
    bobs = await reviews.open("bob")
    mine = await reviews.world.run([["n-work", {}]])
    error = await reviews.rpc.error("get_or_create_human_review", {
        "user_id": "alice", "node_exec_id": bobs["node_exec_id"], "graph_exec_id": mine["id"], "graph_id": "g",
        "graph_version": 1, "input_data": 1, "message": "m", "editable": True})
    assert error["code"] == 1002 and error["data"] == {"kind": "review", "id": bobs["node_exec_id"]}
    # and one's own review through another user's execution
    alices = await reviews.open()
    error = await reviews.rpc.error("get_or_create_human_review", {
        **{k: v for k, v in alices.items() if k != "node_id"}, "graph_exec_id": bobs["graph_exec_id"]})
    assert error["code"] == 1002 and error["data"] == {"kind": "graph_execution", "id": bobs["graph_exec_id"]}


async def test_a_deleted_execution_takes_no_review(reviews):
    run = await reviews.world.run([["n-work", {}]])
    await force(reviews.rpc, graph_executions, run["id"], is_deleted=True)
    error = await reviews.rpc.error("get_or_create_human_review", {
        "user_id": "alice", "node_exec_id": "ne-x", "graph_exec_id": run["id"], "graph_id": "g", "graph_version": 1,
        "input_data": 1, "message": "m", "editable": True})
    assert error["code"] == 1002 and error["data"]["kind"] == "graph_execution"


async def test_reviews_make_no_execution_events(reviews):
    await reviews.world.run([["n-work", {}]])
    before = await reviews.events()
    review = await reviews.open(run=await reviews.world.run([["n-work", {}]]))
    created = await reviews.events()
    await reviews.decide(review, auto_approve_future=True)
    await reviews.rpc.result("cancel_pending_reviews_for_execution", [review["graph_exec_id"], "alice"])
    await reviews.rpc.result("update_review_processed_status", [review["node_exec_id"], True])
    assert len(created) == len(before) + 2  # the new graph and node executions, none for the review
    assert await reviews.events() == created


async def test_no_one_may_open_a_review_under_another_users_node_execution_or_auto_approval(reviews):
    alices = await reviews.world.run([["n-work", {}]])
    target = alices["node_executions"][0]["node_exec_id"]
    bobs = await reviews.world.run([["h-work", {}]], user_id="bob", graph_id="h")
    squat = {"user_id": "bob", "graph_exec_id": bobs["id"], "graph_id": "h", "graph_version": 1, "input_data": 1,
             "message": "m", "editable": True}
    error = await reviews.rpc.error("get_or_create_human_review", {**squat, "node_exec_id": target})
    assert error["code"] == 1002 and error["data"] == {"kind": "node_execution", "id": target}
    error = await reviews.rpc.error("get_or_create_human_review",
                                    {**squat, "node_exec_id": f"auto_approve_{alices['id']}_n-work"})
    assert error["code"] == -32602 and error["data"]["param"] == "node_exec_id"
    assert await reviews.rows() == []
    # alice still opens hers
    mine = {**squat, "user_id": "alice", "graph_exec_id": alices["id"], "graph_id": "g", "node_exec_id": target}
    assert await reviews.rpc.result("get_or_create_human_review", mine) is None
    assert (await reviews.row(target))["user_id"] == "alice"
