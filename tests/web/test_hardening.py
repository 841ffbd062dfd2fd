"""What one request may make the daemon do is bounded (security round 2), in-process: compressed
bodies, response size, a batch's share of the call slots, /healthz, 401s, big ids, the banner."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support import ConcurrencyProbe, Rpc, make_settings, running

TOKEN = "hardening-token-6c1f0e9b2a7d4c3e8f5a"


@contextlib.asynccontextmanager
async def daemon(tmp_path: Path, redis_url: str, stream_key: str, extra_methods: tuple[Any, ...] = (),
                 db_url: str | None = None, **settings: Any) -> AsyncIterator[Rpc]:
    settings = make_settings(database_url=db_url or f"sqlite:///{tmp_path / 'h.sqlite3'}", redis_url=redis_url,
                             audit_stream=stream_key, state_dir=tmp_path, **settings)
    async with running(settings, extra_methods) as rpc:
        yield rpc


def call(method: str, params: Any = None, id: Any = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "id": id, **({"params": params} if params is not None else {})}


async def test_a_compressed_body_is_415_and_never_inflated(tmp_path, redis_url, stream_key):
    bomb = gzip.compress(b" " * 50_000_000)  # 50 MB of spaces in about 50 KB
    async with daemon(tmp_path, redis_url, stream_key) as rpc:
        started = time.monotonic()
        response = await rpc.client.post("/rpc", data=bomb, headers={"Content-Encoding": "gzip"})
        assert response.status == 415 and time.monotonic() - started < 1
        assert (await rpc.client.post("/rpc", data=gzip.compress(orjson.dumps(call("ping"))),
                                      headers={"Content-Encoding": "deflate"})).status == 415
        assert await rpc.result("ping") == "pong"


async def history_user(rpc: Rpc, rows: int, metadata_bytes: int) -> str:
    await rpc.result("create_user", {"email": "big@x.io", "user_id": "big"})
    metadata = {"blob": "x" * metadata_bytes}
    for _ in range(rows):
        await rpc.result("top_up_credits", {"user_id": "big", "amount": 1, "metadata": metadata})
    return "big"


async def test_a_batch_is_answered_in_order_while_it_fits_and_the_rest_get_32005(tmp_path, redis_url, stream_key):
    async with daemon(tmp_path, redis_url, stream_key, max_response_bytes=50_000) as rpc:
        user = await history_user(rpc, 10, 2_000)  # a page of 10 rows is about 21 KB
        batch = [call("get_transaction_history", [user, 10], id=i) for i in range(5)] + [
            call("spend_credits", [user, 1], id=5)]
        response = await rpc.client.post("/rpc", data=orjson.dumps(batch))
        raw = await response.read()
        answers = orjson.loads(raw)
        balance = await rpc.result("get_credits", [user])
    assert [a["id"] for a in answers] == [0, 1, 2, 3, 4, 5]
    # the spend past the cut was applied, and its small answer is sent: never withheld as -32005
    assert ["result" in a for a in answers] == [True, True, False, False, False, True]
    assert answers[5]["result"] == balance == 9
    too_large = answers[2]["error"]
    assert too_large == {"code": -32005, "message": "Response too large", "data": {"limit": 50_000}}
    assert len(raw) <= 50_000 + 4 * 100  # the limit, plus a small envelope for each -32005


async def test_one_call_past_the_limit_is_32005(tmp_path, redis_url, stream_key):
    async with daemon(tmp_path, redis_url, stream_key, max_response_bytes=5_000) as rpc:
        user = await history_user(rpc, 3, 2_000)
        error = await rpc.error("get_transaction_history", [user])
        assert error["code"] == -32005 and error["data"] == {"limit": 5_000}
        assert len((await rpc.result("get_transaction_history", [user, 1]))["transactions"]) == 1  # a smaller page


async def test_one_batch_holds_at_most_its_share_of_the_call_slots(tmp_path, redis_url, stream_key):
    probe = ConcurrencyProbe(0.05)
    async with daemon(tmp_path, redis_url, stream_key, extra_methods=(probe.method,), max_calls_per_request=3) as rpc:
        batch = asyncio.create_task(rpc.post([call("probe", id=i) for i in range(30)]))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        assert await rpc.result("ping") == "pong"  # another caller is not kept waiting behind the batch
        ping_s = time.monotonic() - started
        status, answers = await batch
    assert status == 200 and all(a["result"] == "ok" for a in answers)
    assert probe.most == 3 and ping_s < 0.3


async def test_a_batch_runs_on_its_share_of_tasks_and_answers_within_the_timeout(tmp_path, redis_url, stream_key):
    """A batch longer than its share runs on that many workers, not on a task per member (which,
    with 256 batches of 100 waiting for slots, was most of the daemon's memory); members still
    waiting when the timeout has passed since the request arrived are -32003 without running."""
    most_tasks = 0

    async def slow(ctx: Any) -> str:
        nonlocal most_tasks
        most_tasks = max(most_tasks, len(asyncio.all_tasks()))
        await asyncio.sleep(0.4)
        return "ok"
    async with daemon(tmp_path, redis_url, stream_key, extra_methods=(slow,), max_calls_per_request=2,
                      call_timeout_s=1) as rpc:
        await rpc.result("slow")
        alone, most_tasks = most_tasks, 0  # the daemon's own tasks, with one call running
        started = time.monotonic()
        status, answers = await rpc.post([call("slow", id=i) for i in range(10)])
        elapsed = time.monotonic() - started
    # two workers, each a task of gather's (a task per member was +10); a little room for the
    # daemon's own background tasks, which come and go
    assert status == 200 and most_tasks <= alone + 4
    ok = sum("result" in a for a in answers)
    timed_out = sum(a.get("error", {}).get("code") == -32003 for a in answers)
    assert ok >= 2 and timed_out >= 4 and ok + timed_out == 10, answers
    assert elapsed < 2.5, elapsed  # about the timeout (1 s), not five rounds of 0.4 s


async def test_healthz_runs_its_checks_at_most_once_a_second(tmp_path, redis_url, stream_key, monkeypatch):
    async with daemon(tmp_path, redis_url, stream_key) as rpc:
        checks = 0
        real = rpc.services.health

        async def counted() -> dict[str, str]:
            nonlocal checks
            checks += 1
            return await real()
        monkeypatch.setattr(rpc.services, "health", counted)
        answers = await asyncio.gather(*(rpc.client.get("/healthz") for _ in range(100)))
        assert [a.status for a in answers] == [200] * 100
        assert checks == 1
        await asyncio.sleep(1.05)
        assert (await rpc.client.get("/healthz")).status == 200 and checks == 2


async def test_401s_are_counted_and_logged_at_a_bounded_rate(tmp_path, redis_url, stream_key, caplog):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{TOKEN}\n")
    caplog.set_level(logging.WARNING, logger="daemon.auth")
    async with daemon(tmp_path, redis_url, stream_key, auth_tokens_file=tokens) as rpc:
        for _ in range(20):
            status, _ = await rpc.post(call("ping"), headers={"Authorization": "Bearer wrong-guess"})
            assert status == 401
        metrics = await (await rpc.client.get("/metrics")).text()
    assert "dbmanager_unauthorized_total 20.0" in metrics
    lines = [r for r in caplog.records if r.name == "daemon.auth"]
    assert len(lines) == 1 and "wrong-guess" not in lines[0].getMessage()


@pytest.mark.parametrize("raw_id", ["18446744073709551616", "-99999999999999999999999", "12345678901234567890123"])
async def test_an_id_past_64_bits_comes_back_exactly(sqlite_rpc, raw_id):
    body = f'{{"jsonrpc":"2.0","method":"ping","id":{raw_id}}}'.encode()
    response = await sqlite_rpc.client.post("/rpc", data=body)
    assert (await response.read()) == f'{{"jsonrpc":"2.0","result":"pong","id":{raw_id}}}'.encode()
    batch = f'[{{"jsonrpc":"2.0","method":"ping","id":{raw_id}}},{{"jsonrpc":"2.0","method":"ping","id":1}}]'.encode()
    text = await (await sqlite_rpc.client.post("/rpc", data=batch)).text()
    assert f'"id":{raw_id}' in text and '"id":1' in text


async def test_a_cursor_past_a_row_id_is_32602(rpc):
    await rpc.result("create_user", {"email": "c@x.io", "user_id": "c"})
    for cursor in ("9999999999999999999", "9223372036854775808"):
        error = await rpc.error("get_transaction_history", {"user_id": "c", "cursor": cursor})
        assert error["code"] == -32602 and error["data"]["param"] == "cursor"
    page = await rpc.result("get_transaction_history", {"user_id": "c", "cursor": "9223372036854775807"})
    assert page == {"transactions": [], "next_cursor": None}


async def test_no_answer_carries_a_version_banner(sqlite_rpc):
    for response in (await sqlite_rpc.client.get("/healthz"), await sqlite_rpc.client.post("/rpc", data=b"{")):
        assert response.headers["Server"] == "dbmanager"


async def test_a_408_closes_the_connection_when_it_answers(tmp_path, redis_url, stream_key):
    """SECURITY.md says the connection is closed: promptly, not after aiohttp's lingering read."""
    async with daemon(tmp_path, redis_url, stream_key, call_timeout_s=1) as rpc:
        server = rpc.client.server
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\"")
        started = time.monotonic()
        answer = await asyncio.wait_for(reader.read(), 10)  # until the daemon closes the connection
        closed_after = time.monotonic() - started
        writer.close()
    assert answer.startswith(b"HTTP/1.1 408") and closed_after < 3, (answer[:40], closed_after)
