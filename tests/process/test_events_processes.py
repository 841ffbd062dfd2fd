"""The execution event stream with real daemon processes: kill -9 under load, `events tail`
(plain, as a group, following across a Redis restart).

No method records events yet in these tests' daemons, so the events are written straight to the
daemon's database, as the executions methods write them (one transaction per change, each
execution's changes one after another); the daemon's relay finds them on its poll."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import asyncpg
import orjson
import pytest

from daemon.clock import now_rfc3339
from tests.process.test_audit_follow import AS_GROUP, Follower
from tests.process.test_audit_processes import run_command
from tests.support import REDIS_URL, daemon_env, stream_entries, wait_for_entries

COLUMNS = ("kind", "graph_exec_id", "node_exec_id", "node_id", "user_id", "graph_id", "graph_version", "status", "at")


def change(graph_exec_id: str, step: int) -> tuple:
    """The step-th change of an execution: its node_exec_id tells the order it was committed in."""
    return ("node", graph_exec_id, f"{graph_exec_id}-{step}", "n1", "u1", "g1", 1, "RUNNING", now_rfc3339())


def insert_sqlite(path: Path, graph_exec_id: str, steps: range) -> None:
    with sqlite3.connect(path, timeout=10) as conn:
        for step in steps:
            conn.execute(f"INSERT INTO events_outbox ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                         change(graph_exec_id, step))
            conn.commit()
    conn.close()


async def insert_pg_until(url: str, executions: list[str], stop: threading.Event) -> dict[str, int]:
    """Commits changes round the executions until told to stop; returns how many each got."""
    conn = await asyncpg.connect(url)
    committed = dict.fromkeys(executions, 0)
    sql = f"INSERT INTO events_outbox ({', '.join(COLUMNS)}) VALUES ({', '.join(f'${i + 1}' for i in range(9))})"
    try:
        while not stop.is_set():
            for graph_exec_id in executions:
                await conn.execute(sql, *change(graph_exec_id, committed[graph_exec_id]))
                committed[graph_exec_id] += 1
    finally:
        await conn.close()
    return committed


def assert_once_in_order(entries: list[dict], committed: dict[str, int]) -> None:
    assert len({e["event_id"] for e in entries}) == len(entries)
    for graph_exec_id, count in committed.items():
        steps = [e["node_exec_id"] for e in entries if e["graph_exec_id"] == graph_exec_id]
        assert steps == [f"{graph_exec_id}-{step}" for step in range(count)], graph_exec_id


def test_kill_9_while_changes_commit_then_restart_relays_each_once_in_order(spawn_daemon, pg_url, stream_key,
                                                                            events_key):
    settings = dict(database_url=pg_url, redis_url=REDIS_URL, audit_stream=stream_key, events_stream=events_key)
    daemon = spawn_daemon(**settings)  # it made the tables
    stop = threading.Event()
    result: dict[str, dict[str, int]] = {}
    writer = threading.Thread(target=lambda: result.update(
        committed=asyncio.run(insert_pg_until(pg_url, [f"ge{i}" for i in range(4)], stop))))
    writer.start()
    try:
        time.sleep(1.5)
        assert len(stream_entries(REDIS_URL, events_key)) > 0  # the relay is at work
        daemon.kill()  # SIGKILL, mid-relay: appends made, their outbox rows not yet deleted
        time.sleep(0.5)  # changes go on committing with no daemon
    finally:
        stop.set()
        writer.join(30)
    committed = result["committed"]
    total = sum(committed.values())
    spawn_daemon(**settings)
    entries = asyncio.run(wait_for_entries(REDIS_URL, events_key, total, timeout_s=30))
    time.sleep(1.5)  # a full idle poll: nothing more comes
    entries = stream_entries(REDIS_URL, events_key)
    assert len(entries) == total
    assert_once_in_order(entries, committed)


def test_events_tail_prints_json_lines_and_as_a_group_acknowledges(spawn_daemon, stream_key, events_key, tmp_path):
    db = tmp_path / "t.sqlite3"
    settings = dict(database_url=f"sqlite:///{db}", redis_url=REDIS_URL, audit_stream=stream_key,
                    events_stream=events_key)
    spawn_daemon(**settings)
    insert_sqlite(db, "ge-t", range(3))
    asyncio.run(wait_for_entries(REDIS_URL, events_key, 3))
    plain = run_command("events", "tail", **settings)
    lines = [orjson.loads(line) for line in plain.stdout.splitlines()]
    assert plain.returncode == 0 and [line["event_id"] for line in lines] == ["1", "2", "3"]
    assert lines[0]["node_exec_id"] == "ge-t-0" and lines[0]["graph_version"] == "1" and "id" in lines[0]
    grouped = run_command("events", "tail", *AS_GROUP, **settings)
    assert grouped.returncode == 0 and grouped.stdout == plain.stdout
    again = run_command("events", "tail", *AS_GROUP, **settings)
    assert again.returncode == 0 and again.stdout == ""  # acknowledged the first time


@pytest.mark.parametrize("reader", [[], AS_GROUP], ids=["plain", "group"])
def test_events_tail_follows_across_a_redis_restart(spawn_daemon, private_redis, stream_key, events_key, tmp_path,
                                                    reader):
    db = tmp_path / "f.sqlite3"
    settings = dict(database_url=f"sqlite:///{db}", redis_url=private_redis.url, audit_stream=stream_key,
                    events_stream=events_key)
    spawn_daemon(**settings)
    insert_sqlite(db, "ge-f", range(3))
    follower = Follower(reader, daemon_env(**settings), tmp_path, stream="events")
    try:
        assert follower.wait_for(3, field="node_exec_id") == [f"ge-f-{step}" for step in range(3)]
        private_redis.stop()
        follower.wait_for_stderr("lost the connection to Redis")
        insert_sqlite(db, "ge-f", range(3, 6))  # they wait in the daemon's outbox
        private_redis.start()
        assert follower.wait_for(6, field="node_exec_id") == [f"ge-f-{step}" for step in range(6)]
        assert follower.stop() == 0
        assert "Traceback" not in follower.stderr()
    finally:
        follower.kill()
