"""Cross-origin access for pages in a browser, opt in with DBM_CORS_ORIGINS; unset, no answer
carries a CORS header.

/rpc answers the preflight (OPTIONS, sent without a token, as browsers send it) and every answer
of a CORS path — errors such as 401 and 413 included, so the page can read why it was refused —
names an allowed Origin back. A disallowed origin gets no CORS header at all, which the browser
takes as a refusal. `Vary: Origin` keeps caches from serving one origin's answer to another.
No cookies are involved: a caller sends its token in Authorization, which the preflight allows
by name (a `*` in Access-Control-Allow-Headers would not cover it).

Hand-written rather than aiohttp-cors: that library answers a disallowed preflight with a 403
whose text quotes the request's Origin and headers (no answer here echoes request bytes),
refuses a resource with a catch-all route (/rpc has one, for its JSON 405) and sends no
`Vary: Origin`; what is needed is one handler and one header hook.
"""

from __future__ import annotations

from aiohttp import hdrs, web

from daemon.constants import CORS_MAX_AGE_S
from daemon.settings import ANY_ORIGIN

PATHS = frozenset({"/rpc", "/healthz", "/openrpc.json"})  # what a page calls; /metrics is for scrapers
_PREFLIGHT = {
    hdrs.ACCESS_CONTROL_ALLOW_METHODS: hdrs.METH_POST,
    hdrs.ACCESS_CONTROL_ALLOW_HEADERS: "Content-Type, Authorization",
    hdrs.ACCESS_CONTROL_MAX_AGE: str(CORS_MAX_AGE_S),
}


class Cors:
    """The origins of DBM_CORS_ORIGINS (as browsers spell them), or * alone."""

    def __init__(self, origins: tuple[str, ...]):
        self._any = origins == (ANY_ORIGIN,)
        self._origins = frozenset(origins)

    def allow_origin(self, request: web.BaseRequest) -> str | None:
        """Access-Control-Allow-Origin for this request, or None when its Origin is not allowed."""
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None:
            return None
        if self._any:
            return ANY_ORIGIN
        return origin if origin in self._origins else None

    async def preflight(self, request: web.Request) -> web.Response:
        """OPTIONS /rpc. Nothing to check but the origin: the browser enforces the methods and
        headers allowed here on the request that follows."""
        headers = _PREFLIGHT if self.allow_origin(request) is not None else {}
        return web.Response(status=204, headers=headers)

    async def on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        """Every answer of a CORS path, whatever made it: a handler, a refusal, aiohttp's own 405."""
        if request.path not in PATHS:
            return
        vary = response.headers.get(hdrs.VARY)
        response.headers[hdrs.VARY] = f"{vary}, {hdrs.ORIGIN}" if vary else hdrs.ORIGIN
        allowed = self.allow_origin(request)
        if allowed is not None:
            response.headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = allowed
