"""Public graphs: a graph version APPROVED in a live listing is readable and runnable by all."""

from daemon.domains.store.tables import store_listings


async def _run(rpc, user_id: str, graph_id: str = "g", version: int = 1):
    return await rpc.call("create_graph_execution", {
        "graph_id": graph_id, "graph_version": version, "starting_nodes_input": [[f"{graph_id}-v{version}", {}]],
        "inputs": {}, "user_id": user_id})


async def test_a_graph_only_submitted_stays_private(store):
    await store.submit("ann", "g")
    assert await store.rpc.result("get_graph", {"graph_id": "g", "user_id": "bob"}) is None
    assert await store.rpc.result("get_graph", {"graph_id": "g"}) is None
    assert (await _run(store.rpc, "bob"))["error"]["data"] == {"kind": "graph", "id": "g"}


async def test_an_approved_version_is_readable_and_runnable_by_every_user(store):
    await store.listed("ann", "g")
    read = await store.rpc.result("get_graph", {"graph_id": "g", "user_id": "bob"})
    assert (read["id"], read["version"], read["user_id"]) == ("g", 1, "ann")
    assert (await store.rpc.result("get_graph", {"graph_id": "g"}))["version"] == 1
    assert (await store.rpc.result("get_graph_metadata", {"graph_id": "g"}))["name"] == "g v1"
    run = (await _run(store.rpc, "bob"))["result"]
    assert (run["user_id"], run["graph_id"], run["status"]) == ("bob", "g", "INCOMPLETE")
    # the execution is bob's: ann does not see it
    assert await store.rpc.result("get_graph_execution", ["ann", run["id"]]) is None


async def test_only_the_approved_version_is_public(store):
    await store.graph("ann", "g", versions=1)  # g at versions 1 and 2; only 1 is approved
    await store.listed("ann", "g", 1)
    await store.submit("ann", "g", 2)
    assert (await store.rpc.result("get_graph", {"graph_id": "g", "user_id": "bob"}))["version"] == 1
    assert await store.rpc.result("get_graph", {"graph_id": "g", "version": 2, "user_id": "bob"}) is None
    assert (await _run(store.rpc, "bob", version=2))["error"]["code"] == 1002
    assert "result" in await _run(store.rpc, "bob", version=1)


async def test_a_rejected_or_deleted_listing_makes_the_graph_private_again(store):
    approved = await store.listed("ann", "g")
    await store.review(approved["store_listing_version_id"], approve=False)
    assert await store.rpc.result("get_graph", {"graph_id": "g", "user_id": "bob"}) is None
    await store.review(approved["store_listing_version_id"], approve=True)
    assert await store.rpc.result("get_graph", {"graph_id": "g", "user_id": "bob"}) is not None
    async with store.rpc.services.db.write() as conn:
        await conn.execute(store_listings.update().values(is_deleted=True))
    assert await store.rpc.result("get_graph", {"graph_id": "g", "user_id": "bob"}) is None
    assert (await _run(store.rpc, "bob"))["error"]["code"] == 1002
