"""The README's backup and restore, followed step by step on the default setup (SQLite and the
embedded Redis): copies taken while the daemon runs restore to a daemon with the same ledger and
stream, and `audit verify` tells a mismatched pair from a matching one."""

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.support import daemon_env


def online_backup(database: Path, copy: Path) -> None:
    """The README's SQLite command: the online backup API, safe while the daemon writes."""
    source, target = sqlite3.connect(database), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def verify(state_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "daemon", "audit", "verify"], cwd=state_dir, env=daemon_env(),
                          capture_output=True, text=True, timeout=60)


def verified(state_dir: Path) -> subprocess.CompletedProcess:
    """`audit verify` once the relay has caught up (it runs a moment after each commit)."""
    for _ in range(50):
        result = verify(state_dir)
        if result.returncode == 0:
            return result
        time.sleep(0.1)
    return result


def restore(database_copy: Path, aof_copy: Path, state_dir: Path) -> None:
    (state_dir / "redis").mkdir(parents=True, mode=0o700)
    shutil.copy(database_copy, state_dir / "dbmanager.sqlite3")
    shutil.copy(aof_copy, state_dir / "redis" / "appendonly.aof")


def test_copies_taken_while_running_restore_the_ledger_and_the_stream(spawn_daemon, tmp_path):
    live, backups = tmp_path / "live", tmp_path / "backups"
    live.mkdir()
    backups.mkdir()
    daemon = spawn_daemon(cwd=live)
    daemon.call("create_user", {"email": "b@x.io", "user_id": "b"})
    for amount in (10, 20, 30):
        daemon.call("top_up_credits", ["b", amount])
    assert verified(live).returncode == 0  # every transaction is in the stream: a quiet moment
    online_backup(live / "dbmanager.sqlite3", backups / "quiet.sqlite3")
    shutil.copy(live / "redis" / "appendonly.aof", backups / "quiet.aof")
    daemon.call("spend_credits", ["b", 5])  # after the Redis copy: a later database copy has it …
    assert verified(live).returncode == 0  # … but no longer in its outbox, once relayed
    online_backup(live / "dbmanager.sqlite3", backups / "later.sqlite3")
    assert daemon.stop() == 0

    matching = tmp_path / "matching"
    restore(backups / "quiet.sqlite3", backups / "quiet.aof", matching)
    restored = spawn_daemon(cwd=matching)
    assert restored.call("get_credits", ["b"])["result"] == 60
    assert verified(matching).returncode == 0
    assert restored.stop() == 0

    mismatched = tmp_path / "mismatched"
    restore(backups / "later.sqlite3", backups / "quiet.aof", mismatched)
    restored = spawn_daemon(cwd=mismatched)
    assert restored.call("get_credits", ["b"])["result"] == 55
    result = verify(mismatched)
    assert result.returncode == 1 and "missing" in (result.stdout + result.stderr).lower()
