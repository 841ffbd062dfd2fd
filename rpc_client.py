"""A client for dbmanager's JSON-RPC 2.0 API, in one file: copy it into any project.

    from rpc_client import Client, InsufficientBalance

    client = Client("http://127.0.0.1:8005", token="…")
    client.wait_until_ready(timeout=30)              # for workers that start before the daemon
    user = client.create_user(email="ada@example.com")
    client.top_up_credits(user["id"], 100)           # params by position…
    client.spend_credits(user_id=user["id"], cost=5) # …or by name
    client.call("rpc.discover")                      # any method, dotted names included
    client.batch([("get_credits", [user["id"]]), ("get_user_by_id", ["nobody"])])
    # → [95, NotFound(1002, 'Not found', {'kind': 'user', 'id': 'nobody'})]

`Client` is synchronous and needs only the standard library. It keeps one keep-alive connection
per thread (threading.local), so one Client may be shared by every thread of a program.
`AsyncClient` has the same calls as coroutines, on aiohttp (imported only when it is used).

Errors: a failed call raises the RPCError subclass of its code (NotFound, Conflict, …); in a
batch the error takes the call's place in the list instead. Results are returned as the daemon
sent them: fields this client does not know are kept, never checked.

Retries, never a double charge: connection failures and the "safe to retry" errors -32002
(Unavailable) and -32003 (Timeout) are retried with exponential backoff and jitter until
`retry_deadline_s` has passed (0: never retry). Reads are retried freely. Credit writes are
retried with their `transaction_key`, and the client generates one (uuid4) for every credit write
sent without one, so a retry replays the first call instead of charging again. Other writes
(create_user, and any method this file does not know) are retried only when the request surely
never left, i.e. the connection could not be opened. When the daemon cannot be reached in time,
the call raises Unavailable (or Timeout, for no answer within `timeout`), with
`data = {"reason": …, "request_sent": bool}`: `request_sent` true means it may have been applied.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import random
import selectors
import threading
import time
import urllib.parse
import uuid
import weakref
from typing import Any, Iterable

__all__ = [
    "Client", "AsyncClient", "RPCError", "ParseError", "InvalidRequest", "MethodNotFound", "InvalidParams",
    "InternalError", "Unauthorized", "Unavailable", "Timeout", "InsufficientBalance", "NotFound", "Conflict",
]

DEFAULT_TIMEOUT_S = 60.0  # longer than the daemon's own call timeout (30 s), so that its -32003 arrives first
DEFAULT_RETRY_DEADLINE_S = 30.0
_BACKOFF_FIRST_S, _BACKOFF_MAX_S = 0.05, 2.0
_READY_POLL_MAX_S = 0.5
_RETRY_CODES = (-32002, -32003)

READS = frozenset({"ping", "rpc.discover", "get_user_by_id", "get_credits", "get_transaction_history"})
# Credit writes and their params in positional order; transaction_key is always the last.
CREDIT_WRITES = {
    "spend_credits": ("user_id", "cost", "metadata", "transaction_key"),
    "top_up_credits": ("user_id", "amount", "metadata", "transaction_key"),
    "grant_credits": ("user_id", "amount", "reason", "transaction_key"),
    "refund_credits": ("user_id", "spend_transaction_key", "amount", "reason", "transaction_key"),
}


# ---------- errors ----------

class RPCError(Exception):
    """A JSON-RPC error: `code`, `message` and `data` (None when the daemon sent none)."""
    code: int = 0
    message: str = ""

    def __init__(self, code: int | None = None, message: str | None = None, data: Any = None):
        code = type(self).code if code is None else code
        message = type(self).message if message is None else message
        super().__init__(code, message, data)  # args as given, so that the error pickles
        self.code, self.message, self.data = code, message, data

    def __str__(self) -> str:
        return f"{self.code} {self.message}" + ("" if self.data is None else f": {self.data}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r}, {self.data!r})"


class ParseError(RPCError):
    code, message = -32700, "Parse error"


class InvalidRequest(RPCError):
    code, message = -32600, "Invalid Request"


class MethodNotFound(RPCError):
    code, message = -32601, "Method not found"


class InvalidParams(RPCError):
    code, message = -32602, "Invalid params"


class InternalError(RPCError):
    code, message = -32603, "Internal error"


class Unauthorized(RPCError):
    code, message = -32001, "Unauthorized"


class Unavailable(RPCError):
    code, message = -32002, "Unavailable"


class Timeout(RPCError):
    code, message = -32003, "Timeout"


class InsufficientBalance(RPCError):
    code, message = 1001, "Insufficient balance"


class NotFound(RPCError):
    code, message = 1002, "Not found"


class Conflict(RPCError):
    code, message = 1003, "Conflict"


ERRORS_BY_CODE = {cls.code: cls for cls in (
    ParseError, InvalidRequest, MethodNotFound, InvalidParams, InternalError, Unauthorized, Unavailable,
    Timeout, InsufficientBalance, NotFound, Conflict)}


def error_from(error: Any) -> RPCError:
    """A response's `error` member → the RPCError subclass of its code (RPCError for other codes)."""
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
        return InternalError(data={"reason": "malformed error object", "error": error})
    cls = ERRORS_BY_CODE.get(error["code"], RPCError)
    return cls(error["code"], str(error.get("message", "")), error.get("data"))


