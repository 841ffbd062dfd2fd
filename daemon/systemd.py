"""systemd integration without libsystemd: sd_notify(3) messages, the watchdog, and the socket
of socket activation (sd_listen_fds(3)).

Outside systemd ($NOTIFY_SOCKET, $WATCHDOG_USEC and $LISTEN_FDS unset) everything here is a
no-op, so `dbmanager serve` behaves the same in a terminal and under a unit file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import AsyncIterator

from daemon.errors import ConfigError

log = logging.getLogger(__name__)

SD_LISTEN_FDS_START = 3  # the first passed socket; systemd hands them over as 3, 4, …


def notify(*assignments: str) -> None:
    """Sends `READY=1`, `STATUS=…`, `WATCHDOG=1`, `STOPPING=1`, … as one datagram, if a manager listens."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address.startswith(("/", "@")):
        return
    if address.startswith("@"):  # Linux abstract namespace: a leading NUL byte, not a file
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            # Never block: a stalled manager must not stall the event loop that serves calls.
            sock.sendto("\n".join(assignments).encode(), socket.MSG_DONTWAIT, address)
    except OSError as exc:
        log.warning("could not notify systemd (%s)", type(exc).__name__)


def watchdog_interval_s() -> float | None:
    """Half of $WATCHDOG_USEC, as sd_watchdog_enabled(3) advises, when the watchdog is ours to feed."""
    usec, pid = os.environ.get("WATCHDOG_USEC", ""), os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):  # inherited from the process systemd watches, which is not us
        return None
    return int(usec) / 2_000_000


@contextlib.asynccontextmanager
async def watchdog() -> AsyncIterator[None]:
    """Feeds systemd's watchdog while the block runs."""
    interval_s = watchdog_interval_s()
    task = asyncio.create_task(_feed(interval_s), name="systemd-watchdog") if interval_s else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _feed(interval_s: float) -> None:
    # A task on the event loop, not a thread: if the loop gets stuck the pings stop, and systemd
    # restarts a daemon that could no longer answer calls.
    while True:
        notify("WATCHDOG=1")
        await asyncio.sleep(interval_s)


def listen_socket() -> socket.socket | None:
    """The listening socket systemd passed to this process (socket activation), or None."""
    count, pid = os.environ.get("LISTEN_FDS", ""), os.environ.get("LISTEN_PID", "")
    if not count or pid != str(os.getpid()):
        return None
    for name in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
        os.environ.pop(name, None)  # as sd_listen_fds(3) does: they are not meant for our children (Redis)
    if count == "0":
        return None
    if count != "1":
        raise ConfigError(f"LISTEN_FDS={count!r}: dbmanager serves exactly one socket (one ListenStream=)")
    try:
        sock = socket.socket(fileno=SD_LISTEN_FDS_START)
    except OSError:
        raise ConfigError(f"LISTEN_FDS=1 but fd {SD_LISTEN_FDS_START} is not a socket") from None
    os.set_inheritable(sock.fileno(), False)
    if sock.type != socket.SOCK_STREAM:
        raise ConfigError("the socket systemd passed is not a stream socket (use ListenStream=)")
    return sock
