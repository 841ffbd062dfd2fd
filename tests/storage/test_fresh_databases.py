"""The tests' own shortcut (tests/support.py): a database migrated once per test process and
emptied for each test must be what a fresh migration makes, or the tests prove nothing."""

import asyncpg

from daemon.storage.migrate import drift, upgrade
from tests.support import MigratedPostgres


async def _rows(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


async def _run(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _user_and_top_up(user_id: str) -> str:
    return (f"INSERT INTO users (id, email, metadata, created_at) VALUES ('{user_id}', '{user_id}@x.io', '{{}}', now());"
            "INSERT INTO transactions (user_id, transaction_key, type, amount, running_balance, metadata, created_at,"
            f" request_hash) VALUES ('{user_id}', 'k', 'TOP_UP', 5, 5, '{{}}', now(), 'h')")


async def test_an_emptied_database_has_no_rows_and_restarted_sequences(pg_server_url):
    postgres = MigratedPostgres(pg_server_url)
    url = await postgres.fresh()
    await _run(url, _user_and_top_up('u1'))
    assert await postgres.fresh() == url
    assert (await _rows(url, "SELECT count(*) FROM users"))[0][0] == 0
    assert (await _rows(url, "SELECT count(*) FROM transactions"))[0][0] == 0
    await _run(url, _user_and_top_up('u2'))
    assert (await _rows(url, "SELECT id FROM transactions"))[0][0] == 1
    assert await upgrade(url) == [] and await drift(url) == []


async def test_a_schema_a_test_changed_is_migrated_again(pg_server_url):
    postgres = MigratedPostgres(pg_server_url)
    url = await postgres.fresh()
    functions = await _rows(url, "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1")
    assert functions  # revision 0002's group-commit function, at least
    await _run(url, f"DROP FUNCTION {functions[0][0]} CASCADE; ALTER TABLE users ADD COLUMN extra int")
    await postgres.fresh()
    assert await _rows(url, "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1") == functions
    assert not await _rows(url, "SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'extra'")
    assert await drift(url) == []
