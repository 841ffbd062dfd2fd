"""Limits that keep one client from taking the daemon: body size, batch size, metadata size and
depth, string lengths, JSON nesting, the per-call timeout, the bound on concurrent calls, and
clients that send their body slowly or never."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest

from daemon.constants import MAX_JSON_DEPTH, MAX_METADATA_BYTES
from daemon.web import server as web_server
from tests.support import ConcurrencyProbe, make_settings, running


@contextlib.asynccontextmanager
async def daemon(tmp_path: Path, redis_url: str, stream_key: str, db_url: str | None = None,
                 extra_methods: tuple = (), **settings):
    settings = make_settings(database_url=db_url or f"sqlite:///{tmp_path / 'limits.sqlite3'}", redis_url=redis_url,
                             audit_stream=stream_key, state_dir=tmp_path, **settings)
    async with running(settings, extra_methods) as rpc:
        yield rpc


def call(method: str, params=None, id=1) -> dict:
    return {"jsonrpc": "2.0", "method": method, "id": id, **({"params": params} if params is not None else {})}


def nested(depth: int) -> str:
    """A JSON object `depth` levels deep, as text (orjson will not write one past 254 levels)."""
    return '{"a":' * (depth - 1) + '{"leaf":"x"}' + "}" * (depth - 1)


# ---------- size ----------

async def test_a_body_over_the_limit_is_413_and_at_the_limit_is_answered(tmp_path, redis_url, stream_key):
    async with daemon(tmp_path, redis_url, stream_key, max_body_bytes=1000) as rpc:
        at_limit = orjson.dumps(call("ping", id="x" * (1000 - len(orjson.dumps(call("ping", id=""))))))
        assert len(at_limit) == 1000
        assert (await rpc.post(at_limit))[0] == 200
        response = await rpc.client.post("/rpc", data=at_limit + b" ")
        assert response.status == 413


async def test_a_chunked_body_over_the_limit_is_413(tmp_path, redis_url, stream_key):
    async def chunks():
        for _ in range(20):
            yield b" " * 100
        yield orjson.dumps(call("ping"))
    async with daemon(tmp_path, redis_url, stream_key, max_body_bytes=1000) as rpc:
        response = await rpc.client.post("/rpc", data=chunks())
        assert response.status == 413
        assert await rpc.result("ping") == "pong"


async def test_a_batch_over_the_limit_is_one_invalid_request_and_runs_nothing(tmp_path, redis_url, stream_key):
    async with daemon(tmp_path, redis_url, stream_key, max_batch=5) as rpc:
        await rpc.result("create_user", {"email": "b@x.io", "user_id": "b"})
        status, body = await rpc.post([call("top_up_credits", ["b", 1], id=i) for i in range(6)])
        assert status == 200 and isinstance(body, dict)
        assert body["error"]["code"] == -32600 and body["id"] is None
        assert await rpc.result("get_credits", ["b"]) == 0
        status, body = await rpc.post([call("top_up_credits", ["b", 1], id=i) for i in range(5)])
        assert sorted(r["result"] for r in body) == [1, 2, 3, 4, 5]


async def test_metadata_over_16_kib_is_refused_and_writes_nothing(rpc):
    await rpc.result("create_user", {"email": "m@x.io", "user_id": "m"})
    await rpc.result("top_up_credits", ["m", 10])
    exact = {"pad": "x" * (MAX_METADATA_BYTES - len(orjson.dumps({"pad": ""})))}
    assert len(orjson.dumps(exact)) == MAX_METADATA_BYTES
    assert await rpc.result("spend_credits", {"user_id": "m", "cost": 1, "metadata": exact}) == 9
    over = {"pad": exact["pad"] + "x"}
    for method, params in [("spend_credits", {"user_id": "m", "cost": 1, "metadata": over}),
                           ("top_up_credits", {"user_id": "m", "amount": 1, "metadata": over}),
                           ("create_user", {"email": "o@x.io", "metadata": over})]:
        error = await rpc.error(method, params)
        assert error["code"] == -32602 and error["data"]["param"] == "metadata", error
    assert await rpc.result("get_credits", ["m"]) == 9
    assert len((await rpc.result("get_transaction_history", ["m"]))["transactions"]) == 2


# ---------- strings ----------

@pytest.mark.parametrize("param", ["user_id", "transaction_key"])
async def test_names_are_1_to_255_characters_counted_as_characters(rpc, param):
    await rpc.result("create_user", {"email": "s@x.io", "user_id": "s"})
    await rpc.result("top_up_credits", ["s", 100])
    astral = "🚀" * 255  # 255 characters, 1020 bytes in UTF-8: the limit counts characters, on both databases
    if param == "user_id":
        assert (await rpc.result("create_user", {"email": "astral@x.io", "user_id": astral}))["id"] == astral
        bad = [{"email": "e1@x.io", "user_id": ""}, {"email": "e2@x.io", "user_id": astral + "x"}]
        for params in bad:
            assert (await rpc.error("create_user", params))["data"]["param"] == "user_id"
    else:
        assert await rpc.result("spend_credits", {"user_id": "s", "cost": 1, "transaction_key": astral}) == 99
        for key in ("", astral + "x"):
            error = await rpc.error("spend_credits", {"user_id": "s", "cost": 1, "transaction_key": key})
            assert error["code"] == -32602 and error["data"]["param"] == "transaction_key"
        assert await rpc.result("get_credits", ["s"]) == 99


# ---------- nesting ----------

async def test_metadata_nesting_is_bounded_so_every_answer_can_be_written(rpc):
    await rpc.result("create_user", {"email": "d@x.io", "user_id": "d"})
    await rpc.result("top_up_credits", ["d", 10])
    deepest = nested(MAX_JSON_DEPTH)
    params = f'{{"user_id": "d", "cost": 1, "metadata": {deepest}}}'
    body = f'{{"jsonrpc": "2.0", "method": "spend_credits", "id": 1, "params": {params}}}'
    assert (await rpc.post(body.encode()))[1]["result"] == 9
    # read back in a batch: the deepest place a response puts metadata
    status, body = await rpc.post([call("get_transaction_history", ["d"])])
    assert status == 200 and body[0]["result"]["transactions"][0]["metadata"] == orjson.loads(deepest)
    for depth in (MAX_JSON_DEPTH + 1, 253, 254, 255, 1000):  # 253–254: orjson writes them, a response would not
        for method, extra in [("spend_credits", '"user_id": "d", "cost": 1'), ("create_user", f'"email": "n{depth}@x.io"')]:
            raw = f'{{"jsonrpc": "2.0", "method": "{method}", "id": 1, "params": {{{extra}, "metadata": {nested(depth)}}}}}'
            status, body = await rpc.post(raw.encode())
            assert status == 200 and body["error"]["code"] == -32602 and body["error"]["data"]["param"] == "metadata"
    assert await rpc.result("get_credits", ["d"]) == 9


async def test_json_nested_past_1024_levels_is_a_parse_error(sqlite_rpc):
    status, body = await sqlite_rpc.post(b"[" * 1025 + b"]" * 1025)
    assert (status, body["error"]["code"]) == (200, -32700)
    status, body = await sqlite_rpc.post(b"[" * 1024 + b"]" * 1024)  # parsed: a batch of one invalid member
    assert status == 200 and body[0]["error"]["code"] == -32600


async def test_deep_params_that_are_not_metadata_are_invalid_params(sqlite_rpc):
    for params in ("[" * 500 + "]" * 500, '{"user_id": ' + "[" * 500 + "]" * 500 + "}"):
        raw = f'{{"jsonrpc": "2.0", "method": "get_credits", "id": 1, "params": {params}}}'.encode()
        status, body = await sqlite_rpc.post(raw)
        assert status == 200 and body["error"]["code"] == -32602


# ---------- time ----------

@contextlib.asynccontextmanager
async def balance_row_locked(db_url: str, user_id: str):
    """Another client holds the lock a write of this user needs: SQLite's write lock, or the
    user's balance row on PostgreSQL (SELECT … FOR UPDATE in an open transaction)."""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    conn = await asyncpg.connect(db_url)
    try:
        async with conn.transaction():
            await conn.fetch("SELECT balance FROM balances WHERE user_id = $1 FOR UPDATE", user_id)
            yield
    finally:
        await conn.close()


