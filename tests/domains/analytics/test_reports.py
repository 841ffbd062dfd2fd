"""The analytics against a hand-computed expectation: a few hundred executions (conftest.py),
and what each report should say, worked out here in plain Python from the plan they were built
from, not by running the same SQL. The executions take a while to build, so one test per
database checks every report on them."""

from collections import Counter, defaultdict
from datetime import timedelta

import pytest

from daemon.clock import rfc3339

FINISHED = ("COMPLETED", "FAILED", "TERMINATED")


def _number(stats, field):
    value = (stats or {}).get(field)
    return float(value) if type(value) in (int, float) else None


async def _block_error_stats_match_the_plan(world):
    start, end = world.now - timedelta(days=10), world.now
    totals, failed = Counter(), Counter()
    for run in world.runs:
        if not run.deleted and start <= run.created_at <= end:
            for node in run.nodes:
                totals[node.block_id] += 1
                failed[node.block_id] += node.status == "FAILED"
    expected = [{"block_id": b, "total_executions": totals[b], "failed_executions": failed[b],
                 "error_rate": pytest.approx(failed[b] / totals[b] * 100)}
                for b in sorted(totals) if totals[b] >= 10]
    assert len(expected) == 3  # the fixture is big enough for every block to pass the threshold
    got = await world.rpc.result("get_block_error_stats", [rfc3339(start), rfc3339(end)])
    assert got == expected


async def _frequently_executed_graphs_match_the_plan(world):
    since = world.now - timedelta(days=15)
    counts = Counter((r.graph_id, r.user_id) for r in world.runs
                     if r.finished and not r.deleted and r.created_at >= since)
    expected = [{"graph_id": g, "user_id": u, "execution_count": n}
                for (g, u), n in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if n >= 10]
    got = await world.rpc.result("get_frequently_executed_graphs", {"days_back": 15, "min_executions": 10})
    assert got == expected and len(got) == 3
    fewer = await world.rpc.result("get_frequently_executed_graphs", {"days_back": 15, "min_executions": expected[0][
        "execution_count"]})
    assert fewer == expected[:1]


async def _accuracy_trends_match_the_plan(world):
    scores = defaultdict(list)
    for run in world.runs:
        score = _number(run.stats, "correctness_score")
        if run.graph_id == "ga" and run.finished and not run.deleted and score is not None:
            scores[run.created_at.date().isoformat()].append(score)
    days = sorted(day for day, values in scores.items() if len(values) >= 3)
    daily = [sum(scores[d]) / len(scores[d]) * 100 for d in days]

    def rolling(i, k):
        window = daily[max(0, i - k + 1):i + 1]
        return sum(window) / len(window)
    expected = [{"date": d, "daily_score": pytest.approx(daily[i]), "three_day_avg": pytest.approx(rolling(i, 3)),
                 "seven_day_avg": pytest.approx(rolling(i, 7)), "fourteen_day_avg": pytest.approx(rolling(i, 14))}
                for i, d in reversed(list(enumerate(days)))]
    assert len(expected) >= 10

    got = await world.rpc.result("get_accuracy_trends_and_alerts", {"graph_id": "ga", "include_historical": True,
                                                                    "drop_threshold": -1000.0})
    assert got["historical_data"] == expected and got["latest_data"] == expected[0]
    three, seven = rolling(len(days) - 1, 3), rolling(len(days) - 1, 7)
    alert = got["alert"]
    assert alert["drop_percent"] == pytest.approx((seven - three) / seven * 100)
    assert (alert["graph_id"], alert["user_id"], alert["three_day_avg"]) == ("ga", None, pytest.approx(three))

    quiet = await world.rpc.result("get_accuracy_trends_and_alerts", ["ga", 30, "ann", 1000])
    assert quiet["alert"] is None and quiet["historical_data"] is None and quiet["latest_data"] == expected[0]
    assert (await world.rpc.result("get_accuracy_trends_and_alerts", ["ga", 30, "bob"]))["latest_data"][
        "daily_score"] is None  # bob never ran ga


async def _the_execution_summary_matches_the_plan(world):
    start, end = world.now - timedelta(days=12), world.now
    mine = [r for r in world.runs if r.user_id == "ann" and not r.deleted and start <= r.created_at <= end]
    cost = {g: sum(_number(r.stats, "cost") or 0 for r in mine if r.graph_id == g) for g in ("ga", "gb")}
    walltime = sum(_number(r.stats, "walltime") or 0 for r in mine)
    with_stats = sum(1 for r in mine if r.stats is not None)
    by_graph = Counter(r.graph_id for r in mine)
    got = await world.rpc.result("get_user_execution_summary_data", ["ann", rfc3339(start), rfc3339(end)])
    assert got == {
        "total_credits_used": pytest.approx((cost["ga"] + cost["gb"]) / 100),
        "total_executions": len(mine),
        "successful_runs": sum(r.status == "COMPLETED" for r in mine),
        "failed_runs": sum(r.status in ("FAILED", "TERMINATED") for r in mine),
        "most_used_agent": f"Graph {by_graph.most_common(1)[0][0].upper()}",
        "total_execution_time": pytest.approx(walltime),
        "average_execution_time": pytest.approx(walltime / with_stats),
        "cost_breakdown": {"Graph GA": pytest.approx(cost["ga"] / 100), "Graph GB": pytest.approx(cost["gb"] / 100)},
    }


async def test_every_report_matches_the_hand_computed_expectation(world):
    await _block_error_stats_match_the_plan(world)
    await _frequently_executed_graphs_match_the_plan(world)
    await _accuracy_trends_match_the_plan(world)
    await _the_execution_summary_matches_the_plan(world)
