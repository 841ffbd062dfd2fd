"""One state directory, one `dbmanager serve` that owns it while it uses the embedded Redis."""

import signal
import subprocess
import sys
import urllib.request

import pytest

from tests.support import REDIS_URL, daemon_env


def health(url: str) -> int:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def second_serve(tmp_path, **settings) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "daemon", "serve", "--port", "0"], env=daemon_env(**settings),
                          cwd=tmp_path, capture_output=True, text=True, timeout=20)


def test_a_second_serve_refuses_a_state_directory_in_use_and_leaves_the_first_alone(spawn_daemon, tmp_path):
    first = spawn_daemon()  # SQLite and the embedded Redis in tmp_path
    first.call("create_user", {"email": "a@x.io", "user_id": "a"})
    second = second_serve(tmp_path)
    lines = second.stderr.strip().splitlines()
    assert second.returncode == 2 and len(lines) == 1, second.stderr
    assert str(tmp_path) in lines[0] and "Traceback" not in second.stderr
    assert second.stdout == ""  # it never listened
    assert health(first.url) == 200
    assert first.call("get_user_by_id", ["a"])["result"]["id"] == "a"


def test_after_kill_9_a_new_serve_takes_the_state_directory(spawn_daemon, tmp_path):
    first = spawn_daemon()
    first.call("create_user", {"email": "k@x.io", "user_id": "k"})
    first.signal(signal.SIGKILL)
    first.wait()
    again = spawn_daemon()  # the kernel dropped the lock with the process: nothing stale to clear
    assert again.call("get_user_by_id", ["k"])["result"]["id"] == "k"
    assert health(again.url) == 200


@pytest.mark.parametrize("database", ["postgresql", "default sqlite"])
def test_daemons_on_an_external_redis_share_one_directory(spawn_daemon, tmp_path, stream_key, request, database):
    """The state directory is claimed only for the embedded Redis: daemons scaled out over one
    database (SQLite is shared safely, too) and an external Redis may start in one directory."""
    settings = dict(redis_url=REDIS_URL, audit_stream=stream_key)
    if database == "postgresql":
        settings["database_url"] = request.getfixturevalue("pg_url")
    one, two = spawn_daemon(**settings), spawn_daemon(**settings)
    one.call("create_user", {"email": "s@x.io", "user_id": "s"})
    assert two.call("get_user_by_id", ["s"])["result"]["id"] == "s"
    assert health(one.url) == 200 and health(two.url) == 200