async def test_a_call_past_the_timeout_is_32003_promptly_and_writes_nothing(db_url, tmp_path, redis_url, stream_key):
    async with daemon(tmp_path, redis_url, stream_key, db_url, call_timeout_s=0.5) as rpc:
        await rpc.result("create_user", {"email": "t@x.io", "user_id": "t"})
        await rpc.result("top_up_credits", ["t", 10])
        async with balance_row_locked(db_url, "t"):
            started = time.monotonic()
            error = await rpc.error("top_up_credits", {"user_id": "t", "amount": 5, "transaction_key": "slow"})
            elapsed = time.monotonic() - started
            assert error == {"code": -32003, "message": "Timeout"}
            assert elapsed < 2.5, elapsed  # not SQLite's 10 s busy wait
            assert await rpc.result("get_credits", ["t"]) == 10  # reads go on meanwhile
        await asyncio.sleep(0.3)  # a late write would land now
        assert await rpc.result("get_credits", ["t"]) == 10
        # safe to retry with the same key: it runs once
        assert await rpc.result("top_up_credits", {"user_id": "t", "amount": 5, "transaction_key": "slow"}) == 15
        assert len((await rpc.result("get_transaction_history", ["t"]))["transactions"]) == 2


async def test_concurrent_calls_are_bounded_across_requests(tmp_path, redis_url, stream_key):
    probe = ConcurrencyProbe(0.02)
    name = "probe"
    async with daemon(tmp_path, redis_url, stream_key, extra_methods=(probe.method,), max_concurrent_calls=3) as rpc:
        batch = [call(name, id=i) for i in range(40)]
        answers = await asyncio.gather(rpc.post(batch), rpc.post(batch), rpc.post(call(name)))
    assert [status for status, _ in answers] == [200, 200, 200]
    assert all(r["result"] == "ok" for r in answers[0][1] + answers[1][1])
    assert probe.most == 3


