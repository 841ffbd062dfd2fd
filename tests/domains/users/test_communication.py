"""get_user_email_by_id, get_user_email_verification and get_active_user_ids_in_timerange, on both databases."""

from daemon.domains.executions.tables import graph_executions
from tests.domains.executions.conftest import force


async def test_the_email_of_a_user_or_null(rpc, people):
    assert await rpc.result("get_user_email_by_id", ["alice"]) == "alice@x.io"
    assert await rpc.result("get_user_email_by_id", {"user_id": "ghost"}) is None


async def test_the_email_verification_is_the_stored_flag(rpc, people):
    assert await rpc.result("get_user_email_verification", ["alice"]) is True
    await rpc.result("update_user", {"user_id": "alice", "email_verified": False})
    assert await rpc.result("get_user_email_verification", ["alice"]) is False
    assert await rpc.result("get_user_email_verification", ["bob"]) is True
    assert await rpc.error("get_user_email_verification", ["ghost"]) == {
        "code": 1002, "message": "Not found", "data": {"kind": "user", "id": "ghost"}}


async def run_at(rpc, user_id: str, created_at: str, deleted: bool = False) -> None:
    """A graph execution of the user's (of a new graph of theirs), created at that moment."""
    graph = await rpc.result("create_graph", {"user_id": user_id, "graph": {"nodes": [{"block_id": "b"}],
                                                                           "links": []}})
    run = await rpc.result("create_graph_execution", {
        "graph_id": graph["id"], "graph_version": 1, "user_id": user_id, "inputs": {},
        "starting_nodes_input": [[graph["nodes"][0]["id"], {}]]})
    await force(rpc, graph_executions, run["id"], created_at=created_at, is_deleted=deleted)


async def test_active_users_are_those_with_an_execution_created_in_the_range(rpc, people):
    await rpc.result("create_user", {"email": "carol@x.io", "user_id": "carol"})
    await rpc.result("create_user", {"email": "dave@x.io", "user_id": "dave"})  # never runs anything
    await run_at(rpc, "bob", "2026-03-01T10:00:00.000000Z")
    await run_at(rpc, "bob", "2026-03-01T11:00:00.000000Z")  # twice: listed once
    await run_at(rpc, "alice", "2026-03-01T12:00:00.000000Z", deleted=True)  # deleted ones count
    await run_at(rpc, "carol", "2026-03-02T00:00:00.000001Z")  # just after the end

    async def active(start: str, end: str) -> list[str]:
        ids: list[str] = await rpc.result("get_active_user_ids_in_timerange", [start, end])
        return ids

    assert await active("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z") == ["alice", "bob"]  # sorted
    assert await active("2026-03-01T00:00:00Z", "2026-03-02T00:00:00.000001Z") == ["alice", "bob", "carol"]
    # both ends are included, and any offset is read as the moment it names
    assert await active("2026-03-01T13:00:00+01:00", "2026-03-01T07:00:00-05:00") == ["alice"]
    assert await active("2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z") == ["bob"]
    assert await active("2026-03-02T00:00:00Z", "2026-03-01T00:00:00Z") == []  # a start after the end
    assert await active("2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z") == []
