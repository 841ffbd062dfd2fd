"""Where the daemon listens: at most DBM_MAX_CONNECTIONS client connections at once, each
answering HTTP errors plainly.

aiohttp's own sites accept every connection the kernel hands them, so idle sockets alone (no
token needed) could use up the process's file descriptors and starve the stores of theirs.
This site accepts a connection only while fewer than the limit are open; the rest wait in the
listen backlog, as a busy server's should. It also makes each connection's handler answer a
malformed request with a bare status line: aiohttp's own 400 body quotes the bytes it could not
parse, an Authorization header included.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from daemon.logs import RateLimitedLog

_accept_failures = RateLimitedLog("daemon.http", "connections the daemon could not accept (file descriptors?)")


class _Connection(RequestHandler):
    """aiohttp's handler of one connection, which gives its slot back when it closes and never
    echoes a request's bytes in an error."""

    __slots__ = ("_slot", "opened")

    def __init__(self, manager: web.Server, slot: asyncio.Semaphore, **kwargs: Any):
        super().__init__(manager, **kwargs)
        self._slot = slot
        self.opened = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.opened = True
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        try:
            super().connection_lost(exc)
        finally:
            if self.opened:
                self.opened = False
                self._slot.release()

    def handle_error(self, request: Any, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        self.logger.error("Error handling request")  # counted, without its content, by daemon.logs
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        response = web.Response(status=status, text=f"{status} {phrase}\n",
                                headers={"Server": "dbmanager"})
        response.force_close()
        return response


class BoundedSite(web.BaseSite):
    """Serves `runner` on a listening socket (one it binds, or one systemd handed over)."""

    def __init__(self, runner: web.BaseRunner, sock: socket.socket, max_connections: int,
                 handler_args: dict[str, Any]):
        """`handler_args`: aiohttp's settings for each connection (the app's handler_args)."""
        super().__init__(runner)
        self._sock = sock
        self._slots = asyncio.Semaphore(max_connections)
        self._handler_args = handler_args
        self._accepting: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return str(self.address)

    @property
    def address(self) -> Any:
        return self._sock.getsockname()

    async def start(self) -> None:
        await super().start()
        self._sock.setblocking(False)
        self._accepting = asyncio.create_task(self._accept(), name="accept")

    async def stop(self) -> None:
        if self._accepting is not None:
            self._accepting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._accepting
        self._sock.close()
        await super().stop()

    async def _accept(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._slots.acquire()  # at the limit, new connections wait in the kernel's backlog
            try:
                conn, _ = await loop.sock_accept(self._sock)
            except asyncio.CancelledError:
                self._slots.release()
                raise
            except OSError:  # out of file descriptors, say: back off, and let the stores keep theirs
                self._slots.release()
                _accept_failures.hit()
                await asyncio.sleep(0.1)
                continue
            await self._serve(loop, conn)

    async def _serve(self, loop: asyncio.AbstractEventLoop, conn: socket.socket) -> None:
        server = self._runner.server
        assert server is not None
        connection = _Connection(server, self._slots, loop=loop, **self._handler_args)
        try:
            # shielded: a stop() landing here would close a connection whose request may already
            # be running, and its caller would never hear the answer of a call that was applied
            await asyncio.shield(loop.connect_accepted_socket(lambda: connection, conn))
        except OSError:  # the client went away before we took it
            conn.close()
            if not connection.opened:
                self._slots.release()
