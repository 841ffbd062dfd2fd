"""The HTTP face: POST /rpc, GET /healthz, GET /metrics, on aiohttp."""

from __future__ import annotations

import asyncio

import orjson
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from daemon import constants
from daemon.auth import EVERYTHING
from daemon.rpc import dispatch
from daemon.services import Services

SERVICES = web.AppKey("services", Services)
DISPATCHER = web.AppKey("dispatcher", dispatch.Dispatcher)
_JSON = "application/json"


def make_app(services: Services) -> web.Application:
    app = web.Application(client_max_size=services.settings.max_body_bytes,
                          handler_args={"keepalive_timeout": constants.HTTP_KEEPALIVE_TIMEOUT_S})
    app[SERVICES] = services
    app[DISPATCHER] = dispatch.Dispatcher(services.registry)
    app.router.add_post("/rpc", rpc)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


async def rpc(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    grant = EVERYTHING
    if services.tokens is not None:
        granted = services.tokens.grant_for(request.headers.get("Authorization"))
        if granted is None:
            return web.Response(status=401, body=dispatch.unauthorized_body(), content_type=_JSON,
                                headers={"WWW-Authenticate": "Bearer"})
        grant = granted
    body = await _read_body(request, services.settings.call_timeout_s)
    if body is None:
        return web.Response(status=408, headers={"Connection": "close"})
    answer = await request.app[DISPATCHER].handle(body, dispatch.Call(services, grant.allows),
                                                  services.settings.max_batch)
    if answer is None:
        return web.Response(status=204)
    return web.Response(body=answer, content_type=_JSON)


async def _read_body(request: web.Request, timeout_s: float) -> bytes | None:
    """The body, or None when it took longer than a call may: aiohttp itself waits for a body
    forever, so a client that stalls or trickles one would hold its request open for good."""
    if request.content.is_eof():  # it all came with the headers (the usual case): no timer to arm
        return await request.read()
    try:
        async with asyncio.timeout(timeout_s):
            return await request.read()  # past client_max_size aiohttp answers 413
    except TimeoutError:
        return None


async def healthz(request: web.Request) -> web.Response:
    stores = await request.app[SERVICES].health()
    ok = all(v == "ok" for v in stores.values())
    return web.Response(status=200 if ok else 503, content_type=_JSON,
                        body=orjson.dumps({"status": "ok" if ok else "unavailable", **stores}))


async def metrics(request: web.Request) -> web.Response:
    body = request.app[SERVICES].metrics.render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
