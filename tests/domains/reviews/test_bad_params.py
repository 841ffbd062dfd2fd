"""Bad params on every reviews method: -32602 naming the param, and nothing written."""

from daemon.domains.reviews import DOMAIN

DEEP: dict = {"a": 1}
for _ in range(70):
    DEEP = {"a": DEEP}

BAD = [
    ("get_or_create_human_review", "user_id", ""), ("get_or_create_human_review", "node_exec_id", "x" * 256),
    ("get_or_create_human_review", "graph_exec_id", None), ("get_or_create_human_review", "graph_id", ""),
    ("get_or_create_human_review", "graph_version", 0), ("get_or_create_human_review", "graph_version", "1"),
    ("get_or_create_human_review", "input_data", DEEP), ("get_or_create_human_review", "message", 5),
    ("get_or_create_human_review", "message", "a\x00b"), ("get_or_create_human_review", "editable", "yes"),
    ("check_approval", "node_exec_id", ""), ("check_approval", "graph_exec_id", 1),
    ("check_approval", "node_id", "x" * 256), ("check_approval", "user_id", None),
    ("check_approval", "input_data", DEEP), ("has_pending_reviews_for_graph_exec", "graph_exec_id", ""),
    ("cancel_pending_reviews_for_execution", "graph_exec_id", ""),
    ("cancel_pending_reviews_for_execution", "user_id", "x" * 256),
    ("update_review_processed_status", "node_exec_id", ""), ("update_review_processed_status", "processed", 1),
    ("update_review_processed_status", "processed", None), ("review_human_review", "user_id", ""),
    ("review_human_review", "node_exec_id", ["n"]), ("review_human_review", "status", "WAITING"),
    ("review_human_review", "status", "approved"), ("review_human_review", "reviewed_data", DEEP),
    ("review_human_review", "message", 5), ("review_human_review", "auto_approve_future", "true"),
]


def test_every_method_is_covered():
    assert {method for method, _, _ in BAD} == {method.__name__ for method in DOMAIN.methods}


async def test_a_bad_param_is_refused_by_name_and_nothing_is_written(reviews):
    review = await reviews.open()
    decided = await reviews.open()
    await reviews.decide(decided)
    good = {
        "get_or_create_human_review": {k: v for k, v in review.items() if k != "node_id"} | {"node_exec_id": "new"},
        "check_approval": {"node_exec_id": decided["node_exec_id"], "graph_exec_id": decided["graph_exec_id"],
                           "node_id": "n-work", "user_id": "alice", "input_data": 1},
        "has_pending_reviews_for_graph_exec": {"graph_exec_id": review["graph_exec_id"]},
        "cancel_pending_reviews_for_execution": {"graph_exec_id": review["graph_exec_id"], "user_id": "alice"},
        "update_review_processed_status": {"node_exec_id": decided["node_exec_id"], "processed": True},
        "review_human_review": {"user_id": "alice", "node_exec_id": review["node_exec_id"], "status": "APPROVED",
                                "reviewed_data": 1, "message": "m", "auto_approve_future": True},
    }
    before = await reviews.rows()
    for method, param, value in BAD:
        error = await reviews.rpc.error(method, {**good[method], param: value})
        assert error["code"] == -32602 and error["data"]["param"] == param, (method, param, error)
    for method, params in good.items():
        required = [p for p in params if p not in ("input_data", "reviewed_data", "message", "auto_approve_future")
                    or method == "get_or_create_human_review"]
        for param in required:
            missing = {k: v for k, v in params.items() if k != param}
            error = await reviews.rpc.error(method, missing)
            assert error["code"] == -32602 and error["data"]["param"] == param, (method, param, error)
    assert await reviews.rows() == before
