"""What the executor asks of reviews: check_approval, has_pending_reviews_for_graph_exec,
cancel_pending_reviews_for_execution and update_review_processed_status."""

from daemon.domains.reviews.records import AUTO_APPROVED_MESSAGE, auto_approve_key


def approval_params(review, **extra):
    return {"node_exec_id": review["node_exec_id"], "graph_exec_id": review["graph_exec_id"],
            "node_id": review["node_id"], "user_id": review["user_id"], **extra}


async def test_only_an_approval_of_the_users_is_found(reviews):
    review = await reviews.open()
    assert await reviews.rpc.result("check_approval", approval_params(review)) is None  # waiting
    rejected = await reviews.open()
    await reviews.decide(rejected, "REJECTED")
    assert await reviews.rpc.result("check_approval", approval_params(rejected)) is None
    await reviews.decide(review, reviewed_data=[1], message="fine")
    assert await reviews.rpc.result("check_approval", approval_params(review, input_data="ignored")) == {
        "data": [1], "status": "APPROVED", "message": "fine", "processed": True, "node_exec_id": review["node_exec_id"]}
    assert await reviews.rpc.result("check_approval", approval_params(review, user_id="bob")) is None


async def test_an_auto_approval_covers_the_nodes_later_executions_in_that_run_only(reviews):
    review = await reviews.open(data={"v": 1})
    await reviews.decide(review, auto_approve_future=True)
    later = approval_params(review, node_exec_id="ne-later")
    key = auto_approve_key(review["graph_exec_id"], "n-work")
    expected = {"status": "APPROVED", "message": AUTO_APPROVED_MESSAGE, "processed": True, "node_exec_id": key}
    assert await reviews.rpc.result("check_approval", {**later, "input_data": {"v": 2}}) == {**expected,
                                                                                            "data": {"v": 2}}
    assert await reviews.rpc.result("check_approval", later) == {**expected, "data": {"v": 1}}
    assert await reviews.rpc.result("check_approval", [*later.values()]) == {**expected, "data": {"v": 1}}
    assert await reviews.rpc.result("check_approval", {**later, "node_id": "n-out"}) is None
    assert await reviews.rpc.result("check_approval", {**later, "graph_exec_id": "other-run"}) is None
    assert await reviews.rpc.result("check_approval", {**later, "user_id": "bob"}) is None


async def test_the_node_executions_own_approval_wins_over_an_auto_approval(reviews):
    review = await reviews.open()
    await reviews.decide(review, reviewed_data={"edited": 1}, message="mine", auto_approve_future=True)
    found = await reviews.rpc.result("check_approval", approval_params(review, input_data={"raw": 1}))
    assert found == {"data": {"edited": 1}, "status": "APPROVED", "message": "mine", "processed": True,
                     "node_exec_id": review["node_exec_id"]}


async def test_pending_reviews_are_those_waiting(reviews):
    run = await reviews.world.run([["n-work", {}], ["n-in", {}]])
    assert await reviews.rpc.result("has_pending_reviews_for_graph_exec", [run["id"]]) is False
    first = await reviews.open(run=run)
    second = await reviews.open(run={**run, "node_executions": run["node_executions"][1:]})
    assert await reviews.rpc.result("has_pending_reviews_for_graph_exec", {"graph_exec_id": run["id"]}) is True
    await reviews.decide(first)
    assert await reviews.rpc.result("has_pending_reviews_for_graph_exec", [run["id"]]) is True
    await reviews.decide(second, "REJECTED")
    assert await reviews.rpc.result("has_pending_reviews_for_graph_exec", [run["id"]]) is False
    assert await reviews.rpc.result("has_pending_reviews_for_graph_exec", ["no-such-run"]) is False


async def test_cancel_rejects_the_waiting_reviews_of_that_execution(reviews):
    run = await reviews.world.run([["n-work", {}], ["n-in", {}], ["n-out", {}]])
    waiting = [await reviews.open(run={**run, "node_executions": [node]}) for node in run["node_executions"]]
    await reviews.decide(waiting[0], message="done before")
    elsewhere = await reviews.open()
    before = {row["node_exec_id"]: row for row in await reviews.rows()}
    assert await reviews.rpc.result("cancel_pending_reviews_for_execution", [run["id"], "alice"]) == 2
    after = {row["node_exec_id"]: row for row in await reviews.rows()}
    assert after[waiting[0]["node_exec_id"]] == before[waiting[0]["node_exec_id"]]
    assert after[elsewhere["node_exec_id"]] == before[elsewhere["node_exec_id"]]
    for review in waiting[1:]:
        row = after[review["node_exec_id"]]
        assert (row["status"], row["review_message"], row["processed"]) == (
            "REJECTED", "Execution was stopped by user", True)
        assert row["reviewed_at"] == row["updated_at"] is not None
    assert await reviews.rpc.result("cancel_pending_reviews_for_execution",
                                    {"graph_exec_id": run["id"], "user_id": "alice"}) == 0
    assert await reviews.rpc.result("has_pending_reviews_for_graph_exec", [run["id"]]) is False


async def test_cancel_on_an_execution_that_is_not_the_users_is_not_found(reviews):
    bobs = await reviews.open("bob")
    before = await reviews.rows()
    for user_id, graph_exec_id in (("alice", bobs["graph_exec_id"]), ("alice", "no-such-run")):
        error = await reviews.rpc.error("cancel_pending_reviews_for_execution", [graph_exec_id, user_id])
        assert error["code"] == 1002 and error["data"] == {"kind": "graph_execution", "id": graph_exec_id}
    assert await reviews.rows() == before
    empty = await reviews.world.run([["n-work", {}]])
    assert await reviews.rpc.result("cancel_pending_reviews_for_execution", [empty["id"], "alice"]) == 0


async def test_processed_is_set_either_way_and_a_missing_review_is_not_found(reviews):
    review = await reviews.open()
    for processed in (True, True, False):
        assert await reviews.rpc.result("update_review_processed_status", [review["node_exec_id"], processed]) is None
        row = await reviews.row(review["node_exec_id"])
        assert row["processed"] is processed and row["status"] == "WAITING" and row["updated_at"] > row["created_at"]
    error = await reviews.rpc.error("update_review_processed_status", {"node_exec_id": "nope", "processed": True})
    assert error["code"] == 1002 and error["data"] == {"kind": "review", "id": "nope"}
