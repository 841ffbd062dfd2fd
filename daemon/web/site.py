"""Where the daemon listens: at most DBM_MAX_CONNECTIONS client connections at once, each
answering HTTP errors plainly.

aiohttp's own sites accept every connection the kernel hands them, so idle sockets alone (no
token needed) could use up the process's file descriptors and starve the stores of theirs.
This site keeps at most the limit open: at the limit it closes the connection idle the longest
to make room for a new one, and when all are working the new one waits in the listen backlog,
as a busy server's should. It also makes each connection's handler answer a
malformed request with a bare status line: aiohttp's own 400 body quotes the bytes it could not
parse, an Authorization header included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from daemon.logs import RateLimitedLog

log = logging.getLogger(__name__)

IDLE_BEFORE_EVICTION_S = 1.0  # a connection quiet this long, with nothing running, may be closed for a new one
_accept_failures = RateLimitedLog("daemon.http", "connections the daemon could not accept (file descriptors?)")


class _Connection(RequestHandler):
    """aiohttp's handler of one connection, which tells its site when it opens, works and
    closes, and never echoes a request's bytes in an error."""

    __slots__ = ("_site", "opened", "busy", "last_active")

    def __init__(self, manager: web.Server, site: BoundedSite, **kwargs: Any):
        super().__init__(manager, **kwargs)
        self._site = site
        self.opened = False
        self.busy = 0  # requests of this connection being handled (counted by daemon.web.server)
        self.last_active = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.opened = True
        self._site.opened(self)
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.last_active = time.monotonic()
        super().data_received(data)

    def connection_lost(self, exc: BaseException | None) -> None:
        try:
            super().connection_lost(exc)
        finally:
            if self.opened:
                self.opened = False
                self._site.closed(self)

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
        self._starting: set[asyncio.Task[None]] = set()  # connections being handed to aiohttp
        self._open: set[_Connection] = set()

    def opened(self, connection: _Connection) -> None:
        self._open.add(connection)

    def closed(self, connection: _Connection) -> None:
        self._open.discard(connection)
        self._slots.release()

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
        await asyncio.gather(*self._starting, return_exceptions=True)  # each ends once aiohttp has its connection
        self._sock.close()
        await super().stop()

    async def _accept(self) -> None:
        """Takes every connection waiting in the backlog each time the socket is ready, as
        the event loop's own servers do. One accept per wake-up took three loop turns a
        connection, and under load a turn is a few milliseconds of other calls: a client
        opening 64 connections at once waited most of a second for its last one."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                waiting: socket.socket | None = (await loop.sock_accept(self._sock))[0]
                while waiting is not None:
                    try:
                        await self._make_room()
                    except asyncio.CancelledError:
                        waiting.close()
                        raise
                    self._start(loop, waiting)
                    waiting = self._next_waiting()
            except OSError:  # out of file descriptors, say: back off, and let the stores keep theirs
                _accept_failures.hit()
                await asyncio.sleep(0.1)

    def _next_waiting(self) -> socket.socket | None:
        """A connection already in the backlog, or None (OSError as from accept)."""
        try:
            conn, _ = self._sock.accept()
        except BlockingIOError:
            return None
        conn.setblocking(False)
        return conn

    def _start(self, loop: asyncio.AbstractEventLoop, conn: socket.socket) -> None:
        task = loop.create_task(self._serve(loop, conn))
        self._starting.add(task)  # a reference, so that the task is not collected while it runs
        task.add_done_callback(self._starting.discard)

    async def _make_room(self) -> None:
        """A slot for one more connection. At the limit, the connection idle the longest (none of
        its requests running: a keep-alive between calls, or one that never sent a whole
        request) is closed to make room, so idle sockets cannot keep callers out; when every
        open connection is working, the new one waits for the first to close."""
        while self._slots.locked():
            quiet_since = time.monotonic() - IDLE_BEFORE_EVICTION_S  # an answer just sent is still on its way
            idle = [c for c in self._open if c.busy == 0 and c.last_active < quiet_since]
            if idle:
                min(idle, key=lambda c: c.last_active).force_close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(IDLE_BEFORE_EVICTION_S):
                    await self._slots.acquire()
                    return
        await self._slots.acquire()

    async def _serve(self, loop: asyncio.AbstractEventLoop, conn: socket.socket) -> None:
        """Hands the accepted socket to aiohttp; whatever goes wrong, the loop that accepts goes on
        and the slot comes back."""
        server = self._runner.server
        assert server is not None
        connection: _Connection | None = None
        try:
            connection = _Connection(server, self, loop=loop, **self._handler_args)
            # never cancelled: stop() waits for this task (see _start) rather than cancel it, as
            # a connection closed here might have a request running whose answer would be lost
            await loop.connect_accepted_socket(lambda: connection, conn)
        except Exception as exc:
            if not isinstance(exc, OSError):  # an OSError: the client went away before we took it
                log.error("could not serve a connection (%s)", type(exc).__name__)
            conn.close()
            if connection is None or not connection.opened:
                self._slots.release()


@contextlib.contextmanager
def working(request: web.Request) -> Iterator[None]:
    """Marks the request's connection as working, so it is never closed to make room meanwhile."""
    connection = request.protocol
    if not isinstance(connection, _Connection):  # an in-process test server's
        yield
        return
    connection.busy += 1
    try:
        yield
    finally:
        connection.busy -= 1
        connection.last_active = time.monotonic()
