"""list_library_agents: live entries only, search (case-insensitive, % and _ literal), both
sorts, pages, and include_executions with the seed's status, counts and new_output."""

import pytest
from sqlalchemy import update

from daemon.domains.executions.tables import graph_executions


async def test_the_library_lists_live_entries_with_their_graph(library):
    page = await library.rpc.result("list_library_agents", ["ann"])
    assert page["pagination"] == {"total_items": 2, "total_pages": 1, "current_page": 1, "page_size": 50}
    weather = next(a for a in page["agents"] if a["graph_id"] == "g")
    assert weather["name"] == "Weather Bot" and weather["description"] == "tells the weather"
    assert (weather["creator_name"], weather["creator_image_url"]) == ("Ann Maker", "https://img/ann.png")
    assert weather["can_access_graph"] and weather["owner_user_id"] == "ann" and weather["graph_version"] == 1
    assert weather["status"] == "COMPLETED" and weather["execution_count"] == 0 and weather["recent_executions"] == []
    assert weather["marketplace_listing"] is None and weather["settings"] == {
        "human_in_the_loop_safe_mode": True, "sensitive_action_safe_mode": False}
    await library.drop("ann", "h", is_archived=True)
    await library.drop("ann", "g", is_deleted=True)
    assert await library.names() == [] and await library.names("bob") == []


async def test_search_matches_name_or_description_case_insensitively(library):
    assert await library.names(search_term="WEATHER") == ["Weather Bot"]
    assert await library.names(search_term="sends") == ["Mailer"]
    assert await library.names(search_term="100%") == ["Mailer"] and await library.names(search_term="0%s") == []
    assert await library.names(search_term="l_x") == ["Mailer"] and await library.names(search_term="l_y") == []
    assert await library.names(search_term="nothing like it") == []
    assert sorted(await library.names(search_term="")) == ["Mailer", "Weather Bot"]


async def test_both_sorts_and_pages(library):
    assert await library.names(sort_by="createdAt") == ["Weather Bot", "Mailer"]
    assert await library.names() == ["Mailer", "Weather Bot"]  # updatedAt, most recent first
    await library.rpc.result("update_graph_settings", ["ann", "g", {"sensitive_action_safe_mode": True}])
    assert await library.names(sort_by="updatedAt") == ["Weather Bot", "Mailer"]
    second = await library.rpc.result("list_library_agents", {"user_id": "ann", "sort_by": "createdAt", "page": 2,
                                                              "page_size": 1})
    assert [a["name"] for a in second["agents"]] == ["Mailer"]
    assert second["pagination"] == {"total_items": 2, "total_pages": 2, "current_page": 2, "page_size": 1}
    beyond = await library.rpc.result("list_library_agents", {"user_id": "ann", "page": 3, "page_size": 1})
    assert beyond["agents"] == [] and beyond["pagination"]["total_items"] == 2


async def _agent(library, graph_id="g", user_id="ann"):
    page = await library.rpc.result("list_library_agents", {"user_id": user_id, "include_executions": True})
    return next(a for a in page["agents"] if a["graph_id"] == graph_id)


@pytest.mark.parametrize(("statuses", "expected"), [
    (["COMPLETED", "RUNNING", "QUEUED", "FAILED"], "ERROR"),
    (["COMPLETED", "RUNNING", "QUEUED"], "WAITING"),
    (["COMPLETED", "RUNNING", "TERMINATED"], "HEALTHY"),
    (["COMPLETED", "TERMINATED"], "COMPLETED"),
])
async def test_status_follows_the_seeds_rule(library, statuses, expected):
    for status in statuses:
        await library.run("g", status)
    assert (await _agent(library))["status"] == expected


async def test_executions_give_counts_scores_and_new_output(library):
    await library.run("g", "COMPLETED", {"correctness_score": 0.5, "activity_status": "did it"})
    await library.run("g", "COMPLETED", {"correctness_score": 1})
    await library.run("g", "FAILED", {"correctness_score": "high"})
    await library.run("g", "RUNNING")
    agent = await _agent(library)
    assert agent["execution_count"] == 4 and agent["success_rate"] == 50 and agent["new_output"]
    assert agent["avg_correctness_score"] == 0.75
    assert agent["recent_executions"] == [
        {"status": "RUNNING", "correctness_score": None, "activity_summary": None},
        {"status": "FAILED", "correctness_score": None, "activity_summary": None},
        {"status": "COMPLETED", "correctness_score": 1, "activity_summary": None},
        {"status": "COMPLETED", "correctness_score": 0.5, "activity_summary": "did it"}]
    other = await _agent(library, "h")
    assert (other["execution_count"], other["new_output"], other["success_rate"]) == (0, False, 0)


async def test_only_the_last_ten_executions_count(library):
    for _ in range(3):
        await library.run("g", "FAILED")
    for _ in range(10):
        await library.run("g", "COMPLETED")
    agent = await _agent(library)
    assert agent["execution_count"] == 10 and agent["success_rate"] == 100 and agent["status"] == "COMPLETED"


async def test_an_old_completed_run_is_no_new_output(library):
    run_id = await library.run("g", "COMPLETED")
    async with library.rpc.services.db.write() as conn:  # as if it ran eight days ago
        await conn.execute(update(graph_executions).where(graph_executions.c.id == run_id).values(
            started_at="2020-01-01T00:00:00.000000Z", created_at="2020-01-01T00:00:00.000000Z"))
    assert not (await _agent(library))["new_output"]


BAD = [({"page": 0}, "page"), ({"page_size": 0}, "page_size"), ({"search_term": "x" * 101}, "search_term"),
       ({"sort_by": "name"}, "sort_by"), ({"page": "1"}, "page"), ({"include_executions": "yes"}, "include_executions"),
       ({"user_id": ""}, "user_id")]


async def test_bad_params_name_the_param(library):
    for change, param in BAD:
        error = await library.rpc.error("list_library_agents", {"user_id": "ann", **change})
        assert error["code"] == -32602 and error["data"]["param"] == param, change
    assert len(await library.names(search_term="x" * 100)) == 0
