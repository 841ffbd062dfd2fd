"""get_store_agents with search_query: hybrid search over the approved agents, its filters, and
its fallbacks (no query vector; a failing search)."""

from daemon.domains.store.embedding.worker import VECTORS
from tests.domains.store.conftest import FailingEmbedder

LISTINGS = [("inv", "Invoice Chaser", "gets overdue bills paid", "sends payment reminders for unpaid invoices",
             ["finance"]),
            ("mail", "Inbox Digest", "morning summary of mail", "writes a digest of your unread email", ["productivity"]),
            ("trip", "Trip Planner", "holiday plans", "builds a day by day itinerary for a vacation", ["travel"])]


async def _catalogue(store) -> None:
    for slug, name, sub_heading, description, categories in LISTINGS:
        await store.graph("ann", slug)
        await store.listed("ann", slug, name=name, sub_heading=sub_heading, description=description,
                           categories=categories)
    await store.embedded(len(LISTINGS))


async def _search(store, query: str, **params):
    return await store.rpc.result("get_store_agents", {"search_query": query, **params})


async def test_the_listing_the_query_describes_comes_first(store):
    await _catalogue(store)
    found = await _search(store, "unpaid invoices reminders")
    assert found["agents"][0]["slug"] == "inv"
    assert found["pagination"]["total_items"] == len(found["agents"]) >= 1
    assert (await _search(store, "vacation itinerary"))["agents"][0]["slug"] == "trip"


async def test_a_category_named_by_the_query_counts(store):
    await _catalogue(store)
    assert (await _search(store, "travel"))["agents"][0]["slug"] == "trip"


async def test_a_query_like_nothing_finds_nothing(store):
    await _catalogue(store)
    assert await _search(store, "zzyzx quux") == {"agents": [], "pagination": {
        "total_items": 0, "total_pages": 0, "current_page": 1, "page_size": 20}}


async def test_the_filters_apply_to_a_search(store):
    await _catalogue(store)
    assert [a["slug"] for a in (await _search(store, "invoices", category="travel"))["agents"]] == []
    assert [a["slug"] for a in (await _search(store, "invoices", creators=["nobody"]))["agents"]] == []
    await store.rpc.result("create_or_update_profile", ["ann", "ann-co", "Ann"])
    assert (await _search(store, "invoices", creators=["ann-co"]))["agents"][0]["slug"] == "inv"


async def test_when_the_query_cannot_be_embedded_words_still_find(store):
    await _catalogue(store)
    failing = FailingEmbedder()
    store.use(failing)
    found = await _search(store, "unpaid invoices")
    assert failing.calls == 1
    assert [a["slug"] for a in found["agents"]] == ["inv"]


async def test_when_the_search_fails_names_and_descriptions_containing_the_query_are_listed(store):
    await _catalogue(store)

    class Broken:
        model = "test-words"

        async def refresh(self, conn):
            raise RuntimeError("the vectors could not be read")

    store.rpc.services.state.set(VECTORS, Broken())
    found = await _search(store, "Digest")
    assert [a["slug"] for a in found["agents"]] == ["mail"]
    assert found["pagination"]["total_items"] == 1


async def test_search_pages(store):
    await _catalogue(store)
    for slug in ("camp", "hike"):
        await store.graph("ann", slug)
        await store.listed("ann", slug, name=slug.title(), categories=["travel"])
    await store.embedded(len(LISTINGS) + 2)
    pages = [await _search(store, "travel", page=n, page_size=2) for n in (1, 2)]
    assert [p["pagination"]["total_items"] for p in pages] == [3, 3]
    assert [p["pagination"]["total_pages"] for p in pages] == [2, 2]
    slugs = [a["slug"] for p in pages for a in p["agents"]]
    assert sorted(slugs) == ["camp", "hike", "trip"]