class _TransportError(Exception):
    """No JSON-RPC answer: the daemon could not be reached, or went away before answering."""

    def __init__(self, reason: str, sent: bool, timed_out: bool = False):
        super().__init__(reason)
        self.reason, self.sent, self.timed_out = reason, sent, timed_out

    def as_rpc_error(self) -> RPCError:
        cls = Timeout if self.timed_out else Unavailable
        return cls(data={"reason": self.reason, "request_sent": self.sent})


# ---------- one call: its params and whether sending it twice is harmless ----------

class _Call:
    def __init__(self, method: str, params: Any = None):
        if not isinstance(method, str):
            raise TypeError("a method name is a string")
        self.method, self.params, self.repeatable = method, _checked_params(params), method in READS
        if method in CREDIT_WRITES:
            self.params, self.repeatable = _with_transaction_key(self.params, CREDIT_WRITES[method])

    def request(self, request_id: int) -> dict:
        request = {"jsonrpc": "2.0", "method": self.method, "id": request_id}
        if self.params is not None:
            request["params"] = self.params
        return request


def _checked_params(params: Any) -> list | dict | None:
    if params is None or isinstance(params, dict):
        return params
    if isinstance(params, (list, tuple)):
        return list(params)
    raise TypeError("params are a list (by position), a dict (by name) or None")


def _with_transaction_key(params: list | dict | None, names: tuple[str, ...]) -> tuple[list | dict | None, bool]:
    """The params with a transaction_key, and whether they have one (too many positional params
    cannot be named; the daemon rejects them, and they are not retried)."""
    if isinstance(params, list):
        if len(params) > len(names):
            return params, False
        if len(params) == len(names) and params[-1] is not None:
            return params, True
        params = dict(zip(names, params))
    params = dict(params or {})
    if params.get("transaction_key") is None:
        params["transaction_key"] = str(uuid.uuid4())
    return params, True


def _params_from(args: tuple, kwargs: dict) -> list | dict | None:
    if args and kwargs:
        raise TypeError("JSON-RPC params go by position or by name, not both")
    return dict(kwargs) if kwargs else list(args) if args else None


def _calls_from(items: Iterable[Any]) -> list[_Call]:
    """batch() items: ("method", params), ("method",) or "method"."""
    calls = [_Call(item) if isinstance(item, str) else _Call(*item) for item in items]
    if not calls:
        raise ValueError("a batch holds at least one call")
    return calls


# ---------- the retry state of one request: what is settled, what is still to send ----------

