"""create_store_submission and review_store_submission: listings, their versions, their review."""

from daemon.domains.store.tables import store_listing_versions, store_listings
from tests.support import Rpc


async def _rows(rpc: Rpc, table) -> list[dict]:
    async with rpc.services.db.session() as conn:
        return [dict(r._mapping) for r in await conn.fetch_all(table.select())]


async def test_a_submission_is_a_pending_first_version_of_a_new_listing(store):
    made = await store.submit("ann", "g", 1, slug="my-g", name="G", sub_heading="h", description="d",
                              categories=["writing", "ai"], image_urls=["https://i/1.png"],
                              video_url="https://v", changes_summary="first")
    assert made["store_listing_version_id"] and made["store_listing_id"]
    assert made["submitted_at"].endswith("Z")
    assert {k: v for k, v in made.items() if k not in ("store_listing_version_id", "store_listing_id",
                                                       "submitted_at")} == {
        "graph_id": "g", "graph_version": 1, "version": 1, "slug": "my-g", "name": "G", "sub_heading": "h",
        "description": "d", "categories": ["writing", "ai"], "image_urls": ["https://i/1.png"], "video_url": "https://v",
        "submission_status": "PENDING", "changes_summary": "first", "reviewed_at": None, "review_comments": None}
    (listing,) = await _rows(store.rpc, store_listings)
    assert (listing["owning_user_id"], listing["slug"], listing["has_approved_version"],
            listing["active_version_id"]) == ("ann", "my-g", False, None)


async def test_a_later_submission_adds_a_version_to_the_same_listing_which_keeps_its_slug(store):
    await store.graph("ann", "g", versions=2)  # g is now at versions 1, 2 and 3
    first = await store.submit("ann", "g", 1, slug="one")
    second = await store.submit("ann", "g", 3, slug="another")
    assert (second["store_listing_id"], second["version"], second["slug"]) == (first["store_listing_id"], 2, "one")
    (listing,) = await _rows(store.rpc, store_listings)
    assert listing["graph_version"] == 3
    assert sorted(v["version"] for v in await _rows(store.rpc, store_listing_versions)) == [1, 2]


async def test_only_the_graphs_owner_may_submit_it(store):
    error = await store.rpc.error("create_store_submission", ["bob", "g", 1, "g", "G", "h", "d"])
    assert (error["code"], error["data"]) == (1002, {"kind": "graph", "id": "g"})
    error = await store.rpc.error("create_store_submission", ["ann", "g", 2, "g", "G", "h", "d"])
    assert (error["code"], error["data"]) == (1002, {"kind": "graph", "id": "g"})
    assert await _rows(store.rpc, store_listings) == [] and await _rows(store.rpc, store_listing_versions) == []


async def test_a_slug_the_user_gave_another_listing_is_a_conflict(store):
    await store.graph("ann", "h")
    await store.submit("ann", "g", slug="same")
    error = await store.rpc.error("create_store_submission", ["ann", "h", 1, "same", "H", "h", "d"])
    assert error["code"] == 1003 and error["data"]["field"] == "slug"
    assert len(await _rows(store.rpc, store_listings)) == 1
    # another user may use the same slug
    await store.graph("bob", "b")
    assert (await store.submit("bob", "b", slug="same"))["slug"] == "same"


async def test_approval_makes_the_version_the_listings_active_one(store):
    made = await store.submit("ann", "g")
    approved = await store.review(made["store_listing_version_id"], comments="looks good")
    assert (approved["submission_status"], approved["review_comments"]) == ("APPROVED", "looks good")
    assert approved["reviewed_at"] >= approved["submitted_at"]
    assert {k: v for k, v in approved.items() if k not in ("submission_status", "review_comments", "reviewed_at")} \
        == {k: v for k, v in made.items() if k not in ("submission_status", "review_comments", "reviewed_at")}
    (listing,) = await _rows(store.rpc, store_listings)
    assert (listing["active_version_id"], listing["has_approved_version"]) == (made["store_listing_version_id"], True)
    (version,) = await _rows(store.rpc, store_listing_versions)
    assert version["reviewer_id"] == "admin"


async def test_rejecting_the_active_version_hands_the_role_to_the_other_approved_one(store):
    await store.graph("ann", "g", versions=1)
    one = await store.listed("ann", "g", 1)
    two = await store.listed("ann", "g", 2)
    (listing,) = await _rows(store.rpc, store_listings)
    assert listing["active_version_id"] == two["store_listing_version_id"]
    rejected = await store.review(two["store_listing_version_id"], approve=False, comments="broken")
    assert (rejected["submission_status"], rejected["review_comments"]) == ("REJECTED", "broken")
    (listing,) = await _rows(store.rpc, store_listings)
    assert (listing["active_version_id"], listing["has_approved_version"]) == (one["store_listing_version_id"], True)
    await store.review(one["store_listing_version_id"], approve=False)
    (listing,) = await _rows(store.rpc, store_listings)
    assert (listing["active_version_id"], listing["has_approved_version"]) == (None, False)


async def test_reviewing_an_unknown_version_is_not_found(store):
    error = await store.rpc.error("review_store_submission", ["nope", True, "admin"])
    assert (error["code"], error["data"]) == (1002, {"kind": "store_listing_version", "id": "nope"})


async def test_a_submission_missing_a_field_is_invalid_params_naming_it(store):
    error = await store.rpc.error("create_store_submission", {"user_id": "ann", "graph_id": "g", "graph_version": 1,
                                                              "slug": "g", "name": "G", "sub_heading": "h"})
    assert (error["code"], error["data"]["param"]) == (-32602, "description")
    error = await store.rpc.error("create_store_submission", ["ann", "g", 1, "", "G", "h", "d"])
    assert (error["code"], error["data"]["param"]) == (-32602, "slug")
    assert await _rows(store.rpc, store_listings) == []