async def test_the_timeout_counts_the_wait_for_a_call_slot(tmp_path, redis_url, stream_key):
    async def slow_probe(ctx: Any) -> str:
        await asyncio.sleep(0.3)
        return "done"
    name = slow_probe.__name__
    async with daemon(tmp_path, redis_url, stream_key, extra_methods=(slow_probe,), max_concurrent_calls=1,
                      call_timeout_s=1) as rpc:
        started = time.monotonic()
        status, body = await rpc.post([call(name, id=i) for i in range(10)])  # 3 s of work for one slot
        elapsed = time.monotonic() - started
    done = sum(r.get("result") == "done" for r in body)
    timed_out = sum(r.get("error", {}).get("code") == -32003 for r in body)
    assert 1 <= done <= 4 and done + timed_out == 10, body
    assert elapsed < 2.5, elapsed  # every caller heard back within about the timeout (3 s of work)


# ---------- slow clients ----------

async def open_request(rpc, content_length: int, first_bytes: bytes):
    server = rpc.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n" % content_length + first_bytes)
    await writer.drain()
    return reader, writer


async def test_a_stalled_body_gets_408_and_holds_no_call_slot(tmp_path, redis_url, stream_key):
    async with daemon(tmp_path, redis_url, stream_key, call_timeout_s=1, max_concurrent_calls=1) as rpc:
        started = time.monotonic()
        reader, writer = await open_request(rpc, 100, b'{"jsonrpc": "2.0", ')
        for _ in range(3):  # meanwhile the one call slot serves others
            assert await rpc.result("ping") == "pong"
        status_line = await asyncio.wait_for(reader.readline(), 5)
        assert status_line.startswith(b"HTTP/1.1 408 "), status_line
        assert time.monotonic() - started < 3
        writer.close()


async def test_a_trickled_body_gets_408(tmp_path, redis_url, stream_key):
    async with daemon(tmp_path, redis_url, stream_key, call_timeout_s=1) as rpc:
        body = orjson.dumps(call("ping"))
        reader, writer = await open_request(rpc, len(body), b"")
        started = time.monotonic()

        async def trickle() -> None:  # one byte every 0.1 s: 4 s for the whole body
            with contextlib.suppress(ConnectionError):
                for byte in body:
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(0.1)
        trickling = asyncio.create_task(trickle())
        status_line = await asyncio.wait_for(reader.readline(), 5)
        assert status_line.startswith(b"HTTP/1.1 408 "), status_line
        assert time.monotonic() - started < 2.5
        trickling.cancel()
        writer.close()
        assert await rpc.result("ping") == "pong"


@pytest.mark.parametrize("sent", [b"", b"POST /rpc HTTP/1.1\r\nHost: x\r\n"], ids=["nothing", "half the headers"])
async def test_a_connection_idle_or_stalled_in_its_headers_is_closed(tmp_path, redis_url, stream_key, monkeypatch, sent):
    monkeypatch.setitem(web_server.HANDLER_ARGS, "keepalive_timeout", 1.0)  # 75 s in production
    async with daemon(tmp_path, redis_url, stream_key) as rpc:
        server = rpc.client.server
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(sent)
        started = time.monotonic()
        assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the daemon, unanswered
        assert time.monotonic() - started < 5
        writer.close()
