"""The daemon itself: ping and rpc.discover."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from daemon.context import Context
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc


@rpc_method(retry="safe", uses_stores=False)
async def ping(ctx: Context) -> Literal["pong"]:
    """Answers "pong": the daemon is up and dispatching."""
    return "pong"


@rpc_method(name="rpc.discover", retry="safe", uses_stores=False)
async def discover(ctx: Context) -> Annotated[dict[str, Any], Doc("an OpenRPC 1.3 document")]:
    """This service's OpenRPC 1.3 document: every method, its params, result and errors."""
    return ctx.openrpc
