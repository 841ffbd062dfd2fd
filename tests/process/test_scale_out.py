"""Scale-out (API.md § Scale-out): several daemons on one PostgreSQL and one Redis deployment,
under a mixed load of spends and execution status changes spread across them, while parts fail.

- A 3-master Redis Cluster, the daemons reaching PostgreSQL through PgBouncer in transaction
  mode: one daemon is killed with -9 and the master holding the audit stream is stopped, then
  started again, mid-run.
- Sentinel (a master, a replica, one Sentinel): the master is killed with -9 mid-run and the
  daemons follow the fail-over to the replica.

Afterwards `audit verify` is clean (every ledger transaction in the stream once, nothing else),
every node execution's events are exactly its chain of changes, once each, and every balance is
its ledger's sum. The checks need no record of what was answered: a call cut off by a kill may
have committed, and a worker then sends it again (a spend with the same key) to another daemon.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import subprocess
import sys
import threading
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from cryptography.fernet import Fernet
from redis.cluster import ClusterNode as SyncClusterNode
from redis.cluster import RedisCluster as SyncRedisCluster

from daemon.domains.executions.transitions import ALLOWED_FROM
from tests.process.servers import PgBouncer, RedisCluster, RedisSentinel
from tests.support import DaemonProcess, daemon_env

AUDIT_KEY, EVENTS_KEY = "dbmanager:audit:credits", "dbmanager:events:executions"  # the defaults, as they stay
USERS = 6
LIFECYCLE = [("QUEUED", {"execution_data": {"x": 1}}), ("RUNNING", {}), ("COMPLETED", {})]


@pytest.fixture
def cluster(tmp_path):
    servers = RedisCluster(tmp_path / "cluster")
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def sentinel(tmp_path):
    servers = RedisSentinel(tmp_path / "sentinel")
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


@pytest.fixture
def pgbouncer(pg_url):
    bouncer = PgBouncer(pg_url)
    try:
        bouncer.start()
        yield bouncer
    finally:
        bouncer.stop()


class Fleet:
    """N daemons with one configuration (one key file: daemons sharing a database share it)."""

    def __init__(self, tmp_path: Path, **settings: str):
        key_file = tmp_path / "encryption.key"
        key_file.write_text(Fernet.generate_key().decode() + "\n")
        key_file.chmod(0o600)
        self.tmp_path = tmp_path
        self.settings = {"audit_stream": AUDIT_KEY, "events_stream": EVENTS_KEY, "pool_size": "4",
                         "encryption_key_file": str(key_file), **settings}
        self.daemons: list[DaemonProcess] = []

    def start(self, count: int) -> None:
        """`count` daemons started at once: their migrations meet on the lock."""
        made = []
        for i in range(count):
            state = self.tmp_path / f"daemon{len(self.daemons) + i}"
            state.mkdir()
            made.append(DaemonProcess(daemon_env(state_dir=state, **self.settings), state))
        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            list(pool.map(lambda daemon: daemon.start(), made))
        self.daemons.extend(made)

    def alive(self) -> list[DaemonProcess]:
        return [d for d in self.daemons if d.process is not None and d.process.poll() is None]

    def stop(self) -> None:
        for daemon in self.daemons:
            daemon.kill()


@pytest.fixture
def fleet(tmp_path):
    fleets: list[Fleet] = []

    def make(**settings: str) -> Fleet:
        fleets.append(Fleet(tmp_path, **settings))
        return fleets[-1]

    yield make
    for made in fleets:
        made.stop()


def answered(fleet: Fleet, turn: itertools.count, method: str, params: dict, stop: threading.Event):
    """The answer of the first live daemon that gives one; the same call again, to the next, while
    none does (a daemon killed mid-call may have committed it: a keyed spend then replays)."""
    while not stop.is_set():
        daemons = fleet.alive()
        daemon = daemons[next(turn) % len(daemons)]
        try:
            answer = daemon.call(method, params, timeout=10)
        except (OSError, urllib.error.URLError):
            time.sleep(0.05)
            continue
        if answer.get("error", {}).get("code") in (-32002, -32003):  # a store away: safe to retry
            time.sleep(0.05)
            continue
        return answer
    return None


def spend_loop(fleet: Fleet, worker: int, stop: threading.Event) -> int:
    turn, spent = itertools.count(worker), 0
    while not stop.is_set():
        answer = answered(fleet, turn, "spend_credits", {"user_id": f"u{spent % USERS}", "cost": 1 + spent % 3,
                                                          "transaction_key": f"w{worker}-{spent}"}, stop)
        if answer is not None:
            assert "result" in answer, answer
            spent += 1
    return spent


def lifecycle_loop(fleet: Fleet, worker: int, graph_exec_id: str, stop: threading.Event) -> int:
    turn, done = itertools.count(worker), 0
    while not stop.is_set():
        upserted = answered(fleet, turn, "upsert_execution_input", {
            "node_id": "work", "graph_exec_id": graph_exec_id, "input_name": "x", "input_data": done}, stop)
        if upserted is None:
            break
        node_exec_id = upserted["result"][0]["node_exec_id"]
        for status, extra in LIFECYCLE:  # sent until answered: a change already made is a no-op
            answered(fleet, turn, "update_node_execution_status",
                     {"node_exec_id": node_exec_id, "status": status, **extra}, stop)
        done += 1
    return done


def prepare(daemon: DaemonProcess, workers: int) -> list[str]:
    """USERS users with credit, and one graph execution per lifecycle worker."""
    for i in range(USERS):
        daemon.call("create_user", {"email": f"u{i}@x.io", "user_id": f"u{i}"})
        daemon.call("top_up_credits", {"user_id": f"u{i}", "amount": 1_000_000, "transaction_key": f"fund-{i}"})
    daemon.call("create_user", {"email": "w@x.io", "user_id": "w"})
    graph = daemon.call("create_graph", {"user_id": "w", "graph": {
        "nodes": [{"id": "start", "block_id": "b"}, {"id": "work", "block_id": "b"}],
        "links": [{"source_id": "start", "sink_id": "work", "source_name": "o", "sink_name": "x"}]}})["result"]
    return [daemon.call("create_graph_execution", {
        "graph_id": graph["id"], "graph_version": 1, "user_id": "w", "inputs": {},
        "starting_nodes_input": [["start", {"x": 0}]]})["result"]["id"] for _ in range(workers)]


def run_load(fleet: Fleet, faults, workers: int = 3) -> None:
    """`workers` spenders and `workers` node lifecycles across the fleet while `faults()` runs."""
    executions = prepare(fleet.alive()[0], workers)
    stop = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(2 * workers) as pool:
        spenders = [pool.submit(spend_loop, fleet, i, stop) for i in range(workers)]
        lifecycles = [pool.submit(lifecycle_loop, fleet, i, e, stop) for i, e in enumerate(executions)]
        try:
            time.sleep(1.0)
            faults()
            time.sleep(1.0)
        finally:
            stop.set()
        assert all(s.result() > 0 for s in spenders) and all(w.result() > 0 for w in lifecycles)


def verified(settings: dict, timeout_s: float = 30) -> subprocess.CompletedProcess:
    """`audit verify`, once the relays have drained their outboxes."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = subprocess.run([sys.executable, "-m", "daemon", "audit", "verify"], env=daemon_env(**settings),
                                capture_output=True, text=True, timeout=60)
        if result.returncode == 0 or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


