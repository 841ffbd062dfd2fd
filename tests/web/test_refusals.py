"""Every answer of /rpc is JSON-RPC: a request refused whole (405, 408, 413, 415, 401) gets one
error object with "id": null under its HTTP status, and nothing of the request in it. Other
paths (404) stay plain text, as does malformed HTTP: a bare 400 from the daemon's own site,
tested with a real daemon in tests/process/test_hardening.py."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support import Rpc, make_settings, running

MARKER = "SECRET-7f3a"  # sent in every refused request: it must never come back
PING = orjson.dumps({"jsonrpc": "2.0", "method": "ping", "id": MARKER})


@contextlib.asynccontextmanager
async def daemon(tmp_path: Path, redis_url: str, stream_key: str, **settings: Any) -> AsyncIterator[Rpc]:
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}", redis_url=redis_url,
                             audit_stream=stream_key, state_dir=tmp_path, max_body_bytes=1000, **settings)
    async with running(settings) as rpc:
        yield rpc


async def refused(rpc: Rpc, method: str, **kwargs: Any) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Status, headers and the error object of a whole-request refusal, its shape checked."""
    response = await rpc.client.request(method, "/rpc", **kwargs)
    raw = await response.read()
    assert response.headers["Content-Type"] == "application/json", raw[:100]
    assert MARKER.encode() not in raw and b"/rpc" not in raw and b"127.0.0.1" not in raw
    body = orjson.loads(raw)
    assert set(body) == {"jsonrpc", "error", "id"} and body["jsonrpc"] == "2.0" and body["id"] is None
    return response.status, dict(response.headers), body["error"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
async def test_a_method_other_than_post_is_405_invalid_request_with_allow(tmp_path, redis_url, stream_key, method):
    async with daemon(tmp_path, redis_url, stream_key) as rpc:
        status, headers, error = await refused(rpc, method, data=PING)
        assert (await rpc.client.head("/rpc")).status == 405
    assert status == 405 and headers["Allow"] == "POST"
    assert error == {"code": -32600, "message": "Invalid Request", "data": {"reason": "a JSON-RPC request is an HTTP POST"}}


async def test_a_body_over_the_limit_is_413_invalid_request_naming_the_limit(tmp_path, redis_url, stream_key):
    async def chunks():
        for _ in range(20):
            yield b" " * 100
        yield PING
    async with daemon(tmp_path, redis_url, stream_key) as rpc:
        for data in (PING + b" " * 1000, chunks()):
            status, _, error = await refused(rpc, "POST", data=data)
            assert status == 413
            assert error == {"code": -32600, "message": "Invalid Request",
                             "data": {"reason": "the request body is too large", "limit": 1000}}
        assert await rpc.result("ping") == "pong"


async def test_a_compressed_body_is_415_invalid_request(tmp_path, redis_url, stream_key):
    async with daemon(tmp_path, redis_url, stream_key) as rpc:
        status, headers, error = await refused(rpc, "POST", data=gzip.compress(PING), headers={"Content-Encoding": "gzip"})
    assert status == 415 and headers["Connection"] == "close"
    assert (error["code"], error["message"]) == (-32600, "Invalid Request") and "Content-Encoding" in error["data"]["reason"]


async def test_a_missing_token_is_401_unauthorized(tmp_path, redis_url, stream_key):
    tokens = tmp_path / "tokens"
    tokens.write_text("refusals-token-0b7e4c1d9a2f63585e\n")
    async with daemon(tmp_path, redis_url, stream_key, auth_tokens_file=tokens) as rpc:
        status, headers, error = await refused(rpc, "POST", data=PING, headers={"Authorization": f"Bearer {MARKER}"})
    assert status == 401 and headers["WWW-Authenticate"] == "Bearer"
    assert error == {"code": -32001, "message": "Unauthorized", "data": {"reason": "missing or unknown bearer token"}}


async def test_a_body_that_does_not_arrive_in_time_is_408_timeout(tmp_path, redis_url, stream_key):
    async with daemon(tmp_path, redis_url, stream_key, call_timeout_s=0.5) as rpc:
        server = rpc.client.server
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(b"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + PING[:20])
        answer = await asyncio.wait_for(reader.read(), 10)  # until the daemon closes the connection
        writer.close()
    head, _, raw = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ") and b"\r\nContent-Type: application/json\r\n" in head, head
    assert orjson.loads(raw) == {"jsonrpc": "2.0", "error": {"code": -32003, "message": "Timeout"}, "id": None}


async def test_an_unknown_path_is_a_plain_404(sqlite_rpc):
    """Not JSON-RPC: no endpoint is there, and a proxy's 404 would not be JSON either."""
    for method in ("GET", "POST"):
        response = await sqlite_rpc.client.request(method, "/rpc/x", data=PING)
        assert response.status == 404 and response.content_type == "text/plain"

