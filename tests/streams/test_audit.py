"""The audit stream: fields, promptness, exactly once through re-sends and Redis outages, verify."""

import asyncio
import io
import time

import orjson
import redis as sync_redis

from daemon.streams.audit import AUDIT
from daemon.streams.commands import CHUNK, tail, verify
from daemon.streams.stream import Stream
from tests.support import REDIS_URL, make_settings, running, stream_entries, wait_for_entries


async def test_every_write_appends_one_entry_with_every_field(rpc, stream_key):
    await rpc.result("create_user", {"email": "a@x.io", "user_id": "a"})
    await rpc.result("top_up_credits", {"user_id": "a", "amount": 50, "transaction_key": "t1"})
    await rpc.result("spend_credits", {"user_id": "a", "cost": 8, "transaction_key": "s1",
                                       "metadata": {"graph_id": "g1", "node_exec_id": "ne"}})
    await rpc.result("grant_credits", ["a", 5, "sorry"])
    await rpc.result("refund_credits", {"user_id": "a", "spend_transaction_key": "s1", "amount": 3})
    entries = await wait_for_entries(REDIS_URL, stream_key, 4)
    assert [e["type"] for e in entries] == ["TOP_UP", "USAGE", "GRANT", "REFUND"]
    history = (await rpc.result("get_transaction_history", ["a"]))["transactions"][::-1]
    for entry, tx in zip(entries, history, strict=True):
        assert entry == {"tx_id": tx["id"], "transaction_key": tx["transaction_key"], "user_id": "a",
                         "type": tx["type"], "amount": str(tx["amount"]), "running_balance": str(tx["running_balance"]),
                         "metadata": entry["metadata"], "created_at": tx["created_at"]}
        assert orjson.loads(entry["metadata"]) == tx["metadata"]
    assert entries[1]["amount"] == "-8" and orjson.loads(entries[1]["metadata"])["graph_id"] == "g1"


async def test_failed_writes_and_replays_append_nothing(rpc, stream_key):
    await rpc.result("create_user", {"email": "b@x.io", "user_id": "b"})
    await rpc.result("top_up_credits", {"user_id": "b", "amount": 5, "transaction_key": "k"})
    await rpc.error("spend_credits", ["b", 6])  # 1001
    await rpc.result("top_up_credits", {"user_id": "b", "amount": 5, "transaction_key": "k"})  # replay
    await rpc.error("top_up_credits", {"user_id": "b", "amount": 6, "transaction_key": "k"})  # 1003
    await rpc.result("spend_credits", ["b", 0])  # records nothing
    await rpc.result("top_up_credits", ["b", 1])  # a last write, to know the relay has passed the others
    await wait_for_entries(REDIS_URL, stream_key, 2)
    await asyncio.sleep(0.2)
    assert len(stream_entries(REDIS_URL, stream_key)) == 2


async def test_entry_is_in_the_stream_well_under_a_second(rpc, stream_key):
    await rpc.result("create_user", {"email": "c@x.io", "user_id": "c"})
    for _ in range(5):
        before = len(stream_entries(REDIS_URL, stream_key))
        await rpc.result("top_up_credits", ["c", 1])
        returned = time.monotonic()
        await wait_for_entries(REDIS_URL, stream_key, before + 1, timeout_s=2)
        assert time.monotonic() - returned < 0.5


async def test_re_sending_an_entry_appends_nothing(rpc, stream_key):
    """What a crash between XADD and the outbox delete, or a lost reply, amounts to."""
    await rpc.result("create_user", {"email": "d@x.io", "user_id": "d"})
    await rpc.result("top_up_credits", ["d", 10])
    entries = await wait_for_entries(REDIS_URL, stream_key, 1)
    stream = Stream(rpc.services.redis, stream_key, AUDIT)
    assert await stream.append(entries * 3) == 0
    assert len(stream_entries(REDIS_URL, stream_key)) == 1


async def test_two_relays_on_one_outbox_append_each_entry_once(db_url, stream_key, tmp_path):
    settings = make_settings(database_url=db_url, redis_url=REDIS_URL, audit_stream=stream_key, state_dir=tmp_path)
    async with running(settings) as one, running(settings) as two:
        await one.result("create_user", {"email": "e@x.io", "user_id": "e"})
        await one.result("top_up_credits", ["e", 1000])
        spends = [(one if i % 2 else two).call("spend_credits", ["e", 1]) for i in range(100)]
        await asyncio.gather(*spends)
        # both relays race over the same rows, woken by each other's rows on their polls
        await asyncio.gather(one.services.audit_relay.relay_once(), two.services.audit_relay.relay_once())
        entries = await wait_for_entries(REDIS_URL, stream_key, 101)
        await asyncio.sleep(1.2)  # a full idle poll of both relays
        entries = stream_entries(REDIS_URL, stream_key)
    assert len(entries) == 101
    assert len({e["tx_id"] for e in entries}) == 101


