"""The HTTP face: POST /rpc, GET /healthz, GET /metrics, on aiohttp.

What one request may cost the daemon is bounded here: bodies with a Content-Encoding are refused
unread (aiohttp would inflate them), a body must arrive within the call timeout, an answer must
be taken within it too (a client that never reads is cut off), and /healthz, which needs no
token, runs its store checks at most once a second however often it is asked.
"""

from __future__ import annotations

import asyncio
import time

import orjson
from aiohttp import hdrs, web
from prometheus_client import CONTENT_TYPE_LATEST

from daemon import constants
from daemon.auth import EVERYTHING, Grant
from daemon.logs import RateLimitedLog
from daemon.rpc import dispatch
from daemon.services import Services
from daemon.web.cors import Cors
from daemon.web.refusals import refusal
from daemon.web.site import working

SERVICES = web.AppKey("services", Services)
DISPATCHER = web.AppKey("dispatcher", dispatch.Dispatcher)
LIMITS = web.AppKey("limits", dispatch.Limits)  # made once: a frozen dataclass costs microseconds to build
CORS = web.AppKey("cors", Cors)
_JSON = "application/json"
_SMALL_WRITE = 64 * 1024  # an answer this small, to a client that reads, is taken by the kernel at once


# aiohttp's settings for each connection (also given to daemon.web.site, which makes the connections)
HANDLER_ARGS = {
    "keepalive_timeout": constants.HTTP_KEEPALIVE_TIMEOUT_S,
    "auto_decompress": False,  # a compressed body is refused, never inflated
    "access_log": None,  # one line per call is ours
}


def make_app(services: Services) -> web.Application:
    app = web.Application(client_max_size=services.settings.max_body_bytes, handler_args=HANDLER_ARGS)
    app[SERVICES] = services
    app[DISPATCHER] = dispatch.Dispatcher(services.registry)
    app[LIMITS] = dispatch.Limits(services.settings.max_batch, services.settings.max_response_bytes,
                                  services.settings.max_calls_per_request)
    app[HEALTH] = HealthCache(services)
    app[UNAUTHORIZED_LOG] = RateLimitedLog("daemon.auth", "requests refused with HTTP 401 (a missing or unknown token)")
    app.on_response_prepare.append(_no_banner)
    app[CORS] = Cors(services.settings.cors_origins or ())
    rpc_resource = app.router.add_resource("/rpc")
    rpc_resource.add_route(hdrs.METH_POST, rpc)
    if services.settings.cors_origins is not None:  # unset: not even a hook on the way out
        cors = app[CORS]
        rpc_resource.add_route(hdrs.METH_OPTIONS, cors.preflight)
        app.on_response_prepare.append(cors.on_prepare)
    rpc_resource.add_route(hdrs.METH_ANY, not_allowed)  # after the others: every other method, answered in JSON
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/openrpc.json", openrpc)
    return app


async def rpc(request: web.Request) -> web.StreamResponse:
    with working(request):  # while a call runs and its answer goes out, its connection is never evicted
        return await _rpc(request)