class _Backoff:
    """Exponential delays with jitter, until a deadline."""

    def __init__(self, deadline_s: float, max_s: float = _BACKOFF_MAX_S):
        self._deadline = time.monotonic() + deadline_s
        self._ceiling, self._max_s = _BACKOFF_FIRST_S, max_s

    def remaining(self) -> float:
        return self._deadline - time.monotonic()

    def next_delay(self) -> float | None:
        """Seconds to wait before the next try (the last one at the deadline); None past it."""
        remaining = self.remaining()
        if remaining <= 0:
            return None
        # Jitter spreads the retries of many workers that all lost the daemon at the same moment.
        delay = random.uniform(self._ceiling / 2, self._ceiling)
        self._ceiling = min(self._ceiling * 2, self._max_s)
        return min(delay, remaining)


class _Attempts:
    """Sends → answers → retries, without I/O, so that both clients share one policy.
    Loop: `while (delay := a.next_delay()) is not None: sleep(delay); send a.body(); a.answered(…)`."""

    def __init__(self, calls: list[_Call], single: bool, deadline_s: float):
        self.single = single
        self.pending = dict(enumerate(calls, 1))  # request id → call
        self.settled: dict[int, Any] = {}
        self.last_error: dict[int, RPCError] = {}
        self._backoff = _Backoff(deadline_s)
        self._first = True

    def body(self) -> bytes:
        requests = [call.request(i) for i, call in self.pending.items()]
        return json.dumps(requests[0] if self.single else requests, separators=(",", ":")).encode()

    def next_delay(self) -> float | None:
        """Seconds to wait before the next send; None when every call is settled."""
        if not self.pending:
            return None
        if self._first:
            self._first = False
            return 0.0
        delay = self._backoff.next_delay()
        if delay is None:  # out of time: each call keeps the error of its last try
            self.settled.update(self.last_error)
            self.pending.clear()
        return delay

    def answered(self, responses: dict[int, dict]) -> None:
        for request_id, call in list(self.pending.items()):
            outcome = _outcome(responses.get(request_id))
            if isinstance(outcome, RPCError) and outcome.code in _RETRY_CODES and call.repeatable:
                self.last_error[request_id] = outcome
            else:
                self.settled[request_id] = outcome
                del self.pending[request_id]

    def failed(self, failure: _TransportError) -> None:
        for request_id, call in list(self.pending.items()):
            self.last_error[request_id] = failure.as_rpc_error()
            if failure.sent and not call.repeatable:  # it may have been applied: never send it again
                self.settled[request_id] = self.last_error[request_id]
                del self.pending[request_id]

    def results(self) -> list:
        return [self.settled[i] for i in sorted(self.settled)]


def _outcome(response: dict | None) -> Any:
    """A response object → its result, or the RPCError of its error."""
    if response is None:
        return InternalError(data={"reason": "the daemon sent no response for this call"})
    if "error" in response:
        return error_from(response["error"])
    return response.get("result")


def _responses(status: int, raw: bytes, ids: list[int]) -> dict[int, dict]:
    """An HTTP answer → response objects by request id. An error that is not about one call
    (a parse error, an oversized batch) is every call's answer."""
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = None
    if status == 401:  # the whole request is refused: raised, even for a batch
        raise error_from(payload["error"]) if isinstance(payload, dict) and "error" in payload else Unauthorized()
    if isinstance(payload, list):
        return {r["id"]: r for r in payload if isinstance(r, dict) and r.get("id") in ids}
    if isinstance(payload, dict) and ("result" in payload or "error" in payload):
        return {i: payload for i in ids} if len(ids) == 1 or payload.get("id") is None else {payload["id"]: payload}
    if status in (502, 503, 504):  # a proxy in front of a daemon that is down or restarting
        raise _TransportError(f"HTTP {status}", sent=True)
    error = InvalidRequest if status == 413 else InternalError
    return {i: {"error": {"code": error.code, "message": error.message, "data": {"http_status": status}}}
            for i in ids}


def _split_url(url: str) -> tuple[str, str, int | None, str]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return parts.scheme, parts.hostname, parts.port, parts.path.rstrip("/")


