"""The daemon itself: ping and rpc.discover."""

from __future__ import annotations

from daemon.rpc.discover import openrpc_document
from daemon.rpc.registry import rpc_method


@rpc_method(result={"type": "string", "const": "pong"})
async def ping(ctx) -> str:
    """Answers "pong": the daemon is up and dispatching."""
    return "pong"


@rpc_method(name="rpc.discover", result={"$ref": "https://raw.githubusercontent.com/open-rpc/meta-schema/master/schema.json"})
async def discover(ctx) -> dict:
    """This service's OpenRPC 1.3 document: every method, its params, result and errors."""
    return openrpc_document()
