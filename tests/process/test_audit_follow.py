"""`dbmanager audit tail --follow` outlives its Redis: a Redis restart, a daemon restart on the
embedded Redis; every entry printed once, in order, and no traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest

from tests.support import daemon_env, free_port

AS_GROUP = ["--group", "g", "--consumer", "c"]
READERS = pytest.mark.parametrize("reader", [[], AS_GROUP], ids=["plain", "group"])


class Follower:
    """`<stream> tail --follow` as a process (the audit stream's, unless told another); its stdout
    lines are collected as they come."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, stream: str = "audit"):
        self.stderr_path = cwd / "follower.err"
        self.process = subprocess.Popen([sys.executable, "-m", "daemon", stream, "tail", "--follow", *args],
                                        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=open(self.stderr_path, "w"),
                                        text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def tx_ids(self, field: str = "tx_id") -> list[str]:
        return [orjson.loads(line)[field] for line in list(self.lines)]

    def wait_for(self, count: int, timeout_s: float = 30, field: str = "tx_id") -> list[str]:
        """The `field` of each line printed, once `count` lines came and no more follow."""
        deadline = time.monotonic() + timeout_s
        while len(self.lines) < count and time.monotonic() < deadline and self.process.poll() is None:
            time.sleep(0.05)
        time.sleep(0.5)  # and nothing more comes
        return self.tx_ids(field)

    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def wait_for_stderr(self, text: str, timeout_s: float = 15) -> str:
        deadline = time.monotonic() + timeout_s
        while text not in self.stderr() and time.monotonic() < deadline and self.process.poll() is None:
            time.sleep(0.05)
        return self.stderr()

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 5) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout_s)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def top_up(daemon, times: int) -> None:
    for _ in range(times):
        assert "result" in daemon.call("top_up_credits", ["f", 1])


def numbered(n: int) -> list[str]:
    return [str(i) for i in range(1, n + 1)]


@READERS
def test_a_follower_carries_on_across_a_redis_restart(spawn_daemon, private_redis, stream_key, tmp_path, reader):
    settings = dict(database_url=f"sqlite:///{tmp_path / 'f.sqlite3'}", redis_url=private_redis.url,
                    audit_stream=stream_key)
    daemon = spawn_daemon(**settings)
    daemon.call("create_user", {"email": "f@x.io", "user_id": "f"})
    top_up(daemon, 3)
    follower = Follower(reader, daemon_env(**settings), tmp_path)
    try:
        assert follower.wait_for(3) == numbered(3)
        private_redis.stop()
        assert "lost the connection to Redis" in follower.wait_for_stderr("lost the connection to Redis")
        top_up(daemon, 3)  # their entries wait in the daemon's outbox
        private_redis.start()
        top_up(daemon, 3)
        assert follower.wait_for(9) == numbered(9)
        assert follower.stop() == 0
        assert "Traceback" not in follower.stderr()
    finally:
        follower.kill()


@READERS
def test_a_follower_carries_on_across_a_daemon_restart_on_the_embedded_redis(spawn_daemon, tmp_path, reader):
    daemon = spawn_daemon()  # SQLite and the embedded Redis in tmp_path: a restart takes Redis away too
    daemon.call("create_user", {"email": "f@x.io", "user_id": "f"})
    top_up(daemon, 3)
    follower = Follower(reader, daemon_env(), tmp_path)
    try:
        assert follower.wait_for(3) == numbered(3)
        assert daemon.stop() == 0
        assert "lost the connection to Redis" in follower.wait_for_stderr("lost the connection to Redis")
        again = spawn_daemon()
        top_up(again, 3)
        assert follower.wait_for(6) == numbered(6)
        assert follower.stop() == 0
        assert "Traceback" not in follower.stderr()
    finally:
        follower.kill()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_follower_stopped_while_redis_is_away_exits_0_at_once(private_redis, stream_key, tmp_path, sig):
    settings = dict(redis_url=private_redis.url, audit_stream=stream_key)
    client = private_redis.client()
    client.xadd(stream_key, {"tx_id": "1"})
    client.close()
    follower = Follower([], daemon_env(**settings), tmp_path)
    try:
        assert follower.wait_for(1) == ["1"]
        private_redis.stop()
        follower.wait_for_stderr("lost the connection to Redis")
        time.sleep(0.5)  # into the back-off
        started = time.monotonic()
        assert follower.stop(sig) == 0
        assert time.monotonic() - started < 2
        assert "Traceback" not in follower.stderr()
    finally:
        follower.kill()


def test_audit_tail_without_follow_says_in_one_line_that_redis_is_down(tmp_path):
    result = subprocess.run([sys.executable, "-m", "daemon", "audit", "tail"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=30, env=daemon_env(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert "Redis" in lines[0] and "Traceback" not in result.stderr


def test_audit_verify_says_in_one_line_that_redis_is_down(spawn_daemon, tmp_path):
    spawn_daemon().stop()  # a ledger in tmp_path (the quick start's), its embedded Redis gone with it
    result = subprocess.run([sys.executable, "-m", "daemon", "audit", "verify"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=30, env=daemon_env(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert "Redis" in lines[0] and "Traceback" not in result.stderr
