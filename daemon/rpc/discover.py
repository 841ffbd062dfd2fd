"""The OpenRPC 1.3 document, generated from the registry: the same specs that validate params,
and each method's return annotation for its result."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from daemon.errors import InternalError, InvalidParams, RpcError, Timeout, Unauthorized, Unavailable

if TYPE_CHECKING:
    from daemon.rpc.registry import Registry, RpcMethod

_EVERY_CALL_MAY_ANSWER = (InvalidParams, Unauthorized, Unavailable, Timeout, InternalError)


def openrpc_document(registry: Registry) -> dict[str, Any]:
    return {
        "openrpc": "1.3.2",
        "info": {
            "title": "dbmanager",
            "version": _version(),
            "description": "One daemon that owns the database: JSON-RPC 2.0 over HTTP, a credit ledger "
                           "and an exactly-once audit stream.",
        },
        "servers": [{"name": "dbmanager", "url": "/rpc"}],
        "methods": [_method(m) for m in sorted(registry.methods.values(), key=lambda m: m.name)],
    }


def _method(method: RpcMethod) -> dict[str, Any]:
    errors = [_error(e) for e in (*method.errors, *_EVERY_CALL_MAY_ANSWER)]
    return {
        "name": method.name,
        "tags": [{"name": method.domain}],
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
        "x-retry": method.retry,
    }


def _error(error: type[RpcError]) -> dict[str, Any]:
    return {"code": error.code, "message": error.message}


def _version() -> str:
    try:
        return version("dbmanager")
    except PackageNotFoundError:
        return "0.0.0"
