"""The stores fail under load, and the daemon keeps working: PostgreSQL restarted (a private
cluster of this module's own, so the machine's server is untouched) and Redis stopped. Calls
answer -32002 while a store they need is away and succeed after, with no daemon restart;
/healthz says 503 meanwhile; nothing is half-written and every ledger row reaches the stream."""

from __future__ import annotations

import asyncio
import glob
import io
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from daemon.storage.database import is_unreachable
from daemon.streams.commands import verify
from tests.support import free_port, make_settings, pg_reset, running

UNAVAILABLE = {"code": -32002, "message": "Unavailable"}


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, made with initdb and run with pg_ctl as the
    postgres OS user (initdb refuses root), in a temporary directory that user owns."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        assert bins, "PostgreSQL's server binaries are not installed"
        self.bin = Path(bins[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="dbm-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        self._as_postgres("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                          "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, tool: str, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / tool), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.dir} -c fsync=off"
        try:
            self._as_postgres("pg_ctl", "-D", str(self.dir / "data"), "-o", options, "-l", str(self.dir / "log"),
                              "-w", "-t", "30", "start")
        except subprocess.CalledProcessError:
            raise AssertionError("the private PostgreSQL did not start:\n" + (self.dir / "log").read_text()[-1000:]) from None

    def first_start(self, tries: int = 3) -> None:
        """On a free port: another process may take the one free_port() saw before we bind it."""
        for attempt in range(tries):
            try:
                return self.start()
            except AssertionError:
                if attempt == tries - 1:
                    raise
                self.port = free_port()

    def stop(self, mode: str = "fast") -> None:
        """fast: sessions are told the server is shutting down; immediate: as if it crashed."""
        self._as_postgres("pg_ctl", "-D", str(self.dir / "data"), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        return (self.dir / "data" / "postmaster.pid").exists()

    def remove(self) -> None:
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres_cluster() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.first_start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def private_pg(postgres_cluster: PrivatePostgres) -> PrivatePostgres:
    if not postgres_cluster.running():
        postgres_cluster.start()
    asyncio.run(pg_reset(postgres_cluster.url))
    return postgres_cluster


# ---------- load, and what it must leave behind ----------

class Load:
    """Writes to a few users as fast as the daemon answers, each with its own transaction_key,
    recording every answer; `finish()` then retries every failed write with its same key."""

    USERS = ("u0", "u1", "u2")

    def __init__(self, rpc) -> None:
        self.rpc = rpc
        self.codes: list[int] = []  # 0 for a result, else the error code, in answer order
        self.failed: list[tuple[str, dict]] = []
        self.keys: set[tuple[str, str]] = {(user, "seed") for user in self.USERS}  # (user_id, transaction_key) sent
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    async def setup(self) -> None:
        for user in self.USERS:
            await self.rpc.result("create_user", {"email": f"{user}@x.io", "user_id": user})
            await self.rpc.result("top_up_credits", {"user_id": user, "amount": 1_000_000, "transaction_key": "seed"})

    def start(self, workers: int = 6) -> None:
        self._tasks = [asyncio.create_task(self._worker(i)) for i in range(workers)]

    async def _worker(self, number: int) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            user = self.USERS[(number + n) % len(self.USERS)]
            key = f"w{number}-{n}-{uuid.uuid4().hex[:6]}"
            method, params = (("spend_credits", {"user_id": user, "cost": 3, "transaction_key": key}) if n % 2 else
                              ("top_up_credits", {"user_id": user, "amount": 5, "transaction_key": key}))
            self.keys.add((user, key))
            body = await self.rpc.call(method, params)
            self.codes.append(body["error"]["code"] if "error" in body else 0)
            if "error" in body:
                assert body["error"] == UNAVAILABLE, body  # nothing but "a store cannot be reached"
                self.failed.append((method, params))
            await asyncio.sleep(0.005)

    async def wait_for(self, code: int, count: int = 3, timeout_s: float = 15) -> None:
        """Until `count` more answers with this code have come in."""
        deadline, start = time.monotonic() + timeout_s, len(self.codes)
        while sum(1 for c in self.codes[start:] if c == code) < count:
            for task in self._tasks:  # a worker's failed assertion, rather than a timeout
                if task.done():
                    task.result()
            assert time.monotonic() < deadline, f"no {count} answers with code {code}: {self.codes[start:][-20:]}"
            await asyncio.sleep(0.05)

    async def finish(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        for method, params in self.failed:  # -32002 is safe to retry with the same key
            assert "result" in await self.rpc.call(method, params)


async def assert_ledger_whole(url: str, keys: set[tuple[str, str]]) -> None:
    """Every balance is the sum of its ledger rows, and the ledger holds each write sent once:
    none lost, none doubled by a retry, none that nobody sent."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT b.user_id, b.balance, COALESCE(SUM(t.amount), 0) AS total "
                                "FROM balances b LEFT JOIN transactions t ON t.user_id = b.user_id GROUP BY b.user_id, b.balance")
        assert rows and all(r["balance"] == r["total"] for r in rows), [dict(r) for r in rows]
        rows = await conn.fetch("SELECT user_id, transaction_key FROM transactions")
        ledger = [(r["user_id"], r["transaction_key"]) for r in rows]
        assert len(ledger) == len(set(ledger)) and set(ledger) == keys
    finally:
        await conn.close()


async def wait_for_stream(settings, timeout_s: float = 15) -> None:
    """`dbmanager audit verify` passes: every ledger row in the stream once, nothing else."""
    deadline = time.monotonic() + timeout_s
    while not await verify(settings, out=(report := io.StringIO())):
        assert time.monotonic() < deadline, report.getvalue()[-2000:]
        await asyncio.sleep(0.2)


async def health(rpc) -> tuple[int, dict]:
    response = await rpc.client.get("/healthz")
    return response.status, await response.json()


async def wait_for_health(rpc, status: int, timeout_s: float = 15) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        got, body = await health(rpc)
        if got == status:
            return body
        assert time.monotonic() < deadline, (got, body)
        await asyncio.sleep(0.1)


# ---------- PostgreSQL ----------

@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_postgresql_restarted_under_load(private_pg, mode, redis_url, stream_key, tmp_path):
    settings = make_settings(database_url=private_pg.url, redis_url=redis_url, audit_stream=stream_key,
                             state_dir=tmp_path, call_timeout_s=5)
    async with running(settings) as rpc:
        load = Load(rpc)
        await load.setup()
        load.start()
        await load.wait_for(0, count=20)
        await asyncio.to_thread(private_pg.stop, mode)
        await load.wait_for(UNAVAILABLE["code"])
        assert await wait_for_health(rpc, 503) == {"status": "unavailable", "database": "unavailable", "redis": "ok"}
        assert await rpc.result("ping") == "pong"  # what needs no store keeps working
        await asyncio.to_thread(private_pg.start)
        await load.wait_for(0, count=20)  # the same daemon, its pool reconnected by itself
        assert await wait_for_health(rpc, 200) == {"status": "ok", "database": "ok", "redis": "ok"}
        await load.finish()
        await assert_ledger_whole(private_pg.url, load.keys)
        await wait_for_stream(settings)


# ---------- Redis ----------

async def test_redis_down_under_load_then_the_backlog_drains(db_url, private_redis, stream_key, tmp_path):
    settings = make_settings(database_url=db_url, redis_url=private_redis.url, audit_stream=stream_key,
                             state_dir=tmp_path)
    async with running(settings) as rpc:
        load = Load(rpc)
        await load.setup()
        load.start(workers=3)
        await load.wait_for(0, count=10)
        private_redis.stop()
        assert await wait_for_health(rpc, 503) == {"status": "unavailable", "database": "ok", "redis": "unavailable"}
        during = len(load.codes)
        await load.wait_for(0, count=30)  # credit writes go on
        assert set(load.codes[during:]) == {0}
        assert await backlog(rpc) > 0  # waiting in the database
        private_redis.start()
        await load.finish()
        assert await wait_for_health(rpc, 200) == {"status": "ok", "database": "ok", "redis": "ok"}
        await wait_for_stream(settings)
        assert await backlog(rpc, settle_s=2) == 0
    assert not load.failed


async def backlog(rpc, settle_s: float = 0) -> float:
    deadline = time.monotonic() + settle_s
    while True:
        text = await (await rpc.client.get("/metrics")).text()
        value = next(float(line.split()[-1]) for line in text.splitlines() if line.startswith("dbmanager_audit_backlog "))
        if value == 0 or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(0.1)


# ---------- what counts as "a store cannot be reached" ----------

@pytest.mark.parametrize("error, away", [
    (OSError("connect call failed"), True),
    (asyncpg.InterfaceError("connection is closed"), True),
    (asyncpg.InterfaceError("pool is closing"), True),
    (asyncpg.InternalClientError("cannot switch to state 15; another operation (2) is in progress"), True),
    (asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"), True),
    (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), True),
    (asyncpg.InterfaceError("the number of query arguments cannot exceed 32767"), False),
    (asyncpg.exceptions.DataError("invalid input for query argument $1"), False),
    (asyncpg.exceptions.UndefinedColumnError("column x does not exist"), False),
])
def test_only_errors_of_a_store_that_went_away_are_unavailable(error, away):
    """-32002 tells a client to retry: a request the database refuses must not say so."""
    assert is_unreachable(error) is away


async def test_a_request_too_big_for_the_database_is_not_reported_as_an_outage(rpc):
    await rpc.result("create_user", {"email": "h@x.io", "user_id": "h"})
    status, body = await rpc.post({"jsonrpc": "2.0", "method": "get_transaction_history", "id": 1,
                                   "params": {"user_id": "h", "types": ["USAGE"] * 40_000}})  # past asyncpg's 32767 arguments
    assert status == 200 and body.get("error", {}).get("code") != UNAVAILABLE["code"], body
    assert body["result"] == {"transactions": [], "next_cursor": None}  # repeated types count once
