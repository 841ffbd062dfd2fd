"""`dbmanager serve`: start the stores, listen, and stop in order on SIGTERM or SIGINT.

Under systemd (see daemon/systemd.py) it also says READY=1 once it listens and both stores have
answered, STATUS= while starting and draining, STOPPING=1 on the signal, and feeds the watchdog.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import signal
import socket
from typing import cast

from aiohttp import web

from daemon import systemd
from daemon.constants import GC_THRESHOLDS, SHUTDOWN_GRACE_S
from daemon.services import Services
from daemon.settings import Settings
from daemon.web.server import make_app

log = logging.getLogger(__name__)


async def serve(settings: Settings) -> None:
    stop = _stop_on_signals()
    inherited = systemd.listen_socket()
    if inherited is not None:
        _check_inherited_bind(inherited, settings)
    else:
        settings.check_bind_is_safe()
    async with systemd.watchdog():  # from the start: migrations may run long
        await _serve(settings, inherited, stop)
    log.info("stopped")


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _serve(settings: Settings, inherited: socket.socket | None, stop: asyncio.Event) -> None:
    systemd.notify("STATUS=starting: connecting to the database and Redis, applying migrations")
    services = await Services.start(settings)  # returns once both stores have answered
    runner = web.AppRunner(make_app(services), handle_signals=False, access_log=None,
                           shutdown_timeout=SHUTDOWN_GRACE_S)
    try:
        await runner.setup()
        site = _site(runner, settings, inherited)
        await site.start()
        _tune_gc()
        address = _address(site)
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


def _site(runner: web.AppRunner, settings: Settings, inherited: socket.socket | None) -> web.BaseSite:
    if inherited is not None:  # socket activation: systemd bound it, and holds connections while we restart
        return web.SockSite(runner, inherited)
    return web.TCPSite(runner, settings.host, settings.port, reuse_address=True)


def _check_inherited_bind(sock: socket.socket, settings: Settings) -> None:
    """The refusal to serve an open ledger on the network holds for a socket systemd bound, too."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        dataclasses.replace(settings, host=sock.getsockname()[0]).check_bind_is_safe()


def _address(site: web.BaseSite) -> str:
    sock = cast(asyncio.Server, site._server).sockets[0]  # a started site's server is the loop's: it has sockets
    if sock.family == socket.AF_UNIX:
        return f"unix:{sock.getsockname()}"
    host, port = sock.getsockname()[:2]  # the real port when asked for 0
    if sock.family == socket.AF_INET6:
        host = f"[{host}]"
    return f"http://{host}:{port}"
