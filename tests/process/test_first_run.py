"""The README's first command: no configuration at all, SQLite + embedded Redis in the state dir."""

import signal
import urllib.request

import orjson
import redis as sync_redis

from tests.support import DaemonProcess, daemon_env, free_port


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, orjson.loads(exc.read())


def test_no_configuration_serves_ping_and_health_and_keeps_data_across_restart(tmp_path):
    env = daemon_env()  # every DBM_ variable removed …
    env["DBM_PORT"] = str(free_port())  # … but the port, so that tests may run beside a real daemon on 8005
    daemon = DaemonProcess(env, tmp_path).start()
    try:
        assert daemon.url == f"http://127.0.0.1:{env['DBM_PORT']}"
        assert daemon.call("ping") == {"jsonrpc": "2.0", "result": "pong", "id": 1}
        assert get(daemon.url + "/healthz") == (200, {"status": "ok", "database": "ok", "redis": "ok"})
        daemon.call("create_user", {"email": "first@x.io", "user_id": "first"})
        assert daemon.call("top_up_credits", ["first", 42])["result"] == 42
        assert (tmp_path / "dbmanager.sqlite3").exists()
        assert (tmp_path / "redis" / "appendonly.aof").exists()
        daemon.signal(signal.SIGTERM)
        assert daemon.wait() == 0
        assert not (tmp_path / "redis" / "redis.sock").exists()  # the embedded Redis stopped with it

        again = DaemonProcess(env, tmp_path).start()
        assert again.call("get_credits", ["first"])["result"] == 42
        stream = sync_redis.Redis(unix_socket_path=str(tmp_path / "redis" / "redis.sock"), decode_responses=True)
        entries = stream.xrange("dbmanager:audit:credits")
        assert [e[1]["amount"] for e in entries] == ["42"]  # the stream survived the restart too
        stream.close()
        assert again.stop() == 0
    finally:
        daemon.kill()


def test_embedded_redis_dies_with_a_killed_daemon_and_is_started_again(tmp_path):
    env = daemon_env()
    env["DBM_PORT"] = str(free_port())
    daemon = DaemonProcess(env, tmp_path).start()
    daemon.call("create_user", {"email": "k@x.io", "user_id": "k"})
    daemon.call("top_up_credits", ["k", 7])
    daemon.kill()
    again = DaemonProcess(env, tmp_path).start()
    try:
        assert again.call("get_credits", ["k"])["result"] == 7
        assert get(again.url + "/healthz")[0] == 200
    finally:
        assert again.stop() == 0
