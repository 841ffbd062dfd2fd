"""The execution event stream: fields, promptness, commit order per execution, exactly once through
re-sends, a second relay and a Redis outage; its backlog in /metrics; `events tail`.

Events are written as the executions methods write them: `record()` inside a write transaction,
then `events_committed()` once it has committed."""

import asyncio
import io

import orjson
import pytest
import redis as sync_redis

from daemon.clock import now_rfc3339
from daemon.domains.executions.events import Event, record
from daemon.streams.commands import tail
from daemon.streams.events import EVENTS
from daemon.streams.stream import Stream
from tests.support import REDIS_URL, Rpc, make_settings, running, stream_entries, wait_for_entries


def event(graph_exec_id: str, status: str, node_exec_id: str = "", node_id: str = "") -> Event:
    return Event(kind="node" if node_exec_id else "graph", graph_exec_id=graph_exec_id, node_exec_id=node_exec_id,
                 node_id=node_id, user_id="u1", graph_id="g1", graph_version=3, status=status, at=now_rfc3339())


async def commit(rpc: Rpc, events: list[Event]) -> None:
    async with rpc.services.db.write() as conn:
        await record(conn, events)
    rpc.services.events_committed()


async def test_each_change_reaches_the_stream_once_with_every_field(rpc, events_key, stream_key):
    graph = event("ge1", "QUEUED")
    node = event("ge1", "RUNNING", node_exec_id="ne1", node_id="n1")
    await commit(rpc, [graph, node])
    entries = await wait_for_entries(REDIS_URL, events_key, 2)
    assert entries == [
        {"event_id": "1", "kind": "graph", "graph_exec_id": "ge1", "node_exec_id": "", "node_id": "",
         "user_id": "u1", "graph_id": "g1", "graph_version": "3", "status": "QUEUED", "at": graph["at"]},
        {"event_id": "2", "kind": "node", "graph_exec_id": "ge1", "node_exec_id": "ne1", "node_id": "n1",
         "user_id": "u1", "graph_id": "g1", "graph_version": "3", "status": "RUNNING", "at": node["at"]},
    ]
    assert list(entries[0]) == list(EVENTS.entry(entries[0]))  # the fields in the README's order
    await asyncio.sleep(1.2)  # a full idle poll: nothing is sent again
    assert len(stream_entries(REDIS_URL, events_key)) == 2
    assert stream_entries(REDIS_URL, stream_key) == []  # nothing strays into the audit stream
    assert await EVENTS.backlog(rpc.services.db) == 0


async def test_a_rolled_back_change_never_reaches_the_stream(rpc, events_key):
    with pytest.raises(RuntimeError):
        async with rpc.services.db.write() as conn:
            await record(conn, [event("ge-rolled-back", "QUEUED")])
            raise RuntimeError("the method failed after recording")
    await commit(rpc, [event("ge-kept", "QUEUED")])
    await wait_for_entries(REDIS_URL, events_key, 1)
    await asyncio.sleep(0.2)
    assert [e["graph_exec_id"] for e in stream_entries(REDIS_URL, events_key)] == ["ge-kept"]


async def test_an_event_is_in_the_stream_well_under_a_second_after_its_commit(rpc, events_key):
    for i in range(5):
        await commit(rpc, [event("ge-prompt", "RUNNING")])
        returned = asyncio.get_running_loop().time()
        await wait_for_entries(REDIS_URL, events_key, i + 1, timeout_s=2)
        assert asyncio.get_running_loop().time() - returned < 0.5


async def test_commit_order_is_kept_for_each_execution_under_concurrent_writers(rpc, events_key):
    """Each execution's changes are committed one after another (as its row lock makes them);
    many executions commit at once, on every pooled connection."""
    async def run(graph_exec_id: str) -> None:
        for step in range(20):
            await commit(rpc, [event(graph_exec_id, "RUNNING", node_exec_id=f"{graph_exec_id}-{step}", node_id="n")])
    executions = [f"ge{i}" for i in range(8)]
    await asyncio.gather(*(run(e) for e in executions))
    entries = await wait_for_entries(REDIS_URL, events_key, 160)
    assert len(entries) == 160 and len({e["event_id"] for e in entries}) == 160
    for graph_exec_id in executions:
        steps = [e["node_exec_id"] for e in entries if e["graph_exec_id"] == graph_exec_id]
        assert steps == [f"{graph_exec_id}-{step}" for step in range(20)]


