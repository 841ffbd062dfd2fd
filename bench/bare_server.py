"""The floor for `ping`: a bare aiohttp + orjson handler answering JSON-RPC ping, nothing else.

    python bench/bare_server.py [PORT]     (0, the default: any free port)

It parses the body, answers `{"jsonrpc":"2.0","result":"pong","id":…}` (a list for a batch)
and prints `bare server listening on http://127.0.0.1:PORT`, like the daemon. It runs on
uvloop when installed, as `dbmanager serve` does, so the two differ only in what the daemon
does per call.
"""

from __future__ import annotations

import asyncio
import sys

import orjson
from aiohttp import web


def _pong(call: dict) -> dict:
    return {"jsonrpc": "2.0", "result": "pong", "id": call.get("id")}


async def rpc(request: web.Request) -> web.Response:
    payload = orjson.loads(await request.read())
    answer = [_pong(c) for c in payload] if isinstance(payload, list) else _pong(payload)
    return web.Response(body=orjson.dumps(answer), content_type="application/json")


async def serve(port: int) -> None:
    app = web.Application()
    app.router.add_post("/rpc", rpc)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1]
    print(f"bare server listening on http://127.0.0.1:{bound}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    try:
        import uvloop
        uvloop.run(serve(port))
    except ImportError:
        asyncio.run(serve(port))


if __name__ == "__main__":
    main()
