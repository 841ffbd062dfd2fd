"""create_or_update_profile: one profile per user, usernames unique, omitted fields kept."""

from daemon.domains.store.tables import profiles
from tests.support import Rpc


async def _profiles(rpc: Rpc) -> list[dict]:
    async with rpc.services.db.session() as conn:
        return [dict(r._mapping) for r in await conn.fetch_all(profiles.select().order_by(profiles.c.username))]


async def test_a_new_profile_has_the_defaults_for_what_was_not_given(store):
    made = await store.rpc.result("create_or_update_profile", {"user_id": "ann", "username": "ann-makes", "name": "Ann"})
    assert made == {"username": "ann-makes", "name": "Ann", "description": "", "links": [], "avatar_url": None,
                    "is_featured": False}


async def test_an_update_replaces_the_fields_given_and_keeps_the_others(store):
    await store.rpc.result("create_or_update_profile", ["ann", "ann", "Ann", "builds agents", ["https://a.io"],
                                                        "https://a.io/me.png"])
    changed = await store.rpc.result("create_or_update_profile", {"user_id": "ann", "username": "ann2", "name": "A"})
    assert changed == {"username": "ann2", "name": "A", "description": "builds agents", "links": ["https://a.io"],
                       "avatar_url": "https://a.io/me.png", "is_featured": False}
    assert [p["username"] for p in await _profiles(store.rpc)] == ["ann2"]


async def test_a_username_another_user_holds_is_a_conflict_and_changes_nothing(store):
    await store.rpc.result("create_or_update_profile", ["ann", "taken", "Ann"])
    error = await store.rpc.error("create_or_update_profile", ["bob", "taken", "Bob"])
    assert error["code"] == 1003 and error["data"]["field"] == "username"
    assert [(p["user_id"], p["username"]) for p in await _profiles(store.rpc)] == [("ann", "taken")]
    # keeping one's own username is no conflict
    assert (await store.rpc.result("create_or_update_profile", ["ann", "taken", "Ann B"]))["name"] == "Ann B"


async def test_an_unknown_user_is_not_found(store):
    error = await store.rpc.error("create_or_update_profile", ["nobody", "nobody", "N"])
    assert (error["code"], error["data"]) == (1002, {"kind": "user", "id": "nobody"})
    assert await _profiles(store.rpc) == []


async def test_a_bad_link_is_invalid_params_naming_it(store):
    error = await store.rpc.error("create_or_update_profile", {"user_id": "ann", "username": "a", "name": "A",
                                                               "links": ["ok", ""]})
    assert error["code"] == -32602 and error["data"]["param"].startswith("links")
    assert await _profiles(store.rpc) == []