async def test_redis_down_writes_go_on_and_the_backlog_drains_once_back(private_redis, stream_key, tmp_path):
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'l.sqlite3'}", redis_url=private_redis.url,
                             audit_stream=stream_key, state_dir=tmp_path)
    async with running(settings) as rpc:
        await rpc.result("create_user", {"email": "f@x.io", "user_id": "f"})
        await rpc.result("top_up_credits", ["f", 100])
        await wait_for_entries(private_redis.url, stream_key, 1)
        private_redis.stop()
        for _ in range(50):
            await rpc.result("spend_credits", ["f", 1])
        health = await rpc.client.get("/healthz")
        assert health.status == 503 and (await health.json())["redis"] == "unavailable"
        # the relay counts its backlog each time it backs off (at most RELAY_RETRY_MAX_S apart)
        for _ in range(100):
            metrics = await (await rpc.client.get("/metrics")).text()
            if "dbmanager_audit_backlog 50.0" in metrics:
                break
            await asyncio.sleep(0.1)
        assert "dbmanager_audit_backlog 50.0" in metrics
        private_redis.start()
        entries = await wait_for_entries(private_redis.url, stream_key, 51, timeout_s=15)
        for _ in range(40):  # /healthz answers from a check at most HEALTH_CACHE_S (1 s) old
            if (await rpc.client.get("/healthz")).status == 200:
                break
            await asyncio.sleep(0.1)
        assert (await rpc.client.get("/healthz")).status == 200
    assert len(entries) == 51
    assert len({e["tx_id"] for e in entries}) == 51
    assert [int(e["running_balance"]) for e in entries[1:]] == list(range(99, 49, -1))


async def test_verify_passes_then_fails_on_a_deleted_and_a_duplicated_entry(rpc, stream_key, db_url, tmp_path, capsys):
    await rpc.result("create_user", {"email": "g@x.io", "user_id": "g"})
    for _ in range(3):
        await rpc.result("top_up_credits", ["g", 1])
    await wait_for_entries(REDIS_URL, stream_key, 3)
    settings = make_settings(database_url=db_url, redis_url=REDIS_URL, audit_stream=stream_key, state_dir=tmp_path)
    assert await verify(settings) is True
    client = sync_redis.Redis.from_url(REDIS_URL, decode_responses=True)
    (first_id, first), (second_id, second), _ = client.xrange(stream_key)
    client.xdel(stream_key, second_id)
    client.xadd(stream_key, first)
    client.close()
    capsys.readouterr()
    assert await verify(settings) is False
    report = capsys.readouterr().out
    assert f"missing from the stream: tx_id {second['tx_id']} (lost)" in report
    assert f"duplicated in the stream: tx_id {first['tx_id']} appears 2 times" in report


async def test_a_reused_tx_id_of_another_row_is_not_taken_for_a_re_send(rpc, stream_key):
    """A database restored from a backup hands out old ids again: those are new rows."""
    await rpc.result("create_user", {"email": "r@x.io", "user_id": "r"})
    await rpc.result("top_up_credits", ["r", 10])
    first, = await wait_for_entries(REDIS_URL, stream_key, 1)
    stream = Stream(rpc.services.redis, stream_key, AUDIT)
    assert await stream.append([{**first, "transaction_key": "another-row"}]) == 1
    assert await stream.append([first]) == 0


async def test_metadata_left_out_and_empty_are_one_request(rpc):
    await rpc.result("create_user", {"email": "m@x.io", "user_id": "m"})
    await rpc.result("top_up_credits", {"user_id": "m", "amount": 9, "transaction_key": "t"})
    assert await rpc.result("top_up_credits", {"user_id": "m", "amount": 9, "transaction_key": "t", "metadata": {}}) == 9
    await rpc.result("spend_credits", {"user_id": "m", "cost": 2, "transaction_key": "s", "metadata": {}})
    assert await rpc.result("spend_credits", {"user_id": "m", "cost": 2, "transaction_key": "s"}) == 7
    assert await rpc.result("get_credits", ["m"]) == 7


async def test_tail_as_a_group_prints_every_pending_entry_of_its_consumer_not_only_one_read(stream_key, tmp_path):
    """More entries pending than one read takes (a consumer that died, or lost its connection)."""
    client = sync_redis.Redis.from_url(REDIS_URL, decode_responses=True)
    for i in range(CHUNK + 100):
        client.xadd(stream_key, {"tx_id": str(i)})
    client.xgroup_create(stream_key, "g", id="0")
    client.xreadgroup("g", "c", {stream_key: ">"})  # all pending for c, none acknowledged
    out = io.StringIO()
    await tail(make_settings(redis_url=REDIS_URL, audit_stream=stream_key, state_dir=tmp_path), AUDIT, False, "g", "c",
               out=out)
    assert [orjson.loads(line)["tx_id"] for line in out.getvalue().splitlines()] == [str(i) for i in range(CHUNK + 100)]
    assert client.xpending(stream_key, "g")["pending"] == 0
    client.close()
