"""The streams on a scaled-out Redis: markers in the stream's hash slot (and an older release's
markers still recognised), the relay waiting for a replica, and `audit repair`."""

import asyncio
import io
import signal
import time

import pytest
from redis.crc import key_slot

from daemon.errors import ConfigError, StartupError
from daemon.storage.redis import connect
from daemon.streams.audit import AUDIT
from daemon.streams.commands import repair, verify
from daemon.streams.stream import NotReplicated, Stream, hash_tag, slot_prefix
from tests.support import REDIS_URL, PrivateRedis, free_port, make_settings, running, stream_entries, wait_for_entries


def audit_entry(tx_id: int, key: str = "k") -> dict[str, str]:
    return {"tx_id": str(tx_id), "transaction_key": f"{key}{tx_id}", "user_id": "u", "type": "TOP_UP", "amount": "1",
            "running_balance": str(tx_id), "metadata": "{}", "created_at": "2026-12-01T00:00:00.000000Z"}


@pytest.mark.parametrize("key", ["dbmanager:audit:credits", "dbmanager:events:executions", "{tenant-7}:audit",
                                 "x{y"])
def test_every_marker_is_in_its_streams_hash_slot(key):
    stream = Stream(connect(REDIS_URL), key, AUDIT)
    marker = stream.marker(audit_entry(1))
    assert key_slot(marker.encode()) == key_slot(key.encode())
    assert marker.startswith(key if hash_tag(key) else "{" + key + "}")


def test_a_key_no_prefix_can_put_in_its_slot_is_refused_on_a_cluster_only():
    """`a{}b` has no tag, and braces around it would make `a{` one: no marker can share its slot."""
    assert slot_prefix("a{}b") is None
    Stream(connect(REDIS_URL), "a{}b", AUDIT)  # one Redis: the plain `<stream>:relayed:…` markers
    with pytest.raises(ConfigError, match="DBM_AUDIT_STREAM"):
        Stream(connect("redis+cluster://127.0.0.1:1"), "a{}b", AUDIT)


def test_hash_tags_are_read_as_redis_cluster_reads_them():
    assert [hash_tag(k) for k in ("a{b}c", "{b}", "a{}b{c}", "a{b", "}{b}", "plain")] == ["b", "b", None, None, "b", None]


async def test_a_row_an_older_release_relayed_is_not_appended_again(stream_key):
    """Releases before 0.4 wrote `<stream>:relayed:…`; after an upgrade their rows may still be
    re-sent (a crash between the append and the outbox delete), and must append nothing."""
    client = connect(REDIS_URL)
    stream = Stream(client, stream_key, AUDIT)
    old, new = audit_entry(1), audit_entry(2)
    assert stream.older_marker(old) == stream.marker(old)[1:].replace("}", "", 1)
    await client.set(stream.older_marker(old), "1", ex=60)
    assert await stream.append([old, new]) == 1
    assert await stream.append([old, new]) == 0
    assert [e["tx_id"] for e in stream_entries(REDIS_URL, stream_key)] == ["2"]
    await client.aclose()


async def test_a_tagged_stream_keeps_its_key_as_the_markers_prefix(stream_key):
    client = connect(REDIS_URL)
    stream = Stream(client, "{" + stream_key + "}", AUDIT)
    assert stream.marker(audit_entry(1)) == stream.older_marker(audit_entry(1))
    assert await stream.append([audit_entry(1)] * 2) == 1
    await client.delete("{" + stream_key + "}", stream.marker(audit_entry(1)))
    await client.aclose()


@pytest.fixture
def replicated(tmp_path):
    """A master and one replica of it; the replica's process can be paused (SIGSTOP)."""
    (tmp_path / "master").mkdir()
    (tmp_path / "replica").mkdir()
    master = PrivateRedis(tmp_path / "master")
    master.start()
    replica = PrivateRedis(tmp_path / "replica", "--replicaof", "127.0.0.1", str(master.port), "--logfile", "r.log")
    replica.start()
    client = replica.client()
    while client.info("replication")["master_link_status"] != "up" or client.info("persistence")["loading"]:
        time.sleep(0.05)
    client.close()
    yield master, replica
    replica.process.send_signal(signal.SIGCONT)
    replica.stop()
    master.stop()