def _headers(token: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json",
               "User-Agent": "dbmanager-rpc-client"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _single_result(outcome: Any) -> Any:
    if isinstance(outcome, RPCError):
        raise outcome
    return outcome


# ---------- the synchronous client ----------

class _Connections:
    """One keep-alive http.client connection per thread."""

    def __init__(self, url: str, timeout: float):
        self.scheme, self.host, self.port, self.base_path = _split_url(url)
        self.timeout = timeout
        self._local = threading.local()
        self._all: weakref.WeakSet = weakref.WeakSet()  # a thread's connection goes when the thread does
        self._lock = threading.Lock()

    def request(self, method: str, path: str, body: bytes | None, headers: dict, timeout: float) -> tuple[int, bytes]:
        connection = self._open(timeout)
        try:
            connection.request(method, self.base_path + path, body, headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise _TransportError(f"{type(exc).__name__}: {exc}", sent=True,
                                  timed_out=isinstance(exc, TimeoutError)) from exc

    def _open(self, timeout: float) -> http.client.HTTPConnection:
        """This thread's connection, connected here, so that a failure to connect is known as
        "not sent" (http.client would otherwise reconnect inside request())."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._new_connection()
        if connection.sock is not None and _is_dropped(connection.sock):
            connection.close()  # the daemon closed this idle connection, or restarted
        connection.timeout = timeout
        try:
            if connection.sock is None:
                connection.connect()
            connection.sock.settimeout(timeout)
        except OSError as exc:
            connection.close()
            raise _TransportError(f"{type(exc).__name__}: {exc}", sent=False) from exc
        return connection

    def _new_connection(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        connection = cls(self.host, self.port, timeout=self.timeout)
        self._local.connection = connection
        with self._lock:
            self._all.add(connection)
        return connection

    def close(self) -> None:
        with self._lock:
            connections = list(self._all)
        for connection in connections:
            connection.close()


def _is_dropped(sock: Any) -> bool:
    """An idle keep-alive connection should have nothing to read; readable means the peer closed it."""
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(0))


class Client:
    """Synchronous client on the standard library. Thread-safe: each thread uses its own
    keep-alive connection. `timeout` bounds one HTTP exchange; `retry_deadline_s` bounds how long
    after the first try a retry may still start."""

    def __init__(self, url: str, token: str | None = None, timeout: float = DEFAULT_TIMEOUT_S,
                 retry_deadline_s: float = DEFAULT_RETRY_DEADLINE_S):
        self.url, self.timeout, self.retry_deadline_s = url.rstrip("/"), timeout, retry_deadline_s
        self._headers = _headers(token)
        self._connections = _Connections(url, timeout)

    def __repr__(self) -> str:  # never the token
        return f"Client({self.url!r})"

    def __getattr__(self, method: str):
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args, **kwargs: self.call(method, _params_from(args, kwargs))

    def call(self, method: str, params: list | dict | None = None) -> Any:
        """One call; its result, or raises its RPCError."""
        return _single_result(self._send(_Attempts([_Call(method, params)], True, self.retry_deadline_s))[0])

    def batch(self, calls: Iterable[Any]) -> list:
        """Many calls in one request: ("method", params) pairs (or bare names). Results in order,
        an RPCError instance in the place of each call that failed. HTTP 401 raises Unauthorized."""
        return self._send(_Attempts(_calls_from(calls), False, self.retry_deadline_s))

    def wait_until_ready(self, timeout: float = 30.0) -> None:
        """Polls GET /healthz until it answers 200; raises TimeoutError after `timeout` seconds."""
        polls = _Backoff(timeout, max_s=_READY_POLL_MAX_S)
        while (problem := self._health(max(min(self.timeout, polls.remaining()), 0.05))) is not None:
            delay = polls.next_delay()
            if delay is None:
                raise TimeoutError(f"{self.url} not ready after {timeout} s: {problem}")
            time.sleep(delay)

    def _health(self, timeout: float) -> str | None:
        """None when /healthz answers 200, else what it answered."""
        try:
            status, body = self._connections.request("GET", "/healthz", None, self._headers, timeout)
        except _TransportError as exc:
            return exc.reason
        return None if status == 200 else f"HTTP {status} {body[:200]!r}"

    def close(self) -> None:
        """Closes every thread's connection; call it when no call is in flight. Safe to call twice."""
        self._connections.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _send(self, attempts: _Attempts) -> list:
        while (delay := attempts.next_delay()) is not None:
            time.sleep(delay)
            try:
                status, raw = self._connections.request("POST", "/rpc", attempts.body(), self._headers, self.timeout)
                attempts.answered(_responses(status, raw, list(attempts.pending)))
            except _TransportError as failure:
                attempts.failed(failure)
        return attempts.results()


# ---------- the asynchronous client ----------

class AsyncClient:
    """The same calls as Client, as coroutines, on aiohttp:

        async with AsyncClient(url, token=…) as client:
            balance = await client.spend_credits(user_id, 5)
    """

    def __init__(self, url: str, token: str | None = None, timeout: float = DEFAULT_TIMEOUT_S,
                 retry_deadline_s: float = DEFAULT_RETRY_DEADLINE_S):
        _split_url(url)
        self.url, self.timeout, self.retry_deadline_s = url.rstrip("/"), timeout, retry_deadline_s
        self._headers = _headers(token)
        self._session: Any = None  # aiohttp.ClientSession, made on first use

    def __repr__(self) -> str:  # never the token
        return f"AsyncClient({self.url!r})"

    def __getattr__(self, method: str):
        if method.startswith("_"):
            raise AttributeError(method)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await self.call(method, _params_from(args, kwargs))
        return call

    async def call(self, method: str, params: list | dict | None = None) -> Any:
        """One call; its result, or raises its RPCError."""
        results = await self._send(_Attempts([_Call(method, params)], True, self.retry_deadline_s))
        return _single_result(results[0])

    async def batch(self, calls: Iterable[Any]) -> list:
        """As Client.batch."""
        return await self._send(_Attempts(_calls_from(calls), False, self.retry_deadline_s))

    async def wait_until_ready(self, timeout: float = 30.0) -> None:
        """Polls GET /healthz until it answers 200; raises TimeoutError after `timeout` seconds."""
        polls = _Backoff(timeout, max_s=_READY_POLL_MAX_S)
        while (problem := await self._health(max(min(self.timeout, polls.remaining()), 0.05))) is not None:
            delay = polls.next_delay()
            if delay is None:
                raise TimeoutError(f"{self.url} not ready after {timeout} s: {problem}")
            await asyncio.sleep(delay)

    async def _health(self, timeout: float) -> str | None:
        """None when /healthz answers 200, else what it answered."""
        try:
            status, body = await self._request("GET", "/healthz", None, timeout)
        except _TransportError as exc:
            return exc.reason
        return None if status == 200 else f"HTTP {status} {body[:200]!r}"

    async def close(self) -> None:
        """Closes the session's connections. Safe to call twice."""
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def _send(self, attempts: _Attempts) -> list:
        while (delay := attempts.next_delay()) is not None:
            await asyncio.sleep(delay)
            try:
                status, raw = await self._request("POST", "/rpc", attempts.body(), self.timeout)
                attempts.answered(_responses(status, raw, list(attempts.pending)))
            except _TransportError as failure:
                attempts.failed(failure)
        return attempts.results()

    async def _request(self, method: str, path: str, body: bytes | None, timeout: float) -> tuple[int, bytes]:
        import aiohttp
        if self._session is None:
            self._session = aiohttp.ClientSession(headers=self._headers)
        try:
            async with self._session.request(method, self.url + path, data=body,
                                             timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                return response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _aiohttp_failure(exc) from exc


def _aiohttp_failure(exc: Exception) -> _TransportError:
    import aiohttp
    # Only a failure to connect proves the request never left.
    not_sent = (aiohttp.ClientConnectorError, getattr(aiohttp, "ConnectionTimeoutError", aiohttp.ClientConnectorError))
    return _TransportError(f"{type(exc).__name__}: {exc}", sent=not isinstance(exc, not_sent),
                           timed_out=isinstance(exc, TimeoutError) and not isinstance(exc, not_sent))
