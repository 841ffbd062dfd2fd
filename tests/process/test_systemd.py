"""The daemon under systemd: unit files, sd_notify, the watchdog, socket activation, a clean stop
under load, `dbmanager check`, and logs that never show a token or a param value.

Needs systemd-analyze and systemd-socket-activate (Debian's systemd package, installed on first use
like .ci/systemd-checks does), not a running systemd."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis as sync_redis

from daemon import systemd
from tests.support import REPO, daemon_env, free_port, logged_calls, readline


@pytest.fixture(scope="session")
def systemd_tools() -> None:
    if not (shutil.which("systemd-analyze") and shutil.which("systemd-socket-activate")):
        subprocess.run("apt-get update -qq && apt-get install -y -qq systemd", shell=True, check=True)


@pytest.fixture
def settings(redis_url: str, stream_key: str, tmp_path: Path) -> dict[str, str]:
    return {"redis_url": redis_url, "audit_stream": stream_key, "database_url": f"sqlite:///{tmp_path / 'x.sqlite3'}"}


def post(url: str, method: str, params: Any = None, token: str | None = None, timeout: float = 30) -> tuple[int, Any]:
    body = {"jsonrpc": "2.0", "method": method, "id": 1, **({"params": params} if params is not None else {})}
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url + "/rpc", data=orjson.dumps(body), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Receiver:
    """A stand-in for systemd's notification socket: a datagram socket bound at `address`, read
    all the time as systemd reads it (a unix datagram queue holds only ~10 datagrams, and the
    daemon never blocks to send one: a reader that waited would lose READY behind the pings)."""

    def __init__(self, address: str):
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.sock.settimeout(0.05)
        self._got: list[str] = []
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closed.is_set():
            try:
                self._got.extend(self.sock.recv(4096).decode().split("\n"))
            except (TimeoutError, OSError):
                continue

    def messages(self) -> list[str]:
        """Every assignment received since the last call, in order (a datagram may hold several)."""
        time.sleep(0.1)  # what is in flight arrives
        got, self._got = self._got, []
        return got

    def close(self) -> None:
        self._closed.set()
        self._reader.join(1)
        self.sock.close()


@pytest.fixture
def receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """$NOTIFY_SOCKET for the test and the daemons it spawns."""
    receiver = Receiver(str(tmp_path / "notify"))
    monkeypatch.setenv("NOTIFY_SOCKET", receiver.address)
    yield receiver
    receiver.close()


# ---------- unit files ----------

def test_units_verify_and_score_at_most_1_5(systemd_tools):
    run = subprocess.run([REPO / ".ci" / "systemd-checks"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    scores = [float(s) for s in re.findall(r"Overall exposure level for \S+: (\d+\.\d)", run.stdout)]
    assert len(scores) == len(list((REPO / "systemd").glob("*.service"))), run.stdout
    assert max(scores) <= 1.5, run.stdout


# ---------- sd_notify and the watchdog ----------

def test_ready_then_watchdog_then_stopping(spawn_daemon, settings, receiver, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    daemon = spawn_daemon(**settings)
    time.sleep(0.5)
    daemon.signal(signal.SIGTERM)
    assert daemon.wait() == 0
    got = receiver.messages()
    ready, stopping = got.index("READY=1"), got.index("STOPPING=1")
    assert "WATCHDOG=1" in got[ready:stopping], got
    assert any(m.startswith("STATUS=starting") for m in got[:ready]), got
    assert any(m.startswith("STATUS=draining") for m in got[stopping:]), got


def test_notify_reaches_an_abstract_socket(monkeypatch):
    receiver = Receiver(f"@dbm-test-{uuid.uuid4().hex}")
    monkeypatch.setenv("NOTIFY_SOCKET", receiver.address)
    systemd.notify("READY=1", "STATUS=serving")
    assert receiver.messages() == ["READY=1", "STATUS=serving"]
    receiver.close()


def test_watchdog_is_not_ours_when_watchdog_pid_names_another_process(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid() + 1))
    assert systemd.watchdog_interval_s() is None
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert systemd.watchdog_interval_s() == 0.1


async def test_a_stuck_event_loop_stops_the_watchdog_pings(receiver, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "40000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    async with systemd.watchdog():
        await asyncio.sleep(0.1)
        assert "WATCHDOG=1" in receiver.messages()
        time.sleep(0.3)  # the loop is stuck: nothing may ping meanwhile
        assert receiver.messages() == []
        await asyncio.sleep(0.1)
        assert "WATCHDOG=1" in receiver.messages()


# ---------- socket activation ----------

def _socket_activated(address: str, settings: dict, cwd: Path) -> subprocess.Popen:
    """`dbmanager serve` under systemd-socket-activate, which binds `address` and execs the daemon
    with the socket as fd 3 on the first connection. It passes on only the variables named by -E."""
    env = daemon_env(**settings)
    passed = [arg for name in env if name.startswith("DBM_") or name == "PYTHONPATH" for arg in ("-E", name)]
    process = subprocess.Popen(
        ["systemd-socket-activate", "-l", address, *passed, sys.executable, "-m", "daemon", "serve"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr.readline().startswith("Listening on")
    return process


def test_socket_activation_serves_the_inherited_socket(systemd_tools, settings, tmp_path):
    port = free_port()
    process = _socket_activated(f"127.0.0.1:{port}", settings, tmp_path)
    try:
        assert post(f"http://127.0.0.1:{port}", "ping") == (200, {"jsonrpc": "2.0", "result": "pong", "id": 1})
        assert readline(process, 10) == f"dbmanager listening on http://127.0.0.1:{port}"
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_socket_activation_on_a_public_address_needs_a_token_file(systemd_tools, settings, tmp_path):
    port = free_port()
    process = _socket_activated(f"0.0.0.0:{port}", settings, tmp_path)
    try:
        with pytest.raises(OSError):
            post(f"http://127.0.0.1:{port}", "ping", timeout=10)
        assert process.wait(30) == 2
        assert "not a loopback address" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()


# ---------- a clean stop under load ----------

def test_sigterm_under_load_loses_no_accepted_call(spawn_daemon, settings, stream_key, redis_url):
    daemon = spawn_daemon(**settings)
    post(daemon.url, "create_user", {"email": "load@x.io", "user_id": "load"})
    post(daemon.url, "top_up_credits", {"user_id": "load", "amount": 1000, "transaction_key": "top-up"})
    outcomes, signalled_at = _spend_and_sigterm(daemon, calls=200, sigterm_after=40)
    assert daemon.wait() == 0
    answered = [o for o in outcomes if o is not None]
    assert all(status == 200 and ("result" in body or _clean_error(body)) for status, body, _ in answered), answered
    assert any(at > signalled_at for _, _, at in answered)  # calls in flight at SIGTERM were finished
    spent = sum(1 for _, body, _ in answered if "result" in body)
    assert sync_redis.Redis.from_url(redis_url).xlen(stream_key) == 1 + spent  # the outbox was flushed
    again = spawn_daemon(**settings)
    assert post(again.url, "get_credits", {"user_id": "load"})[1]["result"] == 1000 - spent


def _spend_and_sigterm(daemon, calls: int, sigterm_after: int) -> tuple[list, float]:
    """`calls` concurrent spends of 1, each with its own key; SIGTERM once `sigterm_after` answered.
    Each outcome is (HTTP status, body, when it arrived), or None when no HTTP response came."""
    done = threading.Semaphore(0)

    def spend(i: int):
        try:
            status, body = post(daemon.url, "spend_credits", {"user_id": "load", "cost": 1, "transaction_key": f"s{i}"})
            return status, body, time.monotonic()
        except (urllib.error.URLError, ConnectionError, OSError):
            return None
        finally:
            done.release()

    with concurrent.futures.ThreadPoolExecutor(max_workers=40) as pool:
        futures = [pool.submit(spend, i) for i in range(calls)]
        for _ in range(sigterm_after):
            done.acquire()
        signalled_at = time.monotonic()
        daemon.signal(signal.SIGTERM)
        return [f.result() for f in futures], signalled_at


def _clean_error(body: Any) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and isinstance(error.get("code"), int) and isinstance(error.get("message"), str)


# ---------- dbmanager check ----------

def _check(port: int, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "daemon", "check", *flags], env=daemon_env(port=port),
                          capture_output=True, text=True, timeout=30)


def test_check_exits_0_against_a_running_daemon_and_says_so_in_words_or_json(spawn_daemon, settings):
    port = int(spawn_daemon(**settings).url.rsplit(":", 1)[1])
    words, as_json = _check(port), _check(port, "--json")
    assert words.returncode == as_json.returncode == 0
    assert words.stdout == f"ok: database ok, redis ok (at http://127.0.0.1:{port}/healthz)\n"
    assert orjson.loads(as_json.stdout) == {"address": f"http://127.0.0.1:{port}/healthz", "http_status": 200,
                                            "status": "ok", "database": "ok", "redis": "ok"}


def test_check_exits_1_against_a_dead_port_naming_the_address():
    port = free_port()
    result = _check(port)
    assert result.returncode == 1
    assert result.stdout.startswith(f"unreachable: nothing answered at http://127.0.0.1:{port}/healthz")


# ---------- logs ----------

@pytest.mark.parametrize("level", ["info", "debug"])
def test_logs_never_show_tokens_or_param_values(spawn_daemon, settings, tmp_path, level):
    token, wrong = "tok-SECRET-7f3a9c-06b2d8e4f1a3c5b7d9e0", "wrong-SECRET-51be-93c7a1e5d2b4f6a8c0"
    (tmp_path / "tokens").write_text(f"{token}\n")
    daemon = spawn_daemon(auth_tokens_file=tmp_path / "tokens", log_level=level, **settings)
    metadata = {"reason": "param-SECRET-metadata"}
    assert post(daemon.url, "create_user", {"email": "mail-SECRET@x.io", "user_id": "logs"}, token)[0] == 200
    assert "result" in post(daemon.url, "top_up_credits", {"user_id": "logs", "amount": 5, "metadata": metadata}, token)[1]
    assert "error" in post(daemon.url, "spend_credits", {"user_id": "logs", "cost": "cost-SECRET"}, token)[1]
    assert post(daemon.url, "ping", token=wrong)[0] == 401
    assert daemon.stop() == 0
    log = (tmp_path / "daemon.log").read_text()
    assert "top_up_credits" in logged_calls(tmp_path / "daemon.log")  # the calls were logged …
    assert "SECRET" not in log  # … without a token or a value
