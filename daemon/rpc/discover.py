"""The OpenRPC 1.3 document, generated from the registry: the same specs that validate params."""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version

from daemon.errors import InternalError, InvalidParams, RpcError, Timeout, Unauthorized, Unavailable
from daemon.rpc.registry import REGISTRY, RpcMethod

_EVERY_CALL_MAY_ANSWER = (InvalidParams, Unauthorized, Unavailable, Timeout, InternalError)


@functools.cache
def openrpc_document() -> dict:
    return {
        "openrpc": "1.3.2",
        "info": {
            "title": "dbmanager",
            "version": _version(),
            "description": "One daemon that owns the database: JSON-RPC 2.0 over HTTP, a credit ledger "
                           "and an exactly-once audit stream.",
        },
        "servers": [{"name": "dbmanager", "url": "/rpc"}],
        "methods": [_method(m) for m in sorted(REGISTRY.values(), key=lambda m: m.name)],
    }


def _method(method: RpcMethod) -> dict:
    errors = [_error(e) for e in (*method.errors, *_EVERY_CALL_MAY_ANSWER) if e is not None]
    return {
        "name": method.name,
        "summary": method.summary.splitlines()[0] if method.summary else method.name,
        "description": method.summary or method.name,
        "paramStructure": "either",
        "params": [
            {"name": p.name, "required": p.required, "schema": p.schema,
             **({"description": p.description} if p.description else {})}
            for p in method.params
        ],
        "result": {"name": "result", "schema": method.result},
        "errors": errors,
    }


def _error(error: type[RpcError]) -> dict:
    return {"code": error.code, "message": error.message}


def _version() -> str:
    try:
        return version("dbmanager")
    except PackageNotFoundError:
        return "0.0.0"