async def _rpc(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    settings = services.settings
    if request.headers.get(hdrs.CONTENT_ENCODING, "identity").lower() != "identity":
        return await _closing(request, refusal(415, settings))
    if hdrs.ORIGIN in request.headers and request.app[CORS].allow_origin(request) is None:
        # A browser sends Origin with every cross-site POST, and a text/plain POST needs no
        # preflight: without this, any page the user opens could spend from a loopback ledger
        # that has no token. Clients that are not browsers send no Origin.
        return await _closing(request, refusal(403, settings))
    grant = _grant(request)
    if grant is None:
        return await _closing(request, refusal(401, settings, {"WWW-Authenticate": "Bearer"}))
    body = await _read_body(request, settings.call_timeout_s)
    if isinstance(body, int):
        # 408 closes the connection (the rest of the body may never come); after a 413 aiohttp
        # reads and drops the rest for a while, so that the client, still sending, hears the answer
        response = refusal(body, settings)
        return await _closing(request, response) if body == 408 else response
    answer = await request.app[DISPATCHER].handle(body, dispatch.Call(services, grant.allows), request.app[LIMITS])
    if answer is None:
        return web.Response(status=204)
    return await _answer(request, web.Response(body=answer, content_type=_JSON), len(answer), settings.call_timeout_s)


async def not_allowed(request: web.Request) -> web.Response:
    settings = request.app[SERVICES].settings
    allow = "OPTIONS, POST" if settings.cors_origins is not None else hdrs.METH_POST
    return refusal(405, settings, {hdrs.ALLOW: allow})


def _grant(request: web.Request) -> Grant | None:
    """What the caller may call: everything when no token file is set; None for a missing or
    unknown token (counted, and logged at most once per interval)."""
    services = request.app[SERVICES]
    if services.tokens is None:
        return EVERYTHING
    grant = services.tokens.grant_for(request.headers.get("Authorization"))
    if grant is None:
        services.metrics.unauthorized.inc()
        request.app[UNAUTHORIZED_LOG].hit()
    return grant


async def _read_body(request: web.Request, timeout_s: float) -> bytes | int:
    """The body, or the status that refuses it: 413 past DBM_MAX_BODY_BYTES (aiohttp's
    client_max_size), 408 when it took longer than a call may (aiohttp itself waits for a body
    forever, so a client that stalls or trickles one would hold its request open for good)."""
    try:
        if request.content.is_eof():  # it all came with the headers (the usual case): no timer to arm
            return await request.read()
        async with asyncio.timeout(timeout_s):
            return await request.read()
    except web.HTTPRequestEntityTooLarge:
        return 413
    except TimeoutError:
        return 408


async def _answer(request: web.Request, response: web.Response, size: int, timeout_s: float) -> web.StreamResponse:
    """Sends the answer within the timeout, or cuts the connection: a client that never reads
    would otherwise hold its answer in the daemon's memory for as long as it liked. A small
    answer to a client that has taken everything so far cannot stall, and needs no timer."""
    transport = request.transport
    if transport is None or (size <= _SMALL_WRITE and transport.get_write_buffer_size() == 0):
        return response
    try:
        async with asyncio.timeout(timeout_s):
            await response.prepare(request)
            await response.write_eof()
    except TimeoutError:
        transport.abort()  # frees what is buffered for it
    return response


async def _closing(request: web.Request, response: web.Response) -> web.Response:
    """Answered without reading the rest of the body, and the connection closed as soon as the
    answer is out: aiohttp would otherwise go on reading (and dropping) the body for 10 s."""
    response.force_close()
    await response.prepare(request)
    await response.write_eof()
    if request.transport is not None:
        request.transport.close()  # after what is buffered is sent
    return response


async def _no_banner(request: web.Request, response: web.StreamResponse) -> None:
    response.headers[hdrs.SERVER] = "dbmanager"  # aiohttp would add its own and Python's versions


class HealthCache:
    """/healthz answers from store checks at most HEALTH_CACHE_S old: a flood of unauthenticated
    health checks costs one real check a second, and callers arriving together share it."""

    def __init__(self, services: Services):
        self._services = services
        self._result: dict[str, str] | None = None
        self._at = 0.0
        self._running: asyncio.Task[dict[str, str]] | None = None

    async def get(self) -> dict[str, str]:
        if self._result is not None and time.monotonic() - self._at < constants.HEALTH_CACHE_S:
            return self._result
        if self._running is None:
            self._running = asyncio.create_task(self._check())
        return await asyncio.shield(self._running)

    async def _check(self) -> dict[str, str]:
        try:
            self._result = await self._services.health()
            self._at = time.monotonic()
            return self._result
        finally:
            self._running = None


HEALTH = web.AppKey("health", HealthCache)
UNAUTHORIZED_LOG = web.AppKey("unauthorized_log", RateLimitedLog)


async def healthz(request: web.Request) -> web.Response:
    stores = await request.app[HEALTH].get()
    ok = all(v == "ok" for v in stores.values())
    return web.Response(status=200 if ok else 503, content_type=_JSON,
                        body=orjson.dumps({"status": "ok" if ok else "unavailable", **stores}))


async def openrpc(request: web.Request) -> web.Response:
    """The OpenRPC document rpc.discover answers, for tools that fetch a URL. It is guarded as
    rpc.discover is, since it is the same answer: with a token file, HTTP 401 without a valid
    token and 403 for a token whose globs do not allow rpc.discover."""
    settings = request.app[SERVICES].settings
    grant = _grant(request)
    if grant is None:
        return await _closing(request, refusal(401, settings, {"WWW-Authenticate": "Bearer"}))
    if not grant.allows("rpc.discover"):
        return await _closing(request, refusal(403, settings, reason="this token may not call this method"))
    return web.Response(body=orjson.dumps(request.app[SERVICES].openrpc), content_type=_JSON)


async def metrics(request: web.Request) -> web.Response:
    body = request.app[SERVICES].metrics.render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