async def test_re_sending_an_event_appends_nothing_but_a_reused_id_of_another_change_does(rpc, events_key):
    """A crash between XADD and the outbox delete, or a lost reply, is a re-send; a database
    restored from a backup hands out old event ids again, for changes that are new."""
    await commit(rpc, [event("ge-r", "QUEUED")])
    first, = await wait_for_entries(REDIS_URL, events_key, 1)
    stream = Stream(rpc.services.redis, events_key, EVENTS)
    assert await stream.append([first] * 3) == 0
    assert await stream.append([{**first, "status": "RUNNING"}]) == 1
    assert await stream.append([{**first, "at": now_rfc3339()}]) == 1
    assert len(stream_entries(REDIS_URL, events_key)) == 3
    assert stream.marker(first).startswith(f"{{{events_key}}}:relayed:{first['event_id']}:")


async def test_two_relays_on_one_outbox_append_each_event_once(db_url, stream_key, events_key, tmp_path):
    settings = make_settings(database_url=db_url, redis_url=REDIS_URL, audit_stream=stream_key,
                             events_stream=events_key, state_dir=tmp_path)
    async with running(settings) as one, running(settings) as two:
        await asyncio.gather(*(commit((one, two)[i % 2], [event(f"ge{i % 5}", "QUEUED")]) for i in range(100)))
        await asyncio.gather(one.services.events_relay.relay_once(), two.services.events_relay.relay_once())
        await wait_for_entries(REDIS_URL, events_key, 100)
        await asyncio.sleep(1.2)  # a full idle poll of both relays
        entries = stream_entries(REDIS_URL, events_key)
    assert len(entries) == 100 and len({e["event_id"] for e in entries}) == 100


async def test_redis_down_changes_wait_in_the_outbox_are_counted_and_drain_in_order(private_redis, stream_key,
                                                                                     events_key, tmp_path):
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'e.sqlite3'}", redis_url=private_redis.url,
                             audit_stream=stream_key, events_stream=events_key, state_dir=tmp_path)
    async with running(settings) as rpc:
        await commit(rpc, [event("ge-o", "QUEUED")])
        await wait_for_entries(private_redis.url, events_key, 1)
        private_redis.stop()
        for step in range(30):
            await commit(rpc, [event("ge-o", "RUNNING", node_exec_id=f"ne{step}", node_id="n")])
        # the relay counts its backlog each time it backs off (at most RELAY_RETRY_MAX_S apart)
        metrics = await _metrics_once(rpc, "dbmanager_events_backlog 30.0")
        assert "dbmanager_events_backlog 30.0" in metrics and "dbmanager_audit_backlog 0.0" in metrics
        private_redis.start()
        entries = await wait_for_entries(private_redis.url, events_key, 31, timeout_s=15)
        metrics = await _metrics_once(rpc, "dbmanager_events_backlog 0.0")
    assert [e["node_exec_id"] for e in entries] == ["", *(f"ne{step}" for step in range(30))]
    assert "dbmanager_events_backlog 0.0" in metrics and "dbmanager_events_relayed_total 31.0" in metrics


async def _metrics_once(rpc: Rpc, line: str, timeout_s: float = 10) -> str:
    """/metrics once it shows `line`, or as it is when the time is up."""
    for _ in range(int(timeout_s / 0.1)):
        metrics = await (await rpc.client.get("/metrics")).text()
        if line in metrics:
            break
        await asyncio.sleep(0.1)
    return metrics


async def test_events_tail_prints_json_lines_and_as_a_group_acknowledges(rpc, events_key, stream_key, tmp_path):
    await commit(rpc, [event("ge-t", status) for status in ("QUEUED", "RUNNING", "COMPLETED")])
    await wait_for_entries(REDIS_URL, events_key, 3)
    settings = make_settings(redis_url=REDIS_URL, audit_stream=stream_key, events_stream=events_key, state_dir=tmp_path)
    plain = io.StringIO()
    await tail(settings, EVENTS, False, None, None, out=plain)
    lines = [orjson.loads(line) for line in plain.getvalue().splitlines()]
    assert [(line["event_id"], line["status"]) for line in lines] == [("1", "QUEUED"), ("2", "RUNNING"),
                                                                      ("3", "COMPLETED")]
    assert all(set(line) == {"id", *EVENTS.entry(line)} for line in lines)
    grouped = io.StringIO()
    await tail(settings, EVENTS, False, "workers", "w1", out=grouped)
    assert grouped.getvalue() == plain.getvalue()
    client = sync_redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        assert client.xpending(events_key, "workers")["pending"] == 0  # each acknowledged once printed
    finally:
        client.close()
    again = io.StringIO()
    await tail(settings, EVENTS, False, "workers", "w1", out=again)
    assert again.getvalue() == ""
