"""get_store_agents without a search, and get_store_agent_details: the StoreAgent rows, their
filters, sorts and pages, runs and ratings read current."""

import uuid

from daemon.domains.store.tables import store_listing_reviews, store_listing_versions, store_listings


async def _agents(store, **params):
    return await store.rpc.result("get_store_agents", params)


async def _names(store, **params):
    return [a["agent_name"] for a in (await _agents(store, **params))["agents"]]


async def _set(store, table, **values):
    """Columns no method sets yet (featured, available, deleted): set in the table."""
    async with store.rpc.services.db.write() as conn:
        await conn.execute(table.update().values(**values))


async def _review(store, version_id: str, user_id: str, score: int):
    """Users' reviews of a listing have no method here: written to the table."""
    async with store.rpc.services.db.write() as conn:
        await conn.execute(store_listing_reviews.insert().values(
            id=str(uuid.uuid4()), store_listing_version_id=version_id, review_by_user_id=user_id, score=score,
            created_at="2026-01-01T00:00:00.000000Z", updated_at="2026-01-01T00:00:00.000000Z"))


async def test_only_approved_versions_of_live_listings_are_listed(store):
    pending = await store.submit("ann", "g", name="Echo", image_urls=["https://i/1.png", "https://i/2.png"])
    assert await _agents(store) == {"agents": [], "pagination": {"total_items": 0, "total_pages": 0,
                                                                 "current_page": 1, "page_size": 20}}
    await store.review(pending["store_listing_version_id"])
    (agent,) = (await _agents(store))["agents"]
    assert agent == {"slug": "g", "agent_name": "Echo", "agent_image": "https://i/1.png", "creator": "Needs Profile",
                     "creator_avatar": None, "sub_heading": "a heading", "description": "what it does", "runs": 0,
                     "rating": 0.0, "agent_graph_id": "g"}
    await store.rpc.result("create_or_update_profile", ["ann", "ann-co", "Ann", None, None, "https://a/me.png"])
    (agent,) = (await _agents(store))["agents"]
    assert (agent["creator"], agent["creator_avatar"]) == ("ann-co", "https://a/me.png")
    await _set(store, store_listing_versions, is_available=False)
    assert await _names(store) == []
    await _set(store, store_listing_versions, is_available=True)
    await _set(store, store_listings, is_deleted=True)
    assert await _names(store) == []


async def test_a_listing_shows_its_highest_approved_version(store):
    await store.graph("ann", "g", versions=2)  # versions 1, 2, 3
    await store.listed("ann", "g", 1, name="One")
    await store.listed("ann", "g", 2, name="Two")
    await store.submit("ann", "g", 3, name="Three (pending)")
    assert await _names(store) == ["Two"]


async def test_filters_featured_creators_and_category(store):
    await store.graph("bob", "b")
    await store.listed("ann", "g", name="Ann's", categories=["writing", "ai"])
    await store.listed("bob", "b", name="Bob's", categories=["finance"])
    for user, name in (("ann", "ann-co"), ("bob", "bob-co")):
        await store.rpc.result("create_or_update_profile", [user, name, name])
    assert await _names(store, creators=["bob-co"]) == ["Bob's"]
    assert await _names(store, creators=[]) == []
    assert await _names(store, category="writing") == ["Ann's"]
    assert await _names(store, category="writ") == []  # a category is matched whole
    assert await _names(store, featured=True) == []
    async with store.rpc.services.db.write() as conn:
        await conn.execute(store_listing_versions.update().where(store_listing_versions.c.graph_id == "b")
                           .values(is_featured=True))
    assert await _names(store, featured=True) == ["Bob's"]


async def test_sorts_by_name_runs_and_rating_read_current(store):
    for graph_id, name in (("b", "Beta"), ("c", "Alpha")):
        await store.graph("ann", graph_id)
        await store.listed("ann", graph_id, name=name)
    g = await store.listed("ann", "g", name="Gamma")
    assert await _names(store, sorted_by="name") == ["Alpha", "Beta", "Gamma"]
    for user in ("ann", "bob"):
        await store.rpc.result("create_graph_execution", {"graph_id": "b", "graph_version": 1,
                                                          "starting_nodes_input": [], "inputs": {}, "user_id": user})
    # ties (no runs) newest first
    assert await _names(store, sorted_by="runs") == ["Beta", "Gamma", "Alpha"]
    assert [a["runs"] for a in (await _agents(store, sorted_by="runs"))["agents"]][0] == 2
    await _review(store, g["store_listing_version_id"], "ann", 5)
    await _review(store, g["store_listing_version_id"], "bob", 2)
    rated = (await _agents(store, sorted_by="rating"))["agents"]
    assert (rated[0]["agent_name"], rated[0]["rating"]) == ("Gamma", 3.5)


async def test_pages(store):
    for graph_id in ("a", "b", "c"):
        await store.graph("ann", graph_id)
        await store.listed("ann", graph_id, name=graph_id.upper())
    second = await _agents(store, sorted_by="name", page=2, page_size=2)
    assert [a["agent_name"] for a in second["agents"]] == ["C"]
    assert second["pagination"] == {"total_items": 3, "total_pages": 2, "current_page": 2, "page_size": 2}
    error = await store.rpc.error("get_store_agents", {"page_size": 101})
    assert (error["code"], error["data"]["param"]) == (-32602, "page_size")
    error = await store.rpc.error("get_store_agents", {"sorted_by": "price"})
    assert (error["code"], error["data"]["param"]) == (-32602, "sorted_by")


async def test_details_are_the_active_version_with_the_approved_versions_and_changelog(store):
    await store.graph("ann", "g", versions=1)
    one = await store.listed("ann", "g", 1, name="One", changes_summary="first")
    two = await store.listed("ann", "g", 2, name="Two", changes_summary="second")
    await store.rpc.result("create_or_update_profile", ["ann", "ann-co", "Ann"])
    await store.review(one["store_listing_version_id"])  # approved again: the active version now
    details = await store.rpc.result("get_store_agent_details", ["ann-co", "g", True])
    assert (details["store_listing_version_id"], details["agent_name"]) == (one["store_listing_version_id"], "One")
    assert details["active_version_id"] == one["store_listing_version_id"] and details["has_approved_version"]
    assert (details["versions"], details["agentGraphVersions"], details["agentGraphId"]) == (["2", "1"], ["2", "1"], "g")
    assert [(c["version"], c["changes_summary"]) for c in details["changelog"]] == [(2, "second"), (1, "first")]
    assert details["creator"] == "ann-co" and details["runs"] == 0 and details["rating"] == 0.0
    assert (await store.rpc.result("get_store_agent_details", ["ann-co", "g"]))["changelog"] is None
    assert two["version"] == 2


async def test_details_of_an_unknown_agent_are_not_found(store):
    await store.listed("ann", "g")
    await store.rpc.result("create_or_update_profile", ["ann", "ann-co", "Ann"])
    error = await store.rpc.error("get_store_agent_details", ["ann-co", "nope"])
    assert (error["code"], error["data"]) == (1002, {"kind": "store_agent", "id": "ann-co/nope"})
    error = await store.rpc.error("get_store_agent_details", ["bob", "g"])
    assert error["code"] == 1002
