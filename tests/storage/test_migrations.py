"""Migrations: frozen Alembic revisions, applied once under a lock, that build exactly what the
domains' tables declare, and that upgrade databases made by earlier releases in place."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from pathlib import Path

import asyncpg
from sqlalchemy import text

from daemon.domains import declared_tables, schema
from daemon.domains.users.tables import NOTIFY_FLAGS
from daemon.storage import migrate
from daemon.storage.migrate import current_revision, drift, head_revision, upgrade
from tests.support import make_settings, running

LEGACY = Path(__file__).parent / "legacy"
VERSIONS = Path(migrate.__file__).parent / "migrations" / "versions"
ALL_REVISIONS = sorted(p.name[:4] for p in VERSIONS.glob("*.py"))

# Released revisions never change: a fix is a new revision. Add a line when a release ships one.
RELEASED = {
    "0001_ledger.py": "c62eea5c93e7ab91f9b5ed200e0ba919dae680eb11cbb99e0190144576921204",
    "0002_spend_batch.py": "2ca4f8fd3c48cb90e1f35c9ea3682661f90e3246e73df19e74226b8d610c6b9c",
    "0003_holds.py": "38a60cff84a32aece356135c63cb3533bd827fbd68ce919f6d541e84d6d23b64",
    "0004_graphs_executions.py": "57b0b8943779e2a06f6f321367d18b9ada75cd22f380620f0e514ece78b33a7c",  # release 0.3.0
    "0005_users_reviews_notifications.py": "4990e8519ad649b20b28aa7c7c2b027a8578504337eb2790f9563a52c02a4830",  # release 0.3.0
    "0006_store.py": "3f676fa6e0efbdb3422efd73734afae46d2fd7343b662ddbd4076b47e629e0a3",  # release 0.4.0
    "0007_library_onboarding_oauth.py": "6b8d9d28373c0de8ba5f51ea45752a14a453311d814bca492153ea87e0809ca3",  # release 0.4.0
}


async def load_legacy(empty_db_url: str, release: str = "0_1_0") -> None:
    """A database exactly as a release left it (tests/storage/legacy/: its dump, with data)."""
    if empty_db_url.startswith("sqlite"):
        path = empty_db_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as conn:
            conn.executescript((LEGACY / f"v{release}.sqlite.sql").read_text())
        return
    conn = await asyncpg.connect(empty_db_url)
    try:
        await conn.execute((LEGACY / f"v{release}.postgresql.sql").read_text())
    finally:
        await conn.close()


async def test_a_fresh_upgrade_builds_exactly_the_declared_tables(empty_db_url):
    applied = await upgrade(empty_db_url)
    assert [a.split()[0] for a in applied] == ALL_REVISIONS
    assert await current_revision(empty_db_url) == head_revision()
    assert await drift(empty_db_url) == []


async def test_each_applied_revision_says_what_it_did_on_this_database(empty_db_url):
    applied = dict(a.split(" ", 1) for a in await upgrade(empty_db_url))
    if empty_db_url.startswith("sqlite"):
        # the PostgreSQL-only functions are not named where SQLite never gets them
        assert "nothing on SQLite" in applied["0002"]
        assert not any("dbm_spend" in line for line in applied.values())
    else:
        assert applied["0002"].startswith("dbm_spend_batch")
        assert "dbm_spend_available" in applied["0003"]


async def test_an_upgraded_database_has_nothing_left_to_do(empty_db_url):
    await upgrade(empty_db_url)
    assert await upgrade(empty_db_url) == []


async def test_concurrent_upgrades_apply_each_revision_once(empty_db_url):
    results = await asyncio.gather(*(upgrade(empty_db_url) for _ in range(6)))
    assert sorted(len(r) for r in results) == [0, 0, 0, 0, 0, len(ALL_REVISIONS)]
    assert await drift(empty_db_url) == []


async def test_concurrent_upgrades_of_new_sqlite_files_all_succeed(tmp_path):
    """Switching a new file to WAL needs it alone for a moment, and SQLite answers "locked" at
    once, without waiting, while another connection reads it: before the switch was retried,
    daemons starting together on a new file failed most of the time (25 rounds in 30 here)."""
    for round_ in range(10):
        url = f"sqlite:///{tmp_path / f'new-{round_}.sqlite3'}"
        results = await asyncio.gather(*(upgrade(url) for _ in range(6)))
        assert sorted(len(r) for r in results) == [0, 0, 0, 0, 0, len(ALL_REVISIONS)]


async def test_drift_is_seen(empty_db_url):
    """The drift check is not vacuous: a column the tables do not declare is reported."""
    await upgrade(empty_db_url)
    engine = migrate._engine(empty_db_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE users ADD COLUMN nickname TEXT"))
    finally:
        await engine.dispose()
    assert [d[0] for d in await drift(empty_db_url)] == ["remove_column"]


async def test_a_release_0_1_0_database_upgrades_in_place_and_loses_nothing(empty_db_url, tmp_path, redis_url, stream_key):
    await load_legacy(empty_db_url)
    assert await current_revision(empty_db_url) is None
    applied = await upgrade(empty_db_url)
    # its migrations 1 and 2 are revisions 0001 and 0002: only what came after runs
    assert [a.split()[0] for a in applied] == ALL_REVISIONS[2:]
    assert await current_revision(empty_db_url) == head_revision()
    assert await drift(empty_db_url) == []  # the same schema, and schema_migrations is gone
    settings = make_settings(database_url=empty_db_url, redis_url=redis_url, audit_stream=stream_key, state_dir=tmp_path)
    async with running(settings) as rpc:
        assert await rpc.result("get_credits", ["alice"]) == 870
        assert await rpc.result("get_credits", ["bob"]) == 0
        history = await rpc.result("get_transaction_history", ["alice"])
        assert [(t["transaction_key"], t["amount"]) for t in history["transactions"]] == [
            ("refund-1", 20), ("spend-2", -30), ("spend-1", -120), ("top-1", 1000)]
        assert history["transactions"][2]["metadata"] == {"graph_id": "g1", "node_id": "n1"}
        user = await rpc.result("get_user_by_id", ["alice"])
        assert (user["email"], user["name"], user["metadata"]) == ("alice@example.com", "Alice", {"plan": "pro"})
        # revision 0005 gave the users 0.1.0 made the seed's defaults; one never updated reads as made
        assert {k: v for k, v in user.items() if k not in ("id", "email", "name", "metadata", "created_at")} == {
            "email_verified": True, "updated_at": user["created_at"], "stripe_customer_id": None,
            "top_up_config": None, "max_emails_per_day": 3, "timezone": "not-set", **dict.fromkeys(NOTIFY_FLAGS, True)}
        # a retry of a spend made by 0.1.0 still replays (the same request hash), a new spend works
        assert await rpc.result("spend_credits", ["alice", 120, {"graph_id": "g1", "node_id": "n1"}, "spend-1"]) == 880
        assert await rpc.result("spend_credits", ["alice", 70, None, "spend-4"]) == 800
        # the two transactions 0.1.0 left in its outbox, and the new one, reach the stream
        for _ in range(100):
            if await rpc.services.redis.xlen(stream_key) == 3:
                break
            await asyncio.sleep(0.05)
        entries = await rpc.services.redis.xrange(stream_key)
    assert sorted(int(fields["tx_id"]) for _, fields in entries) == [5, 6, 7]


async def test_a_release_0_2_0_database_upgrades_in_place_and_loses_nothing(empty_db_url, tmp_path, redis_url, stream_key):
    await load_legacy(empty_db_url, "0_2_0")
    assert await current_revision(empty_db_url) == "0003"
    applied = await upgrade(empty_db_url)
    assert [a.split()[0] for a in applied] == ALL_REVISIONS[3:]
    assert await drift(empty_db_url) == []
    settings = make_settings(database_url=empty_db_url, redis_url=redis_url, audit_stream=stream_key, state_dir=tmp_path)
    async with running(settings) as rpc:
        async with rpc.services.db.session() as conn:
            holds = {row[0]: row[1] for row in await conn.fetch_all(text("SELECT transaction_key, id FROM holds"))}
        balance = await rpc.result("get_balance", ["carol"])
        assert balance["balance"] == 430 and balance["held"] in (0, 100)  # the HELD one lapses a day after the dump
        captured = await rpc.result("get_hold", ["carol", holds["hold-cap"]])
        assert (captured["status"], captured["captured"]) == ("CAPTURED", 30)
        assert (await rpc.result("get_hold", ["carol", holds["hold-rel"]]))["status"] == "RELEASED"
        history = await rpc.result("get_transaction_history", ["carol"])
        assert [(t["transaction_key"], t["amount"]) for t in history["transactions"]] == [
            ("cap-1", -30), ("spend-1", -40), ("top-1", 500)]
        # a key 0.2.0 used still replays; the users it made have the fields revision 0005 added, at their defaults
        assert await rpc.result("spend_credits", ["carol", 40, {"graph_id": "g2"}, "spend-1"]) == 460
        user = await rpc.result("get_user_by_id", ["carol"])
        assert (user["email"], user["name"], user["metadata"]) == ("carol@example.com", "Carol", {"plan": "team"})
        async with rpc.services.db.session() as conn:
            defaults = (await conn.fetch_one(text(
                "SELECT email_verified, timezone, max_emails_per_day, notify_on_agent_run, integrations "
                "FROM users WHERE id = 'dave'")))
        assert tuple(defaults._mapping.values()) == (True, "not-set", 3, True, "")


async def test_a_release_0_3_0_database_upgrades_in_place_and_loses_nothing(empty_db_url, tmp_path, redis_url, stream_key):
    """Release 0.3.0's graphs, executions, pins, KV data, notifications and settings read back
    after the upgrade as that release wrote them, and new calls work on them."""
    await load_legacy(empty_db_url, "0_3_0")
    assert await current_revision(empty_db_url) == "0005"
    applied = await upgrade(empty_db_url)
    assert [a.split()[0] for a in applied] == ALL_REVISIONS[5:]
    assert await drift(empty_db_url) == []
    settings = make_settings(database_url=empty_db_url, redis_url=redis_url, audit_stream=stream_key, state_dir=tmp_path)
    async with running(settings) as rpc:
        assert await rpc.result("get_credits", ["erin"]) == 990
        user = await rpc.result("get_user_by_id", ["erin"])
        assert (user["name"], user["timezone"], user["metadata"]) == ("Erin", "Europe/Paris", {"plan": "pro"})
        graph = await rpc.result("get_graph", {"graph_id": "g-echo", "user_id": "erin"})
        assert (graph["version"], graph["name"], len(graph["nodes"]), len(graph["links"])) == (2, "Echo", 2, 1)
        settings_ = await rpc.result("get_graph_settings", ["erin", "g-echo"])
        assert settings_["human_in_the_loop_safe_mode"] is False
        runs = await rpc.result("get_graph_executions", {"user_id": "erin"})
        assert sorted((r["status"], r["stats"]["cost"]) for r in runs) == [("COMPLETED", 250), ("FAILED", 40)]
        done = next(r for r in runs if r["status"] == "COMPLETED")
        full = await rpc.result("get_graph_execution", ["erin", done["id"], True])
        node = full["node_executions"][0]
        assert (node["status"], node["output_data"]) == ("COMPLETED", {"result": ["hi"]})
        assert await rpc.result("get_execution_kv_data", ["erin", "memo"]) == {"seen": 1}
        batch = await rpc.result("get_user_notification_batch", ["erin", "AGENT_RUN"])
        assert [n["data"] for n in batch["notifications"]] == [{"agent_name": "Echo"}]
        prefs = await rpc.result("get_user_notification_preference", ["frank"])
        assert prefs["preferences"]["DAILY_SUMMARY"] is False and prefs["preferences"]["AGENT_RUN"] is True
        # the new methods read what 0.3.0 wrote: its library entry, its runs' stats
        library = await rpc.result("list_library_agents", {"user_id": "erin", "include_executions": True})
        [agent] = library["agents"]
        assert (agent["graph_id"], agent["graph_version"], agent["name"]) == ("g-echo", 2, "Echo")
        assert (agent["execution_count"], agent["success_rate"], agent["status"]) == (2, 50.0, "ERROR")
        summary = await rpc.result("get_user_execution_summary_data",
                                   ["erin", "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"])
        assert (summary["total_executions"], summary["successful_runs"], summary["failed_runs"]) == (2, 1, 1)
        assert (summary["total_credits_used"], summary["most_used_agent"]) == (2.9, "Echo")
        # a key 0.3.0 used still replays; a new execution of the old graph runs
        assert await rpc.result("spend_credits", ["erin", 10, {"graph_id": "g-echo"}, "spend-1"]) == 990
        start = graph["nodes"][0]["id"]
        run = await rpc.result("create_graph_execution", ["g-echo", 2, [[start, {"value": "again"}]], {}, "erin"])
        assert run["status"] == "INCOMPLETE" and len(run["node_executions"]) == 1


async def test_the_legacy_fixture_is_what_release_0_1_0_made(empty_db_url):
    """The upgrade test starts from 0.1.0's own tables (its schema_migrations at version 2)."""
    await load_legacy(empty_db_url)
    engine = migrate._engine(empty_db_url)
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version FROM schema_migrations ORDER BY 1"))).scalars().all()
    finally:
        await engine.dispose()
    assert versions == [1, 2]


def test_every_table_belongs_to_a_domain():
    declared = declared_tables()
    assert len(declared) == len(set(declared))
    assert set(declared) == set(schema().tables.values())


def test_released_revisions_are_frozen():
    for name, digest in RELEASED.items():
        assert hashlib.sha256((VERSIONS / name).read_bytes()).hexdigest() == digest, f"{name} was edited"


def test_revisions_form_one_line_named_by_their_files():
    from alembic.script import ScriptDirectory
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(scripts.get_heads()) == 1
    in_order = [r.revision for r in reversed(list(scripts.walk_revisions()))]
    assert in_order == sorted(p.name[:4] for p in VERSIONS.glob("*.py"))
