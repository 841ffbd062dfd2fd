"""DBM_CORS_ORIGINS: off by default; when set, /rpc answers the preflight without a token, and
every answer of /rpc, /healthz and /openrpc.json — refusals included — names an allowed origin
back, and only an allowed one."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support import Rpc, make_settings, running

APP = "https://app.example.com"
DEV = "http://localhost:5173"
TOKEN = "cors-token-5d0c2e8b7a1f49366e0a9c4b"
PING = orjson.dumps({"jsonrpc": "2.0", "method": "ping", "id": 1})
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type"}


@contextlib.asynccontextmanager
async def daemon(tmp_path: Path, redis_url: str, stream_key: str, **settings: Any) -> AsyncIterator[Rpc]:
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'c.sqlite3'}", redis_url=redis_url,
                             audit_stream=stream_key, state_dir=tmp_path, **settings)
    async with running(settings) as rpc:
        yield rpc


def cors_headers(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower().startswith("access-control-")}


@pytest.fixture
async def browsers(tmp_path, redis_url, stream_key):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{TOKEN}\n")
    async with daemon(tmp_path, redis_url, stream_key, cors_origins=f"{APP}, {DEV}", auth_tokens_file=tokens,
                      max_body_bytes=1000) as rpc:
        yield rpc


async def test_off_by_default_no_answer_carries_cors_headers(sqlite_rpc):
    preflight = await sqlite_rpc.client.options("/rpc", headers={"Origin": APP, **PREFLIGHT})
    assert preflight.status == 405 and preflight.headers["Allow"] == "POST"
    for response in (preflight, await sqlite_rpc.client.post("/rpc", data=PING)):
        assert cors_headers(response.headers) == {} and "Vary" not in response.headers


@pytest.mark.parametrize("origin", [APP, DEV])
async def test_an_allowed_preflight_is_204_without_a_token(browsers, origin):
    response = await browsers.client.options("/rpc", headers={"Origin": origin, **PREFLIGHT})
    assert response.status == 204 and await response.read() == b""
    assert cors_headers(response.headers) == {
        "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type, Authorization", "Access-Control-Max-Age": "600"}
    assert response.headers["Vary"] == "Origin"


@pytest.mark.parametrize("origin", ["https://evil.example.com", "http://app.example.com", f"{APP}:8443", "null"])
async def test_a_disallowed_origin_gets_no_cors_headers(browsers, origin):
    preflight = await browsers.client.options("/rpc", headers={"Origin": origin, **PREFLIGHT})
    call = await browsers.client.post("/rpc", data=PING, headers={"Origin": origin, "Authorization": f"Bearer {TOKEN}"})
    assert preflight.status == 204 and call.status == 403  # and the call itself is refused, not run
    assert cors_headers(preflight.headers) == {} and cors_headers(call.headers) == {}
    assert call.headers["Vary"] == "Origin"  # the answer still depends on the Origin, for caches


async def test_an_answer_names_the_allowed_origin(browsers):
    response = await browsers.client.post("/rpc", data=PING, headers={"Origin": APP, "Authorization": f"Bearer {TOKEN}"})
    assert (await response.json())["result"] == "pong"
    assert cors_headers(response.headers) == {"Access-Control-Allow-Origin": APP} and response.headers["Vary"] == "Origin"


async def test_refusals_carry_the_origin_so_the_page_can_read_them(browsers):
    origin = {"Origin": APP}
    unauthorized = await browsers.client.post("/rpc", data=PING, headers=origin)
    authorized = {**origin, "Authorization": f"Bearer {TOKEN}"}
    too_large = await browsers.client.post("/rpc", data=PING + b" " * 1000, headers=authorized)
    not_allowed = await browsers.client.get("/rpc", headers=origin)
    assert [r.status for r in (unauthorized, too_large, not_allowed)] == [401, 413, 405]
    for response in (unauthorized, too_large, not_allowed):
        assert response.headers["Access-Control-Allow-Origin"] == APP
    assert not_allowed.headers["Allow"] == "OPTIONS, POST"


async def test_healthz_and_openrpc_carry_it_and_metrics_does_not(browsers):
    for path in ("/healthz", "/openrpc.json"):
        assert (await browsers.client.get(path, headers={"Origin": APP})).headers["Access-Control-Allow-Origin"] == APP
    assert cors_headers((await browsers.client.get("/metrics", headers={"Origin": APP})).headers) == {}


async def test_any_origin_is_answered_with_a_star(tmp_path, redis_url, stream_key):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{TOKEN}\n")
    async with daemon(tmp_path, redis_url, stream_key, cors_origins="*", auth_tokens_file=tokens) as rpc:
        preflight = await rpc.client.options("/rpc", headers={"Origin": "https://anywhere.example", **PREFLIGHT})
        unauthorized = await rpc.client.post("/rpc", data=PING, headers={"Origin": "https://anywhere.example"})
    assert preflight.headers["Access-Control-Allow-Origin"] == unauthorized.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in unauthorized.headers


async def test_a_web_page_of_an_origin_not_listed_cannot_call_even_without_a_preflight(sqlite_rpc, browsers):
    # a text/plain POST is "simple": the browser sends it without asking first, Origin included
    create = orjson.dumps({"jsonrpc": "2.0", "method": "create_user", "id": 1,
                           "params": {"email": "csrf@x.io", "user_id": "csrf"}})
    for rpc, origin, headers in ((sqlite_rpc, APP, {}), (browsers, "https://evil.example",
                                                         {"Authorization": f"Bearer {TOKEN}"})):
        response = await rpc.client.post("/rpc", data=create, headers={"Origin": origin, "Content-Type": "text/plain",
                                                                        **headers})
        assert response.status == 403
        answer = orjson.loads(await response.read())
        assert answer["error"]["code"] == -32001 and answer["id"] is None
        assert "evil" not in orjson.dumps(answer).decode()  # the origin is not echoed
    assert (await sqlite_rpc.error("get_user_by_id", ["csrf"]))["code"] == 1002
    allowed = await browsers.client.post("/rpc", data=PING, headers={"Origin": APP, "Authorization": f"Bearer {TOKEN}"})
    assert allowed.status == 200
    assert (await sqlite_rpc.client.post("/rpc", data=PING)).status == 200  # no Origin: not a browser
