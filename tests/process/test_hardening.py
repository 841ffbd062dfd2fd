"""Security round 2 against a real `dbmanager serve`: the connection cap, plain HTTP errors,
a client that never reads, file modes, and start-up lines that name no secret."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import orjson

from tests.support import REDIS_URL, daemon_env, free_port

TOKEN = "process-hardening-token-2b7e9c4f1a6d"


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


def request(body: bytes, token: str | None = None) -> bytes:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    return (f"POST /rpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{auth}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def ping_request() -> bytes:
    return request(orjson.dumps({"jsonrpc": "2.0", "method": "ping", "id": 1}))


def answered(sock: socket.socket, timeout_s: float) -> bytes:
    sock.settimeout(timeout_s)
    try:
        return sock.recv(65536)
    except TimeoutError:
        return b""


def capped_daemon(spawn_daemon, tmp_path: Path, stream_key: str):
    return spawn_daemon(max_connections=3, database_url=f"sqlite:///{tmp_path / 'c.sqlite3'}", redis_url=REDIS_URL,
                        audit_stream=stream_key)


def test_at_the_cap_an_idle_connection_makes_room_for_a_caller(spawn_daemon, tmp_path, stream_key):
    daemon = capped_daemon(spawn_daemon, tmp_path, stream_key)
    idle = [socket.create_connection(address(daemon.url)) for _ in range(3)]  # no token, nothing sent
    time.sleep(0.3)
    caller = socket.create_connection(address(daemon.url))
    caller.sendall(ping_request())
    assert b'"result":"pong"' in answered(caller, 5.0)  # the longest idle made room, after a quiet second
    closed = 0
    for sock in idle:
        sock.settimeout(0.5)
        with contextlib.suppress(TimeoutError):
            closed += sock.recv(1) == b""
        sock.close()
    assert closed >= 1
    caller.close()


def test_at_the_cap_with_every_connection_working_a_caller_waits_in_the_backlog(spawn_daemon, tmp_path, stream_key):
    daemon = capped_daemon(spawn_daemon, tmp_path, stream_key)
    body = orjson.dumps({"jsonrpc": "2.0", "method": "ping", "id": 1})
    working = []
    for _ in range(3):  # each sends its headers and half its body: a call in progress
        sock = socket.create_connection(address(daemon.url))
        sock.sendall(request(body)[:-len(body) // 2])
        working.append(sock)
    time.sleep(0.3)
    caller = socket.create_connection(address(daemon.url))  # the kernel's backlog takes it
    caller.sendall(ping_request())
    assert answered(caller, 2.0) == b""  # no working connection is closed for it
    working[0].sendall(body[-len(body) // 2:])  # one call completes; its connection then goes quiet
    assert b'"result":"pong"' in answered(working[0], 5.0)
    assert b'"result":"pong"' in answered(caller, 5.0)  # and makes room
    for sock in [*working, caller]:
        sock.close()


def test_a_malformed_request_gets_a_bare_400_that_quotes_nothing(spawn_daemon, tmp_path, stream_key):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"{TOKEN}\n")
    daemon = spawn_daemon(auth_tokens_file=tokens, database_url=f"sqlite:///{tmp_path / 'm.sqlite3'}",
                          redis_url=REDIS_URL, audit_stream=stream_key)
    for _ in range(20):
        with socket.create_connection(address(daemon.url)) as sock:
            sock.sendall(f"POST /rpc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\x01\r\n\r\n".encode())
            answer = answered(sock, 5.0)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.") and head.split()[1] == b"400" and body == b"400 Bad Request\n", answer
        assert TOKEN.encode() not in answer and b"Server: dbmanager" in head and b"Python" not in head
    assert daemon.stop() == 0
    log = (tmp_path / "daemon.log").read_text()
    assert TOKEN not in log and "Traceback" not in log
    assert log.count("malformed or failed HTTP requests") == 1  # twenty of them, one line


def test_a_client_that_never_reads_is_cut_off(spawn_daemon, tmp_path, stream_key):
    daemon = spawn_daemon(call_timeout_s=1, database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}", redis_url=REDIS_URL,
                          audit_stream=stream_key)
    daemon.call("create_user", {"email": "r@x.io", "user_id": "r"})
    for _ in range(20):
        daemon.call("top_up_credits", {"user_id": "r", "amount": 1, "metadata": {"blob": "x" * 15_000}})
    batch = orjson.dumps([{"jsonrpc": "2.0", "method": "get_transaction_history", "params": ["r", 20], "id": i}
                          for i in range(20)])  # about 6 MB of answer
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(address(daemon.url))
    sock.sendall(request(batch))
    time.sleep(4)  # never reading, for longer than the call timeout
    received, sock_closed = 0, False
    sock.settimeout(5)
    try:
        while chunk := sock.recv(1 << 20):
            received += len(chunk)
        sock_closed = True
    except (ConnectionResetError, TimeoutError) as exc:
        sock_closed = isinstance(exc, ConnectionResetError)
    sock.close()
    assert sock_closed and received < 5_000_000  # cut off, its answer dropped
    assert daemon.call("ping")["result"] == "pong"


def test_the_state_directory_and_its_files_are_the_daemons_alone(spawn_daemon, tmp_path):
    state = tmp_path / "new" / "state"
    old = os.umask(0o022)
    try:
        daemon = spawn_daemon(state_dir=state, audit_stream=f"dbm-test:s:{tmp_path.name}")  # the embedded Redis
    finally:
        os.umask(old)
    daemon.call("create_user", {"email": "s@x.io", "user_id": "s"})
    daemon.call("top_up_credits", ["s", 5])
    assert daemon.stop() == 0
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    files = [p for p in state.rglob("*") if p.is_file() and not p.is_socket()]
    assert any(p.name == "dbmanager.sqlite3" for p in files) and any("aof" in p.name for p in files), files
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files if stat.S_IMODE(p.stat().st_mode) & 0o077} == {}


def test_a_port_in_use_is_one_line_before_any_store_starts(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "daemon", "serve"], cwd=tmp_path, capture_output=True, text=True,
                              env=daemon_env(port=port), timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"dbmanager: cannot listen on 127.0.0.1:{port}: Address already in use"]
    assert not (tmp_path / "dbmanager.sqlite3").exists() and not (tmp_path / "redis").exists()


def test_start_up_lines_name_the_database_by_kind_only(spawn_daemon, pg_url, tmp_path, stream_key):
    daemon = spawn_daemon(database_url=pg_url, redis_url=REDIS_URL, audit_stream=stream_key)
    assert daemon.stop() == 0
    log = (tmp_path / "daemon.log").read_text()
    database = urlsplit(pg_url)
    assert "applied migration" in log
    assert database.path.strip("/") not in log and f"{database.hostname}:{database.port}" not in log


def test_migrate_with_the_database_down_is_one_line(tmp_path):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    done = subprocess.run([sys.executable, "-m", "daemon", "migrate"], cwd=tmp_path, capture_output=True, text=True,
                          env=daemon_env(database_url=url), timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("dbmanager: the database did not answer")
    assert str(Path(url).name) not in done.stderr.splitlines()[-1]
