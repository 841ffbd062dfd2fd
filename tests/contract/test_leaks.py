"""Nothing leaks through an error: -32603 carries only a request id, its traceback goes to the
log under that id without any exception's message, and params that collide with the
dispatcher's own names are refused by name instead of failing inside it."""

from __future__ import annotations

import contextlib
import re
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.support import REPO, DaemonProcess, daemon_env, make_settings, running


async def fail_on_purpose(ctx: Any, value: str = "x") -> None:
    try:
        {}[value]
    except KeyError as exc:
        raise RuntimeError(f"no such thing: {value}") from exc


@contextlib.asynccontextmanager
async def failing_daemon(tmp_path: Path, redis_url: str, stream_key: str) -> AsyncIterator[Any]:
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", redis_url=redis_url,
                             audit_stream=stream_key, state_dir=tmp_path)
    async with running(settings, [fail_on_purpose]) as rpc:
        yield rpc


async def test_internal_error_carries_only_a_request_id(tmp_path, redis_url, stream_key):
    async with failing_daemon(tmp_path, redis_url, stream_key) as sqlite_rpc:
        status, raw = await sqlite_rpc.post({"jsonrpc": "2.0", "method": "fail_on_purpose", "params": ["SECRET-1"], "id": 4})
    assert status == 200 and raw["id"] == 4 and set(raw) == {"jsonrpc", "error", "id"}
    error = raw["error"]
    assert set(error) == {"code", "message", "data"} and (error["code"], error["message"]) == (-32603, "Internal error")
    assert set(error["data"]) == {"request_id"} and re.fullmatch(r"[0-9a-f]{32}", error["data"]["request_id"])
    assert "SECRET" not in orjson.dumps(raw).decode()


async def test_an_internal_error_in_a_batch_touches_only_its_member(tmp_path, redis_url, stream_key):
    async with failing_daemon(tmp_path, redis_url, stream_key) as sqlite_rpc:
        status, body = await sqlite_rpc.post([{"jsonrpc": "2.0", "method": "fail_on_purpose", "id": 1},
                                              {"jsonrpc": "2.0", "method": "ping", "id": 2}])
    by_id = {r["id"]: r for r in body}
    assert by_id[1]["error"]["code"] == -32603 and by_id[2]["result"] == "pong"


async def test_each_internal_error_has_its_own_request_id(tmp_path, redis_url, stream_key):
    async with failing_daemon(tmp_path, redis_url, stream_key) as sqlite_rpc:
        ids = {(await sqlite_rpc.error("fail_on_purpose"))["data"]["request_id"] for _ in range(3)}
    assert len(ids) == 3


@pytest.mark.parametrize("name", ["call", "method", "args", "kwargs", "ctx", "self", "context", "request"])
async def test_params_named_like_the_dispatchers_own_are_refused_by_name(sqlite_rpc, name):
    for method in ("ping", "get_credits"):
        error = await sqlite_rpc.error(method, {name: 1})
        assert error["code"] == -32602 and error["data"]["param"] in (name, "user_id"), error


SITECUSTOMIZE = textwrap.dedent('''
    # Loaded at the daemon's start (PYTHONPATH), before daemon.services reads DOMAINS: a domain
    # with a method that fails, for this test only.
    import daemon.domains
    from daemon.rpc.registry import Domain, rpc_method

    @rpc_method(retry="unsafe")
    async def fail_on_purpose(ctx, value: str = "x") -> None:
        try:
            {}[value]
        except KeyError as exc:
            raise RuntimeError(f"no such thing: {value}") from exc

    daemon.domains.DOMAINS += (Domain("test", "one test's", methods=(fail_on_purpose,)),)
''')



def test_the_traceback_is_logged_under_the_request_id_without_messages(tmp_path: Path, redis_url, stream_key):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = daemon_env(redis_url=redis_url, audit_stream=stream_key, database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    env["PYTHONPATH"] = f"{tmp_path / 'site'}:{REPO}"
    daemon = DaemonProcess(env, tmp_path)
    try:
        daemon.start()
        answer = daemon.call("fail_on_purpose", ["SECRET-param-value"])
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    request_id = answer["error"]["data"]["request_id"]
    records = [orjson.loads(line) for line in (tmp_path / "daemon.log").read_text().splitlines() if line.startswith("{")]
    failed = [r for r in records if r.get("request_id") == request_id and r["level"] == "error"]
    assert len(failed) == 1 and failed[0]["event"] == "call failed" and failed[0]["method"] == "fail_on_purpose"
    trace = failed[0]["exception"]
    assert "builtins.KeyError" in trace and "builtins.RuntimeError" in trace  # the chain, by type …
    assert "in fail_on_purpose" in trace and "sitecustomize.py" in trace  # … and where it was raised
    assert "SECRET" not in (tmp_path / "daemon.log").read_text()  # never a message that quotes a value
