"""`dbmanager serve`: start the stores, listen, and stop in order on SIGTERM or SIGINT.

Under systemd (see daemon/systemd.py) it also says READY=1 once it listens and both stores have
answered, STATUS= while starting and draining, STOPPING=1 on the signal, and feeds the watchdog.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import resource
import signal
import socket

from aiohttp import web

from daemon import systemd
from daemon.constants import FD_RESERVE, GC_THRESHOLDS, LISTEN_BACKLOG, SHUTDOWN_GRACE_S
from daemon.errors import StartupError
from daemon.services import Services, prepare_state_dir
from daemon.settings import Settings
from daemon.state_lock import claim_state_dir
from daemon.web.server import HANDLER_ARGS, make_app
from daemon.web.site import BoundedSite

log = logging.getLogger(__name__)


async def serve(settings: Settings) -> None:
    settings.check_cors_is_safe()
    stop = _stop_on_signals()
    prepare_state_dir(settings)
    with claim_state_dir(settings):  # first of all: a directory in use is one line, and the other daemon untouched
        listening = _listening_socket(settings)  # a port in use is one line, before any store starts
        _raise_file_limit(settings)
        async with systemd.watchdog():  # from the start: migrations may run long
            await _serve(settings, listening, stop)
    log.info("stopped")


def _listening_socket(settings: Settings) -> socket.socket:
    inherited = systemd.listen_socket()
    if inherited is not None:  # socket activation: systemd bound it, and holds connections while we restart
        _check_inherited_bind(inherited, settings)
        return inherited
    settings.check_bind_is_safe()
    try:
        family = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((settings.host, settings.port), family=family, backlog=LISTEN_BACKLOG)
    except OSError as exc:
        # create_server appends the address to strerror; a name that does not resolve has its own words
        reason = exc.strerror if isinstance(exc, socket.gaierror) else os.strerror(exc.errno or 0)
        raise StartupError(f"cannot listen on {settings.host}:{settings.port}: {reason}") from None


def _raise_file_limit(settings: Settings) -> None:
    """Room for DBM_MAX_CONNECTIONS clients and the stores' own descriptors: the soft limit is
    raised to the hard one (systemd's units set LimitNOFILE=); short of that, say so once."""
    needed = settings.max_connections + settings.pool_size + FD_RESERVE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = max(soft, needed * 2) if hard == resource.RLIM_INFINITY else hard  # "unlimited" cannot be a soft limit
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(OSError, ValueError):  # not ours to raise: the warning below says so
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    if soft != resource.RLIM_INFINITY and soft < needed:
        log.warning("the open-file limit (%d) is below DBM_MAX_CONNECTIONS + DBM_POOL_SIZE + %d (%d): "
                    "raise LimitNOFILE or lower DBM_MAX_CONNECTIONS", soft, FD_RESERVE, needed)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _serve(settings: Settings, listening: socket.socket, stop: asyncio.Event) -> None:
    systemd.notify("STATUS=starting: connecting to the database and Redis, applying migrations")
    services = await Services.start(settings)  # returns once both stores have answered
    runner = web.AppRunner(make_app(services), handle_signals=False, access_log=None,
                           shutdown_timeout=SHUTDOWN_GRACE_S)
    try:
        await runner.setup()
        site = BoundedSite(runner, listening, settings.max_connections, HANDLER_ARGS)
        await site.start()
        _tune_gc()
        address = _address(listening)
        print(f"dbmanager listening on {address}", flush=True)
        systemd.notify("READY=1", f"STATUS=serving on {address}")
        await stop.wait()
        systemd.notify("STOPPING=1", "STATUS=draining: no new connections; finishing calls in flight")
        log.info("stopping: no new connections; finishing calls in flight")
    finally:
        await runner.cleanup()  # stops accepting, then waits for in-flight requests
        systemd.notify("STATUS=draining: flushing the audit outbox")
        await services.stop()  # flushes the audit outbox, stops Redis and the pool


def _tune_gc() -> None:
    """Fewer, cheaper garbage collections once started. Python's default collects its youngest
    generation every 700 net new objects, and under load thousands of calls in flight keep their
    objects alive long enough to be promoted, so it soon runs full collections over all of them
    and over everything built at start: under batched spends they took more than half
    of the daemon's time while finding next to no garbage (calls make almost no cycles). Freezing
    the start-up objects takes them out of every later collection; the higher thresholds make
    collections rare. Memory is freed by reference counting as before."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _check_inherited_bind(sock: socket.socket, settings: Settings) -> None:
    """The refusal to serve an open ledger on the network holds for a socket systemd bound, too."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        dataclasses.replace(settings, host=sock.getsockname()[0]).check_bind_is_safe()


def _address(sock: socket.socket) -> str:
    if sock.family == socket.AF_UNIX:
        return f"unix:{sock.getsockname()}"
    host, port = sock.getsockname()[:2]  # the real port when asked for 0
    if sock.family == socket.AF_INET6:
        host = f"[{host}]"
    return f"http://{host}:{port}"
