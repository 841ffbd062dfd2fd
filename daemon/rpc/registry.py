"""The method registry: `@rpc_method` turns a plain typed async function into a JSON-RPC method.

A domain function looks like `async def get_credits(ctx: Services, user_id: UserId) -> int`.
Its signature (after `ctx`) is compiled once into param checks (`daemon.rpc.params`) and into
the OpenRPC description (`daemon.rpc.discover`).
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, Awaitable, Callable

from daemon.errors import RpcError
from daemon.rpc.params import ParamSpec


@dataclasses.dataclass(frozen=True)
class RpcMethod:
    name: str
    func: Callable[..., Awaitable[Any]]
    params: list[ParamSpec]
    summary: str
    result: dict  # JSON Schema of the result
    errors: tuple[type[RpcError], ...]


REGISTRY: dict[str, RpcMethod] = {}


def rpc_method(*, result: dict, errors: tuple[type[RpcError], ...] = (), name: str | None = None):
    def register(func: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        method_name = name or func.__name__
        if method_name in REGISTRY:
            raise ValueError(f"method {method_name} registered twice")
        REGISTRY[method_name] = RpcMethod(
            name=method_name,
            func=func,
            params=ParamSpec.from_function(func),
            summary=inspect.getdoc(func) or "",
            result=result,
            errors=errors,
        )
        return func
    return register
