"""One `dbmanager serve` per state directory while it runs the embedded Redis.

The embedded Redis is its daemon's child and stops with it, so a second daemon in the same
directory would be left with no Redis when the first stops (or would stop the first's Redis
when it stops itself). The second one therefore refuses the directory, before it starts
anything. The claim is an flock on `<state dir>/dbmanager.lock`: the kernel drops it when the
process ends in any way, kill -9 included, so a crash never leaves a stale lock to clear by hand.

Daemons on an external Redis claim nothing: they share only the database, which several
daemons may (a SQLite file too), and scale-out runs several of them from one directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

from daemon.errors import ConfigError
from daemon.settings import Settings

LOCK_FILE = "dbmanager.lock"


@contextlib.contextmanager
def claim_state_dir(settings: Settings) -> Iterator[None]:
    """Holds the state directory's lock until the block ends (a no-op without the embedded Redis)."""
    if settings.redis_url != "embedded":
        yield
        return
    path = settings.state_dir / LOCK_FILE
    # the descriptor is not inheritable (PEP 446): the embedded Redis never holds the lock after us
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise ConfigError(f"DBM_STATE_DIR: cannot open {path}: {exc.strerror or type(exc).__name__}") from None
    try:
        _lock(fd, settings)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for the refusal's message; the lock is what counts
        yield
    finally:
        os.close(fd)  # releases the lock


def _lock(fd: int, settings: Settings) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
        by = f" (pid {holder})" if holder.isdigit() else ""
        raise ConfigError(f"DBM_STATE_DIR: {settings.state_dir.resolve()} is in use by another dbmanager serve{by} "
                          "with its embedded Redis; stop it, or give this one another DBM_STATE_DIR") from None