async def test_an_appended_batch_is_on_the_replica_when_append_returns(replicated):
    master, replica = replicated
    client = connect(master.url)
    stream = Stream(client, "s", AUDIT)
    assert await stream.append([audit_entry(i) for i in range(1, 201)]) == 200
    assert replica.client().xlen("s") == 200  # WAIT: the replica had the batch before append returned
    await client.aclose()


async def test_rows_stay_in_the_outbox_until_a_replica_acknowledges(replicated, db_url, tmp_path):
    master, replica = replicated
    settings = make_settings(database_url=db_url, redis_url=master.url, audit_stream="audit", state_dir=tmp_path)
    async with running(settings) as rpc:
        await rpc.result("create_user", {"email": "r@x.io", "user_id": "r"})
        await rpc.result("top_up_credits", ["r", 5])
        while await AUDIT.backlog(rpc.services.db):  # relayed, and its row gone
            await asyncio.sleep(0.05)
        replica.process.send_signal(signal.SIGSTOP)  # connected, but acknowledging nothing
        await rpc.result("top_up_credits", ["r", 6])
        await asyncio.sleep(0.5)
        with pytest.raises(NotReplicated):
            await rpc.services.audit_relay.relay_once()
        assert await AUDIT.backlog(rpc.services.db) == 1  # appended to the master, but kept
        replica.process.send_signal(signal.SIGCONT)
        while await AUDIT.backlog(rpc.services.db):
            await asyncio.sleep(0.05)
    assert [e["amount"] for e in stream_entries(replica.url, "audit")] == ["5", "6"]  # once each, on the replica too
    assert await verify(settings, out=io.StringIO())


async def test_repair_appends_what_a_redis_lost_once_and_then_verifies(private_redis, db_url, tmp_path):
    settings = make_settings(database_url=db_url, redis_url=private_redis.url, audit_stream="audit", state_dir=tmp_path)
    async with running(settings) as rpc:
        await rpc.result("create_user", {"email": "p@x.io", "user_id": "p"})
        for amount in range(1, 8):
            await rpc.result("top_up_credits", ["p", amount])
        await wait_for_entries(private_redis.url, "audit", 7)
    client = private_redis.client()
    first_three = client.xrange("audit")[:3]
    client.flushall()  # a Redis restored from a backup that held only the first three entries
    for _, fields in first_three:
        client.xadd("audit", fields)
    report = io.StringIO()
    assert not await verify(settings, out=report) and "tx_id 4 (lost)" in report.getvalue()
    report = io.StringIO()
    assert await repair(settings, out=report)
    assert report.getvalue().startswith("repair: 4 transactions lost from the stream, 4 appended from the ledger\n")
    assert await repair(settings, out=(again := io.StringIO()))
    assert again.getvalue().startswith("repair: 0 transactions lost")
    assert [e["amount"] for e in stream_entries(private_redis.url, "audit")] == [str(a) for a in range(1, 8)]
    client.close()


async def test_repair_says_in_one_line_that_redis_is_unreachable(sqlite_rpc, tmp_path):
    await sqlite_rpc.result("create_user", {"email": "q@x.io", "user_id": "q"})
    await sqlite_rpc.result("top_up_credits", ["q", 1])
    settings = make_settings(database_url=sqlite_rpc.services.settings.database_url,
                             redis_url=f"redis://127.0.0.1:{free_port()}/0", audit_stream="audit", state_dir=tmp_path)
    with pytest.raises(StartupError, match="^Redis is unreachable"):
        await repair(settings, out=io.StringIO())