async def database_state(url: str) -> tuple[list[dict], list[dict], int]:
    """Node executions, each balance beside its ledger's sum and last running balance, and the
    events still in the outbox."""
    conn = await asyncpg.connect(url)
    try:
        nodes = [dict(r) for r in await conn.fetch("SELECT id, node_id, status FROM node_executions")]
        balances = [dict(r) for r in await conn.fetch("""
            SELECT b.user_id, b.balance,
                   coalesce((SELECT sum(amount) FROM transactions t WHERE t.user_id = b.user_id), 0) AS total,
                   coalesce((SELECT running_balance FROM transactions t WHERE t.user_id = b.user_id
                             ORDER BY id DESC LIMIT 1), 0) AS last
            FROM balances b""")]
        waiting = await conn.fetchval("SELECT count(*) FROM events_outbox")
        return nodes, balances, waiting
    finally:
        await conn.close()


def chain(first: str, last: str) -> list[str]:
    order = ["INCOMPLETE", "QUEUED", "RUNNING", "COMPLETED"]
    return order[order.index(first):order.index(last) + 1]


def check_everything(pg_url: str, settings: dict, read_events: Callable[[], list[dict]]) -> None:
    result = verified(settings)
    assert result.returncode == 0, result.stdout + result.stderr
    nodes, balances, waiting = asyncio.run(database_state(pg_url))
    assert waiting == 0
    events = read_events()  # now that the outbox is empty
    for row in balances:
        assert row["balance"] == row["total"] == row["last"], row
    assert len({e["event_id"] for e in events}) == len(events)  # nothing doubled
    for row in nodes:
        mine = [e["status"] for e in events if e["node_exec_id"] == row["id"]]
        assert mine == chain("QUEUED" if row["node_id"] == "start" else "INCOMPLETE", row["status"]), (row, mine)


def test_a_cluster_through_pgbouncer_loses_and_doubles_nothing_as_a_daemon_and_a_master_go(
        cluster, pgbouncer, pg_url, fleet):
    assert ALLOWED_FROM["COMPLETED"] == ("RUNNING",)  # the chain checked relies on the seed's table
    settings = {"database_url": pgbouncer.url(pg_url), "pgbouncer": "on", "redis_url": cluster.url}
    daemons = fleet(**settings)
    daemons.start(3)
    audit_master = cluster.master_of(AUDIT_KEY)

    def faults() -> None:
        daemons.daemons[2].kill()  # mid-flight: its calls, commits and relaying all cut off
        audit_master.stop()  # its slots fail; spends go on, their entries wait in the outbox
        time.sleep(1.5)
        audit_master.start()

    run_load(daemons, faults)
    client = SyncRedisCluster(startup_nodes=[SyncClusterNode("127.0.0.1", n.port) for n in cluster.nodes],
                              decode_responses=True)
    check_everything(pg_url, {**daemons.settings, "state_dir": str(daemons.tmp_path)},
                     lambda: [fields for _, fields in client.xrange(EVENTS_KEY)])
    client.close()


def test_sentinel_fail_over_loses_and_doubles_nothing_that_left_the_outbox(sentinel, pg_url, fleet):
    daemons = fleet(database_url=pg_url, redis_url=sentinel.url)
    daemons.start(2)
    first_master = sentinel.master.port

    def faults() -> None:
        sentinel.master.kill()  # -9: whatever it had not passed to its replica is gone with it
        deadline = time.monotonic() + 20
        while sentinel.current_master_port() == first_master:
            assert time.monotonic() < deadline, "Sentinel did not fail over"
            time.sleep(0.1)

    run_load(daemons, faults)
    assert sentinel.current_master_port() == sentinel.replica.port
    check_everything(pg_url, {**daemons.settings, "state_dir": str(daemons.tmp_path)},
                     lambda: [fields for _, fields in sentinel.replica.client().xrange(EVENTS_KEY)])
