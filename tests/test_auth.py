"""Bearer tokens (DBM_AUTH_TOKENS_FILE): who may call what, 401 and -32001, constant-time
comparison, tokens never logged, and the refusals to start (exit 2, one line)."""

from __future__ import annotations

import asyncio
import hmac
import subprocess
import sys
from pathlib import Path

import pytest

from daemon.auth import Tokens
from daemon.errors import ConfigError
from tests.support import daemon_env, logged_calls, make_settings, running

FULL, READER = "full-7Qk2c9SECRET-0d2f61a9c44be57e3", "reader-m3P8xSECRET-8b1e07c5d29fa6403"
UNAUTHORIZED = {"code": -32001, "message": "Unauthorized", "data": {"reason": "missing or unknown bearer token"}}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def tokens_file(tmp_path: Path) -> Path:
    path = tmp_path / "tokens"
    path.write_text(f"# the daemon's tokens\n\n{FULL}\n{READER} get_*,ping\n")
    return path


@pytest.fixture
async def guarded(tokens_file: Path, redis_url: str, stream_key: str, tmp_path: Path):
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'auth.sqlite3'}", redis_url=redis_url,
                             audit_stream=stream_key, state_dir=tmp_path, auth_tokens_file=tokens_file)
    async with running(settings) as rpc:
        status, body = await rpc.post({"jsonrpc": "2.0", "method": "create_user", "id": 1,
                                       "params": {"email": "a@x.io", "user_id": "a"}}, bearer(FULL))
        assert status == 200 and "result" in body
        yield rpc


def request(method: str, params=None, id=1) -> dict:
    return {"jsonrpc": "2.0", "method": method, "id": id, **({"params": params} if params is not None else {})}


async def test_missing_token_is_401_with_a_json_rpc_error(guarded):
    response = await guarded.client.post("/rpc", json=request("ping"))
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert await response.json() == {"jsonrpc": "2.0", "error": UNAUTHORIZED, "id": None}


@pytest.mark.parametrize("authorization", [
    "Bearer wrong", f"Bearer {FULL[:-1]}", f"Bearer {FULL}x", f"Bearer x{FULL}", "Bearer ", "Bearer",
    f"Basic {FULL}", FULL, f"Bearer {FULL.upper()}", f"Bearer {READER},{FULL}",
])
async def test_wrong_token_is_401_and_runs_nothing(guarded, authorization):
    status, body = await guarded.post(request("top_up_credits", ["a", 5]), {"Authorization": authorization})
    assert (status, body) == (401, {"jsonrpc": "2.0", "error": UNAUTHORIZED, "id": None})
    assert (await guarded.post(request("get_credits", ["a"]), bearer(FULL)))[1]["result"] == 0


async def test_a_whole_batch_with_a_wrong_token_is_one_401(guarded):
    status, body = await guarded.post([request("ping", id=1), request("ping", id=2)], bearer("wrong"))
    assert (status, body) == (401, {"jsonrpc": "2.0", "error": UNAUTHORIZED, "id": None})


async def test_the_scheme_is_case_insensitive_and_spaces_around_the_token_are_ignored(guarded):
    for authorization in (f"bearer {FULL}", f"BEARER {FULL}", f"Bearer  {FULL} "):
        status, body = await guarded.post(request("ping"), {"Authorization": authorization})
        assert (status, body["result"]) == (200, "pong")


async def test_a_token_without_globs_may_call_every_method(guarded):
    for method, params in [("top_up_credits", ["a", 5]), ("spend_credits", ["a", 2]), ("get_credits", ["a"]),
                           ("rpc.discover", None)]:
        status, body = await guarded.post(request(method, params), bearer(FULL))
        assert status == 200 and "result" in body, (method, body)


