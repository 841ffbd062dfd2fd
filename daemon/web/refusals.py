"""The answers /rpc gives when it refuses a whole request before any call runs: each is a JSON-RPC
error with `"id": null` under its own HTTP status.

So a client in any language reads every answer of /rpc the same way, as JSON, and one that looks
only at the status still sees it. This table is the one place an HTTP status gets its code; `data`
holds facts about the limit, never bytes of the request, a host or a path. Malformed HTTP is not
here: the parser answers it with a bare status line (daemon.web.site), as it cannot know the
request was meant for /rpc.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from aiohttp import web

from daemon.errors import InvalidRequest, RpcError, Timeout, Unauthorized
from daemon.rpc.dispatch import error_body
from daemon.settings import Settings

# Each status → the error it answers. 408 is -32003: like a call past its timeout nothing ran,
# and a retry with the same transaction_key is harmless.
_ERRORS: dict[int, Callable[[Settings], RpcError]] = {
    401: lambda _: Unauthorized({"reason": "missing or unknown bearer token"}),
    403: lambda _: Unauthorized({"reason": "a request from a web page whose origin DBM_CORS_ORIGINS does not list"}),
    405: lambda _: InvalidRequest({"reason": "a JSON-RPC request is an HTTP POST"}),
    408: lambda _: Timeout(),
    413: lambda s: InvalidRequest({"reason": "the request body is too large", "limit": s.max_body_bytes}),
    415: lambda _: InvalidRequest({"reason": "a request body is not to be compressed (Content-Encoding)"}),
}


def refusal(status: int, settings: Settings, headers: Mapping[str, str] | None = None,
            reason: str | None = None) -> web.Response:
    """The answer of HTTP `status` (one of the table's) to a request refused whole; `reason`
    replaces the table's where one status has several causes (403)."""
    error = _ERRORS[status](settings)
    if reason is not None:
        error.data["reason"] = reason
    return web.Response(status=status, body=error_body(error), content_type="application/json", headers=headers)
