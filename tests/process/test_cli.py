"""The command line: help, configuration errors, start-up retries, migrate."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from daemon.settings import SETTINGS
from tests.support import REDIS_URL, REPO, daemon_env, free_port


def dbmanager(*args: str, timeout: float = 60, cwd=None, **settings) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "daemon", *args], env=daemon_env(**settings), cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("command", [[], ["serve"], ["migrate"], ["check"], ["openrpc"], ["audit"], ["audit", "tail"],
                                     ["audit", "verify"], ["audit", "repair"], ["events"], ["events", "tail"]])
def test_every_command_answers_help(command):
    result = dbmanager(*command, "--help")
    assert result.returncode == 0 and "usage: dbmanager" in result.stdout


def test_serve_help_lists_every_setting():
    out = dbmanager("serve", "--help").stdout
    for setting in SETTINGS:
        assert setting.flag in out and setting.env in out


@pytest.mark.parametrize("command, shown, not_shown", [
    (["migrate"], ["DBM_DATABASE_URL", "DBM_STATE_DIR"], ["DBM_PORT", "DBM_MAX_BATCH", "DBM_REDIS_URL"]),
    (["check"], ["DBM_HOST", "DBM_PORT"], ["DBM_DATABASE_URL", "DBM_MAX_BATCH", "DBM_AUTH_TOKENS_FILE"]),
    (["audit", "tail"], ["DBM_REDIS_URL", "DBM_AUDIT_STREAM"], ["DBM_PORT", "DBM_MAX_BODY_BYTES"]),
    (["audit", "verify"], ["DBM_DATABASE_URL", "DBM_REDIS_URL"], ["DBM_HOST", "DBM_POOL_SIZE"]),
    (["audit", "repair"], ["DBM_DATABASE_URL", "DBM_REDIS_URL", "DBM_PGBOUNCER"], ["DBM_HOST", "DBM_POOL_SIZE"]),
    (["events", "tail"], ["DBM_REDIS_URL", "DBM_EVENTS_STREAM"], ["DBM_AUDIT_STREAM", "DBM_DATABASE_URL"]),
])
def test_each_command_offers_only_the_settings_it_reads(command, shown, not_shown):
    result = dbmanager(*command, "--help")
    assert all(env in result.stdout for env in shown)
    assert not any(env in result.stdout for env in not_shown), result.stdout
    assert dbmanager(*command, "--max-batch", "5").returncode == 2  # a flag it does not read is refused


@pytest.mark.parametrize("settings, names", [
    ({"database_url": "mysql://x/y"}, "DBM_DATABASE_URL"),
    ({"redis_url": "memcached://x"}, "DBM_REDIS_URL"),
    ({"port": "eighty"}, "DBM_PORT"),
    ({"port": "70000"}, "DBM_PORT"),
    ({"call_timeout_s": "-1"}, "DBM_CALL_TIMEOUT_S"),
    ({"max_batch": "0"}, "DBM_MAX_BATCH"),
    ({"host": "0.0.0.0"}, "DBM_AUTH_TOKENS_FILE"),
    ({"auth_tokens_file": "/nonexistent/tokens"}, "DBM_AUTH_TOKENS_FILE"),
    ({"log_level": "loud"}, "DBM_LOG_LEVEL"),
    ({"log_format": "xml"}, "DBM_LOG_FORMAT"),
    ({"cors_origins": "app.example.com"}, "DBM_CORS_ORIGINS"),
    ({"cors_origins": "https://app.example.com/"}, "DBM_CORS_ORIGINS"),
    ({"cors_origins": "*"}, "DBM_AUTH_TOKENS_FILE"),  # any web page could call an open ledger
])
def test_bad_settings_exit_2_with_one_line(settings, names, tmp_path):
    result = dbmanager("serve", cwd=tmp_path, **settings)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and names in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_flag_overrides_the_environment(tmp_path):
    result = dbmanager("serve", "--port", "eighty", cwd=tmp_path, port="8005")
    assert result.returncode == 2 and "'eighty'" in result.stderr


def test_store_that_never_answers_exits_1_after_retrying(tmp_path):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    result = dbmanager("serve", cwd=tmp_path, redis_url=dead, start_timeout_s="2",
                       database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("dbmanager: the redis did not answer within 2 s")
    assert "retrying" in result.stderr  # one warning line per try
    assert "Traceback" not in result.stderr and "127.0.0.1" not in result.stderr.splitlines()[-1]


def test_migrate_applies_once(pg_url):
    first, second = dbmanager("migrate", database_url=pg_url), dbmanager("migrate", database_url=pg_url)
    assert first.returncode == 0 and first.stdout.splitlines()[:2] == [
        "applied migration 0001 users, balances, ledger, audit outbox",
        "applied migration 0002 dbm_spend_batch: spends by group commit (PostgreSQL)"]
    assert first.stdout.splitlines()[2].startswith("applied migration 0003 credit holds")
    assert len(first.stdout.splitlines()) == len(list((REPO / "daemon/storage/migrations/versions").glob("0*.py")))
    assert second.returncode == 0 and second.stdout.strip() == "no migrations pending"
    assert orjson.loads(dbmanager("migrate", "--json", database_url=pg_url).stdout) == {"applied": []}


def test_two_migrations_at_once_on_postgresql_apply_each_version_once(pg_url):
    runs = [subprocess.Popen([sys.executable, "-m", "daemon", "migrate"], env=daemon_env(database_url=pg_url),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [r.communicate(timeout=60) for r in runs]
    assert [r.returncode for r in runs] == [0, 0, 0], outputs
    assert sum("applied migration 0001" in out for out, _ in outputs) == 1
    assert sum(out.strip() == "no migrations pending" for out, _ in outputs) == 2


def test_python_dash_m_and_the_installed_command_are_the_same_program():
    command = shutil.which("dbmanager", path=str(Path(sys.executable).parent)) or shutil.which("dbmanager")
    assert command is not None, "dbmanager is not installed beside this Python, nor on PATH"
    installed = subprocess.run([command, "--help"], capture_output=True, text=True)
    assert installed.returncode == 0 and installed.stdout == dbmanager("--help").stdout


def test_version_names_the_release():
    from importlib.metadata import version
    result = dbmanager("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"dbmanager {version('dbmanager')}"


def test_commands_that_read_state_say_there_is_none_and_create_nothing(tmp_path):
    for args, says in ((["audit", "verify"], "no dbmanager state in"), (["audit", "repair"], "no dbmanager state in"),
                       (["audit", "tail"], "no dbmanager is running in"),
                       (["events", "tail"], "no dbmanager is running in"),
                       (["events", "tail", "--follow"], "no dbmanager is running in")):
        result = dbmanager(*args, cwd=tmp_path)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 1 and len(lines) == 1 and says in lines[0], result.stderr
        assert str(tmp_path) in lines[0]
    assert list(tmp_path.iterdir()) == []  # no empty database, no redis/


def test_audit_tail_reads_a_running_daemons_embedded_redis_and_never_stops_it(spawn_daemon, tmp_path):
    daemon = spawn_daemon(audit_stream=f"dbm-test:e:{tmp_path.name}")  # SQLite and the embedded Redis, in tmp_path
    daemon.call("create_user", {"email": "e@x.io", "user_id": "e"})
    daemon.call("top_up_credits", ["e", 7])
    for _ in range(50):
        tail = dbmanager("audit", "tail", cwd=tmp_path, audit_stream=f"dbm-test:e:{tmp_path.name}")
        if tail.stdout.strip():
            break
        time.sleep(0.1)
    assert tail.returncode == 0 and '"amount":"7"' in tail.stdout
    assert daemon.call("get_credits", ["e"])["result"] == 7  # its Redis is still there
    verify = dbmanager("audit", "verify", cwd=tmp_path, audit_stream=f"dbm-test:e:{tmp_path.name}")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    repair = dbmanager("audit", "repair", cwd=tmp_path, audit_stream=f"dbm-test:e:{tmp_path.name}")
    assert repair.returncode == 0 and repair.stdout.startswith("repair: 0 transactions lost"), repair.stdout
    daemon.stop()
    repair = dbmanager("audit", "repair", cwd=tmp_path, audit_stream=f"dbm-test:e:{tmp_path.name}")
    lines = repair.stderr.strip().splitlines()
    assert repair.returncode == 1 and len(lines) == 1 and "no dbmanager is running in" in lines[0], repair.stderr


def test_the_served_document_names_the_address_the_daemon_printed(spawn_daemon, redis_url, stream_key, tmp_path):
    daemon = spawn_daemon(redis_url=redis_url, audit_stream=stream_key)  # DBM_PORT=0: the kernel picks the port
    server, = daemon.call("rpc.discover")["result"]["servers"]
    assert server["url"] == daemon.url + "/rpc" and not daemon.url.endswith(":0")


def test_audit_tail_finds_the_embedded_redis_of_a_state_directory_too_deep_for_a_socket_path(spawn_daemon, tmp_path):
    """Past ~100 bytes a unix socket cannot be bound: the server's socket is then in a temporary
    directory, which the commands must find all the same (and which goes with the server)."""
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    daemon = spawn_daemon(cwd=deep)
    daemon.call("create_user", {"email": "d@x.io", "user_id": "d"})
    daemon.call("top_up_credits", ["d", 5])
    for _ in range(50):
        tail = dbmanager("audit", "tail", cwd=deep)
        if tail.stdout.strip() or tail.returncode:
            break
        time.sleep(0.1)
    assert tail.returncode == 0 and '"amount":"5"' in tail.stdout, tail.stderr
    socket_dir = Path((deep / "redis" / "socket-path").read_text().strip()).parent
    assert daemon.stop() == 0 and not socket_dir.exists()


def test_a_state_directory_that_cannot_be_one_is_a_configuration_error_at_once(tmp_path):
    (tmp_path / "a-file").write_text("")
    for command in ("serve", "migrate"):
        result = dbmanager(command, cwd=tmp_path, state_dir=tmp_path / "a-file" / "state")
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1, result.stderr
        assert "DBM_STATE_DIR" in lines[0] and str(tmp_path / "a-file" / "state") in lines[0]
        # one line and no "retrying": not retried as if a store were slow to answer (a timer would
        # prove less, and fails on a loaded machine)


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_a_role_or_database_postgresql_refuses_fails_at_once_with_its_message(pg_url, tmp_path, command):
    base = pg_url.rsplit("/", 1)[0]
    for url, says in ((base.replace("postgres@", "nouser@") + "/postgres", 'role "nouser" does not exist'),
                      (base + "/no_such_database_here", 'database "no_such_database_here" does not exist')):
        result = dbmanager(command, cwd=tmp_path, database_url=url, redis_url=REDIS_URL)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and says in lines[-1] and "Traceback" not in result.stderr, result.stderr
        assert "retrying" not in result.stderr  # refused for good: failed at once, not retried


def serve_log_on_a_terminal(tmp_path: Path, **settings: str) -> list[str]:
    """The first log lines of `serve` whose stderr is a terminal (a pseudo-terminal here)."""
    import os
    import pty
    import signal

    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "daemon", "serve"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=follower, env=daemon_env(**settings), text=True)
    os.close(follower)
    try:
        assert process.stdout is not None and process.stdout.readline().startswith("dbmanager listening on ")
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        output = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # every writer has closed: the whole log has been read
                break
            if not chunk:
                break
            output += chunk
    finally:
        process.kill()
        os.close(leader)
    return [line for line in output.decode().splitlines() if line.strip()]


def test_on_a_terminal_the_log_is_for_people_and_elsewhere_json(tmp_path, spawn_daemon):
    lines = serve_log_on_a_terminal(tmp_path)
    migration = next(line for line in lines if "applied migration 0001" in line)
    assert not migration.lstrip().startswith("{") and "info" in migration
    (tmp_path / "again").mkdir()
    forced = serve_log_on_a_terminal(tmp_path / "again", log_format="json")
    assert orjson.loads(next(line for line in forced if "applied migration 0001" in line))["level"] == "info"
    (tmp_path / "piped").mkdir()
    assert spawn_daemon(cwd=tmp_path / "piped").stop() == 0  # its stderr is a file: JSON lines
    logged = (tmp_path / "piped" / "daemon.log").read_text().splitlines()
    assert logged and all(isinstance(orjson.loads(line), dict) for line in logged)
