"""`dbmanager serve`: start the stores, listen, and stop in order on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket

from aiohttp import web

from daemon.constants import SHUTDOWN_GRACE_S
from daemon.services import Services
from daemon.settings import Settings
from daemon.web.server import make_app

log = logging.getLogger(__name__)


async def serve(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    services = await Services.start(settings)
    runner = web.AppRunner(make_app(services), handle_signals=False, access_log=None,
                           shutdown_timeout=SHUTDOWN_GRACE_S)
    try:
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port, reuse_address=True)
        await site.start()
        print(f"dbmanager listening on {_address(site)}", flush=True)
        await stop.wait()
        log.info("stopping: no new connections; finishing calls in flight")
    finally:
        await runner.cleanup()  # stops accepting, then waits for in-flight requests
        await services.stop()  # flushes the audit outbox, stops Redis and the pool
    log.info("stopped")


def _address(site: web.TCPSite) -> str:
    host, port = site._server.sockets[0].getsockname()[:2]  # the real port when asked for 0
    if site._server.sockets[0].family == socket.AF_INET6:
        host = f"[{host}]"
    return f"http://{host}:{port}"
