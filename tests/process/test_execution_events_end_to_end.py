"""The execution event stream end to end, through the execution methods themselves: workers run
node lifecycles (input → QUEUED → RUNNING → COMPLETED) against a daemon on PostgreSQL while its
Redis goes away and comes back, and while the daemon is killed with -9 and started again.

No event may be lost or doubled, and each execution's events keep their order. The check needs no
record of what was answered (a call cut off by the kill may have committed): each node
execution's events must be exactly its chain of changes, from its creation to the status the
database holds now, with no gap, no repeat and nothing after."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
import urllib.error

import asyncpg
import pytest

from daemon.domains.executions.transitions import ALLOWED_FROM
from tests.support import free_port, stream_entries

WORKERS = 6
# A lifecycle: created INCOMPLETE by the input, then these changes, one after another
LIFECYCLE = [("QUEUED", {"execution_data": {"x": 1}}), ("RUNNING", {}), ("COMPLETED", {})]


def call(daemon, method: str, params: dict):
    try:
        answer = daemon.call(method, params, timeout=10)
    except (OSError, urllib.error.URLError):
        return None  # the daemon is down (killed, restarting): try again later
    return answer.get("result") if "error" not in answer else None


def run_lifecycles(daemon_ref: list, graph_exec_id: str, node_id: str, stop: threading.Event) -> int:
    """Node lifecycles on one graph execution until told to stop; returns how many completed."""
    done = 0
    while not stop.is_set():
        upserted = call(daemon_ref[0], "upsert_execution_input", {"node_id": node_id, "graph_exec_id": graph_exec_id,
                                                                   "input_name": "x", "input_data": done})
        if upserted is None:
            time.sleep(0.05)
            continue
        node_exec_id = upserted[0]["node_exec_id"]
        for status, extra in LIFECYCLE:
            while call(daemon_ref[0], "update_node_execution_status",
                       {"node_exec_id": node_exec_id, "status": status, **extra}) is None and not stop.is_set():
                time.sleep(0.05)  # until it answers: the change may have committed already, and then it is a no-op
        done += 1
    return done


def chain(first: str, last: str) -> list[str]:
    """The statuses a node execution went through, from its creation to `last`."""
    order = ["INCOMPLETE", "QUEUED", "RUNNING", "COMPLETED"]
    return order[order.index(first):order.index(last) + 1]


@pytest.mark.parametrize("trouble", ["redis outage", "kill -9"])
def test_every_status_change_reaches_the_stream_once_in_order(trouble, spawn_daemon, private_redis, pg_url,
                                                              stream_key, events_key, tmp_path):
    assert ALLOWED_FROM["COMPLETED"] == ("RUNNING",)  # the chain below relies on the seed's table
    port = free_port()
    settings = dict(database_url=pg_url, redis_url=private_redis.url, audit_stream=stream_key,
                    events_stream=events_key, port=port)
    daemon_ref = [spawn_daemon(**settings)]
    daemon = daemon_ref[0]
    daemon.call("create_user", {"email": "w@x.io", "user_id": "w"})
    graph = daemon.call("create_graph", {"user_id": "w", "graph": {
        "nodes": [{"id": "start", "block_id": "b"}, {"id": "work", "block_id": "b"}],
        "links": [{"source_id": "start", "sink_id": "work", "source_name": "o", "sink_name": "x"}]}})["result"]
    executions = [daemon.call("create_graph_execution", {
        "graph_id": graph["id"], "graph_version": 1, "user_id": "w", "inputs": {},
        "starting_nodes_input": [["start", {"x": 0}]]})["result"]["id"] for _ in range(WORKERS)]

    stop = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        workers = [pool.submit(run_lifecycles, daemon_ref, e, "work", stop) for e in executions]
        time.sleep(1.0)
        if trouble == "kill -9":
            daemon_ref[0].kill()  # mid-flight: calls, commits and relaying all cut off
            daemon_ref[0] = spawn_daemon(**settings)
        else:
            private_redis.stop()  # calls go on; their events wait in the outbox
            time.sleep(1.0)
            private_redis.start()
        time.sleep(1.0)
        stop.set()
        assert all(w.result() > 0 for w in workers)

    rows = asyncio.run(node_executions(pg_url))
    expected = sum(len(chain("QUEUED" if r["node_id"] == "start" else "INCOMPLETE", r["status"])) for r in rows)
    entries = wait_for_stream(private_redis.url, events_key, expected + WORKERS)  # + each graph's INCOMPLETE
    assert len({e["event_id"] for e in entries}) == len(entries)  # nothing doubled
    for row in rows:
        mine = [e["status"] for e in entries if e["node_exec_id"] == row["id"]]
        first = "QUEUED" if row["node_id"] == "start" else "INCOMPLETE"
        assert mine == chain(first, row["status"]), (row, mine)  # nothing lost, nothing out of order
    graphs = [e for e in entries if e["kind"] == "graph"]
    assert sorted(e["graph_exec_id"] for e in graphs) == sorted(executions)
    assert {e["status"] for e in graphs} == {"INCOMPLETE"}
    assert len(entries) == expected + WORKERS


async def node_executions(url: str) -> list[dict]:
    conn = await asyncpg.connect(url)
    try:
        return [dict(r) for r in await conn.fetch("SELECT id, node_id, status FROM node_executions")]
    finally:
        await conn.close()


def wait_for_stream(url: str, key: str, count: int, timeout_s: float = 20) -> list[dict]:
    """The stream once it holds `count` entries (the relay drains the outbox a moment later)."""
    deadline = time.monotonic() + timeout_s
    while True:
        entries = stream_entries(url, key)
        if len(entries) >= count or time.monotonic() > deadline:
            time.sleep(0.3)  # a double, if any, would come with or right after the last
            return stream_entries(url, key)
        time.sleep(0.05)

