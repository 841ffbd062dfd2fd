"""The OpenRPC 1.3 document, generated from the registry: the same specs that validate params,
and each method's return annotation for its result. Its server is where the daemon listens."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from daemon.errors import InternalError, InvalidParams, RpcError, Timeout, Unauthorized, Unavailable

if TYPE_CHECKING:
    from daemon.rpc.registry import Registry, RpcMethod

_EVERY_CALL_MAY_ANSWER = (InvalidParams, Unauthorized, Unavailable, Timeout, InternalError)
_SERVER_DESCRIPTION = ("Where the daemon listens (DBM_HOST, DBM_PORT). A caller that reaches it another way (through "
                       "a proxy, a Unix socket, or another of its host's addresses when it listens on all of them, "
                       "0.0.0.0 or ::) uses the address it reaches it by.")


def openrpc_document(registry: Registry, server_url: str) -> dict[str, Any]:
    return {
        "openrpc": "1.3.2",
        "info": {
            "title": "dbmanager",
            "version": _version(),
            "description": "One daemon that owns the database: JSON-RPC 2.0 over HTTP, a credit ledger "
                           "and an exactly-once audit stream.",
        },
        "servers": [{"name": "dbmanager", "url": server_url, "description": _SERVER_DESCRIPTION}],
        "methods": [_method(m) for m in sorted(registry.methods.values(), key=lambda m: m.name)],
    }


def rpc_url(host: str, port: int) -> str:
    """The absolute URL of /rpc on host:port (OpenRPC tools accept only an absolute URI there).
    It is made from the listen address, never from a request's Host header, so no answer
    echoes what a caller sent; an IPv6 literal goes in brackets and its zone's % is escaped (RFC 6874)."""
    if ":" in host:
        host = "[" + host.replace("%", "%25") + "]"
    return f"http://{host}:{port}/rpc"


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
