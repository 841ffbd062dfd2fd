"""Fixtures (helpers live in tests/support.py): real PostgreSQL, real Redis, real daemons.

- `db_url`: parametrized over SQLite (a file in tmp_path) and PostgreSQL (a database of this test
  process's own: tests run in parallel under pytest-xdist), at the head revision with no rows;
  `empty_db_url` the same with nothing in it, for the migrations' tests.
- `redis_url` + `stream_key` / `events_key`: the machine's Redis, with an audit and an event
  stream key of the test's own, deleted after.
- `private_redis`: a redis-server of the test's own on a free port, to stop and restart.
- `rpc` / `sqlite_rpc`: an in-process daemon (aiohttp test client) for fast protocol tests.
- `spawn_daemon`: `dbmanager serve` as a real process, for signals, kill -9 and restarts.
Tests under tests/process/ start real processes and are marked `slow`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from daemon import logs
from tests.support import (
    REDIS_URL,
    DaemonProcess,
    MigratedPostgres,
    MigratedSqlite,
    PrivateRedis,
    daemon_env,
    delete_keys,
    make_settings,
    pg_admin,
    pg_database_url,
    pg_reset,
    running,
)

_PROCESS_TESTS = Path(__file__).parent / "process"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _PROCESS_TESTS in Path(item.fspath).parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def flush_log_lines() -> Iterator[None]:
    """A test's in-process daemon logs into a buffer flushed by its event loop, which can end
    first: the lines go out at the test's end, into its own captured output, not into a later
    test's capture or after pytest's summary."""
    yield
    logs.flush()


# ---------- PostgreSQL ----------

@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A database of this test process's own, dropped at the end."""
    name = f"dbm_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    yield pg_database_url(name)
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def migrated_postgres(pg_server_url: str) -> MigratedPostgres:
    return MigratedPostgres(pg_server_url)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> MigratedSqlite:
    return MigratedSqlite(tmp_path_factory.mktemp("migrated"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database at the head revision with no rows (what a daemon's first start makes)."""
    if request.param == "sqlite":
        sqlite: MigratedSqlite = request.getfixturevalue("migrated_sqlite")
        return sqlite.fresh(tmp_path / "ledger.sqlite3")
    postgres: MigratedPostgres = request.getfixturevalue("migrated_postgres")
    return asyncio.run(postgres.fresh())


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with nothing in it, not even a schema: for the migrations' own tests."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    url: str = request.getfixturevalue("pg_server_url")
    asyncio.run(pg_reset(url))
    return url


@pytest.fixture
def pg_url(pg_server_url: str) -> str:
    asyncio.run(pg_reset(pg_server_url))
    return pg_server_url


# ---------- Redis ----------

@pytest.fixture
def stream_key() -> Iterator[str]:
    """The audit stream's key; `events_key` shares its prefix, so one cleanup deletes both."""
    prefix = f"dbm-test:{uuid.uuid4().hex[:12]}:"
    yield prefix + "audit"
    delete_keys(prefix + "*")


@pytest.fixture
def events_key(stream_key: str) -> str:
    return stream_key.removesuffix("audit") + "events"


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


# ---------- daemons ----------

@pytest.fixture
async def rpc(db_url: str, redis_url: str, stream_key: str, events_key: str, tmp_path: Path):
    async with running(make_settings(database_url=db_url, redis_url=redis_url, audit_stream=stream_key,
                                     events_stream=events_key, state_dir=tmp_path)) as client:
        yield client


@pytest.fixture
async def sqlite_rpc(redis_url: str, stream_key: str, events_key: str, tmp_path: Path, migrated_sqlite: MigratedSqlite):
    """For protocol tests, where the database makes no difference."""
    async with running(make_settings(database_url=migrated_sqlite.fresh(tmp_path / "db.sqlite3"), redis_url=redis_url,
                                     audit_stream=stream_key, events_stream=events_key, state_dir=tmp_path)) as client:
        yield client


@pytest.fixture
def spawn_daemon(tmp_path: Path, stream_key: str):
    """spawn_daemon(**settings) → a started DaemonProcess; every one is stopped at the end.
    It asks for `stream_key` so that the key's cleanup runs after the daemons are stopped: a
    relay still running would otherwise append after it."""
    started: list[DaemonProcess] = []

    def spawn(args: list[str] | None = None, cwd: Path | None = None, **settings: Any) -> DaemonProcess:
        if settings.get("redis_url", "embedded") != "embedded":  # a shared Redis: only this test's keys
            settings.setdefault("audit_stream", stream_key)
            settings.setdefault("events_stream", stream_key.removesuffix("audit") + "events")
        daemon = DaemonProcess(daemon_env(**settings), cwd or tmp_path, args)
        started.append(daemon)
        return daemon.start()

    yield spawn
    for daemon in started:
        daemon.kill()
