"""Analytics edges on small data: no data at all, a 7-day average of 0, the summary's names,
and bad params (-32602 naming the param)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from daemon.clock import rfc3339
from daemon.domains.executions.tables import graph_executions


@pytest.fixture
async def ann(rpc):
    await rpc.result("create_user", {"email": "ann@x.io", "user_id": "ann"})
    return rpc


async def _runs(rpc, graph_id, stats_list, status="COMPLETED", user_id="ann", days_ago=0):
    for stats in stats_list:
        run = await rpc.result("create_graph_execution", {"graph_id": graph_id, "graph_version": 1, "user_id": user_id,
                                                          "inputs": {}, "starting_nodes_input": []})
        await rpc.result("update_graph_execution_stats", [run["id"], "RUNNING"])
        await rpc.result("update_graph_execution_stats", [run["id"], status, stats])
        if days_ago:
            async with rpc.services.db.write() as conn:
                await conn.execute(update(graph_executions).where(graph_executions.c.id == run["id"]).values(
                    created_at=rfc3339(datetime.now(UTC) - timedelta(days=days_ago, hours=1))))


async def _graph(rpc, graph_id, name=None, user_id="ann"):
    await rpc.result("create_graph", {"user_id": user_id, "graph": {"id": graph_id, "name": name, "nodes": [],
                                                                    "links": []}})


async def test_nothing_to_report(ann):
    trends = await ann.result("get_accuracy_trends_and_alerts", {"graph_id": "none", "include_historical": True})
    assert trends["latest_data"] == {"date": datetime.now(UTC).date().isoformat(), "daily_score": None,
                                     "three_day_avg": None, "seven_day_avg": None, "fourteen_day_avg": None}
    assert trends["alert"] is None and trends["historical_data"] == []
    assert await ann.result("get_block_error_stats", ["2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"]) == []
    assert await ann.result("get_frequently_executed_graphs") == []
    assert await ann.result("get_marketplace_graphs_for_monitoring") == []
    assert await ann.result("get_user_execution_summary_data", ["ann", "2020-01-01T00:00:00Z",
                                                                "2030-01-01T00:00:00Z"]) == {
        "total_credits_used": 0, "total_executions": 0, "successful_runs": 0, "failed_runs": 0,
        "most_used_agent": "No agents used", "total_execution_time": 0, "average_execution_time": 0,
        "cost_breakdown": {}}


async def test_a_seven_day_average_of_zero_drops_zero_percent(ann):
    await _graph(ann, "g")
    await _runs(ann, "g", [{"correctness_score": 0}] * 3)
    trends = await ann.result("get_accuracy_trends_and_alerts", {"graph_id": "g", "drop_threshold": 0})
    assert trends["latest_data"]["seven_day_avg"] == 0 and trends["alert"]["drop_percent"] == 0


async def test_a_day_needs_three_numeric_scores(ann):
    await _graph(ann, "g")
    await _runs(ann, "g", [{"correctness_score": 1}, {"correctness_score": "0.9"}, {"correctness_score": None}, {}])
    await _runs(ann, "g", [{"correctness_score": 0.5}] * 3, days_ago=1)
    trends = await ann.result("get_accuracy_trends_and_alerts", {"graph_id": "g", "include_historical": True})
    yesterday = (datetime.now(UTC) - timedelta(days=1, hours=1)).date().isoformat()
    assert trends["historical_data"] == [{"date": yesterday, "daily_score": 50, "three_day_avg": 50,
                                          "seven_day_avg": 50, "fourteen_day_avg": 50}]


async def test_a_big_drop_raises_an_alert(ann):
    await _graph(ann, "g")
    for days_ago, score in ((3, 1.0), (2, 1.0), (1, 0.1), (0, 0.1)):
        await _runs(ann, "g", [{"correctness_score": score}] * 3, days_ago=days_ago)
    trends = await ann.result("get_accuracy_trends_and_alerts", {"graph_id": "g", "user_id": "ann"})
    three, seven = (10 + 10 + 100) / 3, (10 + 10 + 100 + 100) / 4
    assert trends["alert"]["drop_percent"] == pytest.approx((seven - three) / seven * 100)
    assert trends["alert"]["user_id"] == "ann" and trends["alert"]["seven_day_avg"] == pytest.approx(seven)


async def test_the_summary_names_agents_by_their_newest_version(ann):
    await _graph(ann, "g-unnamed-graph")
    await _graph(ann, "named", "Old name")
    await _graph(ann, "named", "New name")  # version 2: its name is the agent's
    await _runs(ann, "g-unnamed-graph", [{"cost": 150, "walltime": 2}] * 2)
    await _runs(ann, "named", [{"cost": 50}], status="FAILED")
    got = await ann.result("get_user_execution_summary_data", ["ann", "2020-01-01T00:00:00Z", "2099-01-01T00:00:00Z"])
    assert got["most_used_agent"] == "Agent g-unname" and got["cost_breakdown"] == {"Agent g-unname": 3, "New name": 0.5}
    assert (got["total_executions"], got["successful_runs"], got["failed_runs"]) == (3, 2, 1)
    assert got["total_execution_time"] == 4 and got["average_execution_time"] == pytest.approx(4 / 3)


BAD = [
    ("get_block_error_stats", {"start_time": "yesterday", "end_time": "2030-01-01T00:00:00Z"}, "start_time"),
    ("get_block_error_stats", {"start_time": "2030-01-01T00:00:00Z"}, "end_time"),
    ("get_frequently_executed_graphs", {"days_back": 0}, "days_back"),
    ("get_frequently_executed_graphs", {"min_executions": -1}, "min_executions"),
    ("get_frequently_executed_graphs", {"days_back": 1.5}, "days_back"),
    ("get_accuracy_trends_and_alerts", {"graph_id": ""}, "graph_id"),
    ("get_accuracy_trends_and_alerts", {"graph_id": "g", "drop_threshold": "10"}, "drop_threshold"),
    ("get_accuracy_trends_and_alerts", {"graph_id": "g", "drop_threshold": True}, "drop_threshold"),
    ("get_accuracy_trends_and_alerts", {"graph_id": "g", "include_historical": 1}, "include_historical"),
    ("get_marketplace_graphs_for_monitoring", {"days_back": 36501}, "days_back"),
    ("get_user_execution_summary_data", {"user_id": "ann", "start_time": "2020-01-01T00:00:00",
                                         "end_time": "2030-01-01T00:00:00Z"}, "start_time"),
    ("get_user_execution_summary_data", {"user_id": "x" * 256, "start_time": "2020-01-01T00:00:00Z",
                                         "end_time": "2030-01-01T00:00:00Z"}, "user_id"),
]


async def test_bad_params_name_the_param(ann):
    failed = []
    for method, params, param in BAD:
        error = await ann.error(method, params)
        if error["code"] != -32602 or error["data"]["param"] != param:
            failed.append((method, params, error))
    assert not failed, failed


async def test_marketplace_monitoring_counts_graphs_with_an_approved_live_listing(ann):
    await ann.result("create_user", {"email": "bob@x.io", "user_id": "bob"})
    for graph_id in ("listed", "pending", "rejected"):
        await _graph(ann, graph_id)
        submitted = await ann.result("create_store_submission", {
            "user_id": "ann", "graph_id": graph_id, "graph_version": 1, "slug": graph_id, "name": graph_id,
            "sub_heading": "h", "description": "d"})
        if graph_id != "pending":
            await ann.result("review_store_submission", {"store_listing_version_id": submitted["store_listing_version_id"],
                                                         "is_approved": graph_id == "listed", "reviewer_id": "admin"})
        await _runs(ann, graph_id, [{}] * 3)
    await _runs(ann, "listed", [{}] * 2, user_id="bob")  # a public graph: anyone's runs count
    await _runs(ann, "listed", [{}], status="FAILED", days_ago=40)  # too old
    assert await ann.result("get_marketplace_graphs_for_monitoring", {"min_executions": 1}) == [
        {"graph_id": "listed", "user_id": None, "execution_count": 5}]
    assert await ann.result("get_marketplace_graphs_for_monitoring", [50, 6]) == [
        {"graph_id": "listed", "user_id": None, "execution_count": 6}]
    assert await ann.result("get_marketplace_graphs_for_monitoring", [50, 7]) == []