async def test_a_token_with_globs_may_call_only_matching_methods(guarded):
    allowed = [("get_credits", ["a"]), ("get_user_by_id", ["a"]), ("get_transaction_history", ["a"]), ("ping", None)]
    for method, params in allowed:
        status, body = await guarded.post(request(method, params), bearer(READER))
        assert status == 200 and "result" in body, (method, body)
    for method, params in [("top_up_credits", ["a", 5]), ("create_user", {"email": "b@x.io"}), ("rpc.discover", None)]:
        status, body = await guarded.post(request(method, params, id=7), bearer(READER))
        assert status == 200  # the token is valid: the refusal is per call
        assert body == {"jsonrpc": "2.0", "id": 7, "error": {
            "code": -32001, "message": "Unauthorized", "data": {"reason": "this token may not call this method"}}}
    assert (await guarded.post(request("get_credits", ["a"]), bearer(READER)))[1]["result"] == 0  # nothing ran


async def test_in_a_batch_only_the_forbidden_member_is_refused(guarded):
    status, body = await guarded.post([request("get_credits", ["a"], id=1), request("top_up_credits", ["a", 5], id=2),
                                       request("ping", id=3)], bearer(READER))
    by_id = {r["id"]: r for r in body}
    assert status == 200 and len(body) == 3
    assert by_id[1]["result"] == 0 and by_id[3]["result"] == "pong"
    assert by_id[2]["error"]["code"] == -32001


async def test_a_forbidden_notification_does_not_run(guarded):
    status, body = await guarded.post({"jsonrpc": "2.0", "method": "top_up_credits", "params": ["a", 5]}, bearer(READER))
    assert (status, body) == (204, None)
    assert (await guarded.post(request("get_credits", ["a"]), bearer(FULL)))[1]["result"] == 0


async def test_healthz_and_metrics_need_no_token(guarded):
    assert (await guarded.client.get("/healthz")).status == 200
    assert (await guarded.client.get("/metrics")).status == 200


async def test_openrpc_json_needs_what_rpc_discover_needs(guarded):
    discovered = (await guarded.post(request("rpc.discover"), bearer(FULL)))[1]["result"]
    full = await guarded.client.get("/openrpc.json", headers=bearer(FULL))
    assert full.status == 200 and await full.json() == discovered
    missing, wrong = await guarded.client.get("/openrpc.json"), await guarded.client.get("/openrpc.json", headers=bearer("x"))
    for response in (missing, wrong):
        assert (response.status, response.headers["WWW-Authenticate"]) == (401, "Bearer")
        assert await response.json() == {"jsonrpc": "2.0", "error": UNAUTHORIZED, "id": None}


async def test_openrpc_json_is_403_for_a_token_not_allowed_rpc_discover(guarded):
    response = await guarded.client.get("/openrpc.json", headers=bearer(READER))
    assert response.status == 403
    assert (await response.json())["error"] == {
        "code": -32001, "message": "Unauthorized", "data": {"reason": "this token may not call this method"}}


