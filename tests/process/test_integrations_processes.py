"""Integrations against a real `dbmanager serve`: no secret in the debug log or in the raw
database, and a bad key file or a database of other keys exits 2 with one line."""

from __future__ import annotations

import asyncio
import stat
import subprocess
import sys
from pathlib import Path

import asyncpg
import orjson
import pytest
from cryptography.fernet import Fernet

from tests.support import REDIS_URL, daemon_env, log_records, logged_calls

SECRET = "sk-live-PROCESS-8d41b0e6c3"
DATA = {"managed_credentials": {"ayrshare_profile_key": SECRET},
        "credentials": [{"id": "c1", "provider": "openai", "type": "api_key", "api_key": SECRET}],
        "oauth_states": [{"token": SECRET, "provider": "github", "expires_at": 1900000000, "scopes": []}]}


def serve(tmp_path: Path, **settings) -> subprocess.CompletedProcess:
    """`dbmanager serve` expected to refuse to start."""
    return subprocess.run([sys.executable, "-m", "daemon", "serve"], env=daemon_env(**settings), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def one_line(result: subprocess.CompletedProcess) -> str:
    """The refusal's one line. The database's keys are compared once the stores are up, after the
    migrations, each logged as a record of its own: only such records may come before it."""
    *logged, line = result.stderr.strip().splitlines()
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert all(orjson.loads(record)["level"] == "info" for record in logged), result.stderr
    return line


async def pg_rows(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT u::text FROM users u UNION ALL SELECT k::text FROM encryption_keys k")
    finally:
        await conn.close()
    return "\n".join(row[0] for row in rows)


def test_a_secret_reaches_no_log_line_no_error_and_no_raw_storage(spawn_daemon, db_url, tmp_path, events_key,
                                                                  stream_key):
    state = tmp_path / "state"
    daemon = spawn_daemon(database_url=db_url, redis_url=REDIS_URL, audit_stream=stream_key, events_stream=events_key,
                          state_dir=state, log_level="debug", log_format="json")
    answers = [daemon.call("create_user", {"email": "ann@x.io", "user_id": "ann"}),
               daemon.call("update_user_integrations", ["ann", DATA]),
               daemon.call("get_user_by_id", ["ann"]),
               daemon.call("update_user_integrations", ["ghost", DATA]),  # 1002
               daemon.call("update_user_integrations", ["ann", {**DATA, "extra": SECRET}]),  # -32602
               daemon.call("update_user_integrations", ["ann", {"credentials": SECRET}]),  # -32602
               daemon.call("get_user_integrations", ["ann", SECRET])]  # -32602
    assert daemon.call("get_user_integrations", ["ann"])["result"] == DATA  # the one answer that holds it
    assert [("error" in a) for a in answers] == [False, False, False, True, True, True, True]
    assert SECRET not in orjson.dumps(answers).decode()
    assert daemon.stop() == 0
    log = (tmp_path / "daemon.log").read_text()
    assert "update_user_integrations" in logged_calls(tmp_path / "daemon.log") and SECRET not in log
    assert any(r["level"] == "debug" for r in log_records(tmp_path / "daemon.log"))
    if db_url.startswith("sqlite"):
        files = list(tmp_path.glob("ledger.sqlite3*"))
        assert files and not any(SECRET.encode() in f.read_bytes() for f in files)
    else:
        stored = asyncio.run(pg_rows(db_url))
        assert "gAAAAA" in stored and SECRET not in stored  # a Fernet token, and no plaintext
    assert stat.S_IMODE((state / "encryption.key").stat().st_mode) == 0o600


@pytest.mark.parametrize("content, says", [(None, "does not exist"), ("# no key yet\n", "holds no key"),
                                           ("not a key\n", "line 1 of")], ids=["missing", "empty", "invalid"])
def test_a_bad_key_file_exits_2_with_one_line_and_stops_what_started(tmp_path, content, says):
    path = tmp_path / "keys"
    if content is not None:
        path.write_text(content)
    state = tmp_path / "state"  # the embedded Redis: started before the domains, it must stop again
    result = serve(tmp_path, state_dir=state, encryption_key_file=path)
    line = one_line(result)
    assert result.stderr.strip() == line  # the key file is read before any store starts: nothing else printed
    assert line.startswith("dbmanager: configuration error: DBM_ENCRYPTION_KEY_FILE: ") and says in line, line
    assert not (state / "redis" / "redis.sock").exists() and not (state / "encryption.key").exists()


def test_a_database_none_of_whose_keys_the_daemon_has_exits_2(spawn_daemon, tmp_path, stream_key, events_key):
    ours, theirs = tmp_path / "ours.key", tmp_path / "theirs.key"
    ours.write_bytes(Fernet.generate_key() + b"\n")
    theirs.write_bytes(Fernet.generate_key() + b"\n")
    settings = {"database_url": f"sqlite:///{tmp_path / 'shared.sqlite3'}", "redis_url": REDIS_URL,
                "audit_stream": stream_key, "events_stream": events_key}
    first = spawn_daemon(encryption_key_file=ours, **settings)
    first.call("create_user", {"email": "ann@x.io", "user_id": "ann"})
    assert "error" not in first.call("update_user_integrations", ["ann", DATA])
    assert first.stop() == 0
    line = one_line(serve(tmp_path, encryption_key_file=theirs, **settings))
    assert "DBM_ENCRYPTION_KEY_FILE: none of its keys" in line
    theirs.write_bytes(theirs.read_bytes() + ours.read_bytes())  # the rotation: theirs first, ours still read
    second = spawn_daemon(encryption_key_file=theirs, **settings)
    assert second.call("get_user_integrations", ["ann"])["result"] == DATA