async def test_a_header_that_is_not_utf8_is_401_not_500(guarded):
    # aiohttp's client will not send such bytes: write the request by hand
    server = guarded.client.server
    reader, writer = await asyncio.open_connection(server.host, server.port)
    body = b'{"jsonrpc": "2.0", "method": "ping", "id": 1}'
    writer.write(b"POST /rpc HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer \xff\xfe"
                 + FULL.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    response = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    assert response.startswith(b"HTTP/1.1 401 "), response[:100]


def test_every_token_is_compared_in_constant_time(tokens_file, monkeypatch):
    """hmac.compare_digest on equal-length digests, for every token, with no early exit: the
    timing tells neither how much of a token was right nor which token matched."""
    tokens = Tokens.load(tokens_file)
    compared: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((len(a), len(b)))
        return real(a, b)
    monkeypatch.setattr(hmac, "compare_digest", spy)
    for header in (f"Bearer {FULL}", f"Bearer {READER}", "Bearer x", f"Bearer {FULL * 50}"):
        compared.clear()
        tokens.grant_for(header)
        assert compared == [(32, 32), (32, 32)], header
    assert FULL not in repr(tokens) and FULL.encode() not in b"".join(tokens._grants)


def test_a_token_shorter_than_32_characters_is_refused_without_showing_it(tmp_path):
    path = tmp_path / "tokens"
    path.write_text(f"{FULL}\nshort-SECRET get_*\n")
    with pytest.raises(ConfigError) as raised:
        Tokens.load(path)
    assert "line 2" in str(raised.value) and "32" in str(raised.value) and "SECRET" not in str(raised.value)


def test_tokens_file_format(tmp_path):
    path = tmp_path / "tokens"
    path.write_text("  # comment\n\nalpha-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nbeta-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb get_*,ping,\n")
    tokens = Tokens.load(path)
    assert tokens.grant_for("Bearer alpha-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").allows("spend_credits")
    beta = tokens.grant_for("Bearer beta-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
    assert beta.allows("get_credits") and beta.allows("ping") and not beta.allows("spend_credits")
    assert not beta.allows("rpc.discover")


@pytest.mark.parametrize("content", [b"", b"# only a comment\n", b"alpha-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa get_*, ping\n",
                                     b"\xff\xfe tokens\n", b"short-SECRET\n"])
def test_a_tokens_file_with_no_usable_token_or_a_bad_line_is_a_config_error(tmp_path, content):
    path = tmp_path / "tokens"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as raised:
        Tokens.load(path)
    assert "alpha" not in str(raised.value) and "tokens\n" not in str(raised.value)  # never the file's content


def serve(tmp_path: Path, **settings) -> subprocess.CompletedProcess:
    settings.setdefault("database_url", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    settings.setdefault("redis_url", "redis://127.0.0.1:1/0")  # never reached: the refusal comes first
    return subprocess.run([sys.executable, "-m", "daemon", "serve"], env=daemon_env(**settings), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def assert_one_line_exit_2(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and all(w in lines[0] for w in words), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "example.com"])
def test_serve_on_a_non_loopback_address_without_a_token_file_exits_2(tmp_path, host):
    assert_one_line_exit_2(serve(tmp_path, host=host), "DBM_HOST", "DBM_AUTH_TOKENS_FILE")


def unusable_tokens_file(directory: Path, kind: str) -> Path:
    path = directory / "tokens"
    if kind == "directory":
        path.mkdir()
    elif kind == "not utf-8":
        path.write_bytes(b"\xff\xfeSECRET\n")
    elif kind == "no token":
        path.write_text("# nothing here yet\n")
    elif kind == "a bad line":
        path.write_text("SECRET get_*, ping\n")
    return path  # "missing": nothing written


@pytest.mark.parametrize("kind", ["missing", "directory", "not utf-8", "no token", "a bad line"])
def test_serve_with_an_unusable_tokens_file_exits_2(tmp_path, kind):
    result = serve(tmp_path, host="0.0.0.0", auth_tokens_file=unusable_tokens_file(tmp_path, kind))
    assert_one_line_exit_2(result, "DBM_AUTH_TOKENS_FILE")
    assert "SECRET" not in result.stderr


def test_tokens_are_never_logged_even_in_a_malformed_request(spawn_daemon, tokens_file, redis_url, stream_key, tmp_path):
    daemon = spawn_daemon(auth_tokens_file=tokens_file, log_level="debug", redis_url=redis_url, audit_stream=stream_key,
                          database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    host, port = daemon.url.removeprefix("http://").rsplit(":", 1)
    body = b'{"jsonrpc": "2.0", "method": "top_up_credits", "params": ["nobody", 1], "id": 1}'
    answers = []
    for value in (f"Bearer {FULL}".encode(), f"Bearer {READER}".encode(), f"Bearer {FULL}x".encode(),
                  f"Bearer {FULL}\x01".encode(), f"Bearer {FULL}\xff".encode("latin-1")):
        answers.append(raw_http(host, int(port), b"POST /rpc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                b"Authorization: " + value + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body))
    assert [a.split(b" ", 2)[1] for a in answers] == [b"200", b"200", b"401", b"400", b"401"]
    daemon.stop()
    log = (tmp_path / "daemon.log").read_text()
    assert "top_up_credits" in logged_calls(tmp_path / "daemon.log")  # the calls were logged …
    assert "SECRET" not in log  # … and no token, not even the raw header aiohttp's 400 quotes


def raw_http(host: str, port: int, data: bytes) -> bytes:
    import socket
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)
