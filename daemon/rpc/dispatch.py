"""JSON-RPC 2.0, to the letter. jsonrpcserver makes each member's request (method, params, id
or the mark of a notification) and splits its params; the rest is ours, because the rest of
jsonrpcserver 5.0.9 departs from the spec or costs more than the call (see DEVELOPERS.md):
- it rejects a whole batch when one member is invalid → we parse once with orjson and check
  each member's envelope here, so an invalid member gets its own -32600 and the rest run;
- it validates with jsonschema, two thirds of its dispatch time → we check the envelope ourselves;
- it puts exception text into -32603 → `_invoke` catches everything: our typed errors map to
  their codes, anything else to -32603 with a request id;
- its calls and responses go through Either values and named tuples, rebuilt three times per
  call → `_invoke` answers the result or the error, and `_member` wraps it in the response.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import itertools
import json
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import orjson
import structlog
from jsonrpcserver.dispatcher import create_request, extract_kwargs
from jsonrpcserver.sentinels import NOID

from daemon import logs
from daemon.context import Context
from daemon.errors import (
    InternalError,
    InvalidRequest,
    MethodNotFound,
    ParseError,
    ResponseTooLarge,
    RpcError,
    Timeout,
    Unauthorized,
    Unavailable,
)
from daemon.rpc.params import bind
from daemon.rpc.registry import Registry, RpcMethod
from daemon.rpc.slots import Slots
from daemon.storage.database import is_unreachable

if TYPE_CHECKING:
    from daemon.rpc.deadlines import Deadlines
    from daemon.web.metrics import Metrics

log = structlog.get_logger("daemon.calls")

_ID_TYPES = (str, int, float, type(None))


class DispatchContext(Context, Protocol):
    """What dispatch needs of the daemon besides what methods see."""
    @property
    def metrics(self) -> Metrics: ...

    @property
    def deadlines(self) -> Deadlines: ...

    @property
    def call_slots(self) -> Slots: ...


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one request may ask of the daemon (DBM_MAX_BATCH, DBM_MAX_RESPONSE_BYTES, DBM_MAX_CALLS_PER_REQUEST)."""
    max_batch: int
    max_response_bytes: int
    max_calls_per_request: int


@dataclasses.dataclass
class Call:
    """One request's caller: the daemon and what the caller may call."""
    services: DispatchContext
    allows: Callable[[str], bool]  # may this caller call that method?
    arrived: float | None = None  # a batch's arrival (event-loop time): its members' deadlines count from it


class Dispatcher:
    """A request body → its response body, for the methods of one registry."""

    def __init__(self, registry: Registry):
        self.registry = registry
        self._methods = registry.methods

    async def handle(self, body: bytes, call: Call, limits: Limits) -> bytes | None:
        """The response body, or None when nothing is to be answered (HTTP 204)."""
        try:
            payload = _parse(body)
        except (ValueError, RecursionError):  # RecursionError: the standard library's parser, nested deep
            return _dump(_error(ParseError(), None))
        if isinstance(payload, list):
            return await self._batch(payload, call, limits)
        answers = _Answers(1, limits.max_response_bytes)
        answers.offer(0, await self._member(payload, call))
        return answers.body(batch=False)

    async def _batch(self, members: list[Any], call: Call, limits: Limits) -> bytes | None:
        if not members:
            return _dump(_error(InvalidRequest(), None))
        if len(members) > limits.max_batch:
            return _dump(_error(InvalidRequest({"reason": f"a batch holds at most {limits.max_batch} calls"}), None))
        # Members are independent. At most DBM_MAX_CALLS_PER_REQUEST of them run at once (this
        # request's share of the daemon's call slots, so one caller's batch cannot starve the
        # others), on as many workers, each taking the next member as it finishes: a task per
        # member was 25,600 tasks, most of the daemon's memory, for 256 batches of 100 waiting on
        # 1,024 slots. Each member's deadline counts from the request's arrival, so the caller
        # hears back within the timeout wherever its call stands in the batch.
        call = dataclasses.replace(call, arrived=asyncio.get_running_loop().time())
        answers = _Answers(len(members), limits.max_response_bytes)
        waiting = iter(enumerate(members))

        async def work() -> None:
            for index, member in waiting:
                answers.offer(index, await self._member(member, call))
        await asyncio.gather(*(work() for _ in range(min(len(members), limits.max_calls_per_request))))
        return answers.body(batch=True)

    async def _member(self, member: Any, call: Call) -> dict[str, Any] | None:
        problem = _envelope_problem(member)
        if problem is not None:
            return _error(InvalidRequest({"reason": problem}), _echoable_id(member))
        method = self._methods.get(member["method"])
        if method is None:
            return _error(MethodNotFound(member["method"]), member.get("id")) if "id" in member else None
        request = create_request(member)
        args = request.params if isinstance(request.params, list) else []
        answer = await _invoke(method, call, args, extract_kwargs(request))
        if request.id is NOID:  # a notification: it ran, and is answered with nothing
            return None
        answer["id"] = request.id
        return answer

def _echoable_id(member: Any) -> Any:
    """The id of an invalid request, when it is one the spec lets us echo; else null."""
    request_id = member.get("id") if isinstance(member, dict) else None
    return request_id if isinstance(request_id, _ID_TYPES) and not isinstance(request_id, bool) else None


def _envelope_problem(member: Any) -> str | None:
    if not isinstance(member, dict):
        return "a request is a JSON object"
    if member.get("jsonrpc") != "2.0":
        return 'jsonrpc must be exactly "2.0"'
    if not isinstance(member.get("method"), str):
        return "method must be a string"
    if "params" in member and not isinstance(member["params"], (list, dict)):
        return "params must be an array or an object"
    if "id" in member and (not isinstance(member["id"], _ID_TYPES) or isinstance(member["id"], bool)):
        return "id must be a string, a number or null"
    extra = set(member) - {"jsonrpc", "method", "params", "id"}
    if extra:
        return f"unknown member {sorted(extra)[0]}"
    return None


async def _invoke(method: RpcMethod, call: Call, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's response without its id: its result, or the error anything it raised maps to."""
    services = call.services
    started = time.perf_counter()
    request_id = None  # made when needed
    try:
        if not call.allows(method.name):
            raise Unauthorized({"reason": "this token may not call this method"})
        bound = bind(method.params, args, kwargs)
        if method.uses_stores:
            result = await _bounded(method, call, bound)
        else:  # nothing to wait for, so nothing to bound: it returns before a deadline could pass
            result = await method.func(services, **bound)
        code, answer = 0, {"jsonrpc": "2.0", "result": result}
    except Exception as exc:
        error = _as_rpc_error(exc)
        if isinstance(error, InternalError):
            request_id = error.data["request_id"]
            log.exception("call failed", request_id=request_id, method=method.name)
        code, answer = error.code, _error(error, None)
        del answer["id"]
    services.metrics.observe_call(method.name, code, time.perf_counter() - started)
    _log_call(request_id, method.name, code, started)
    return answer


async def _bounded(method: RpcMethod, call: Call, bound: dict[str, Any]) -> Any:
    """The method, within the call deadline and holding a call slot. The timeout counts the wait
    for a slot too (and, in a batch, the wait for a worker): a caller hears back within it,
    whatever the load."""
    services = call.services
    async with services.deadlines.within(call.arrived), services.call_slots:
        return await method.func(services, **bound)


def _as_rpc_error(exc: Exception) -> RpcError:
    """The one place an exception becomes an error code."""
    if isinstance(exc, RpcError):
        return exc
    if isinstance(exc, TimeoutError):
        return Timeout()
    if is_unreachable(exc):
        return Unavailable()
    return InternalError({"request_id": new_request_id()})


def _log_call(request_id: str | None, method: str, code: int, started: float) -> None:
    if logs.calls_logged():
        logs.log_call(request_id or new_request_id(), method, code, round((time.perf_counter() - started) * 1000, 3))


_REQUEST_ID_PREFIX = secrets.token_hex(8)
_request_numbers = itertools.count(1)


def new_request_id() -> str:
    """32 hex digits, unique across calls and daemons: a random half drawn once per process and
    the call's number. A uuid4 per call would cost a system call each (os.urandom)."""
    return f"{_REQUEST_ID_PREFIX}{next(_request_numbers):016x}"


class _Answers:
    """The answers of one request, serialized as each call finishes and kept in request order
    while they fit in `limit` bytes: the first that would pass it, and every later one, is
    answered -32005 instead — except an answer no larger than that error, which is always sent
    (withholding it saves nothing, and a spend's balance must never read as not done). A kept
    answer is dropped as soon as the answers before it are known to fill the limit, so the
    daemon never holds much more than `limit` of answers, however large the results asked for."""

    def __init__(self, count: int, limit: int):
        self.limit = limit
        self.error_size = _too_large_size(limit)  # a -32005 answer's length, its id aside
        self.parts: list[bytes | None] = [None] * count
        self.ids: dict[int, Any] = {}  # every answered member (not notifications) → its id
        self.small: set[int] = set()  # answers no larger than their -32005: sent whatever the budget
        self.cut = count  # the first member that does not fit, as far as is known
        self.kept = 0  # bytes held in parts, small answers aside

    def offer(self, index: int, response: dict[str, Any] | None) -> None:
        if response is None:  # a notification
            return
        request_id = self.ids[index] = response.get("id")
        raw = _dump(response)
        if len(raw) <= self.error_size + len(_dump(request_id)):
            self.parts[index] = raw
            self.small.add(index)
            return
        if index >= self.cut:
            return
        self.parts[index] = raw
        self.kept += len(raw) + 1
        if self.kept + 1 > self.limit:
            self._recut()

    def _recut(self) -> None:
        total = 1  # the batch's opening bracket
        for index in range(self.cut):
            part = self.parts[index]
            if part is not None and index not in self.small:
                total += len(part) + 1
                if total > self.limit:
                    self.cut = index
                    break
        for index in range(self.cut, len(self.parts)):
            if index not in self.small:
                self.parts[index] = None
        self.kept = sum(len(p) + 1 for i, p in enumerate(self.parts) if p is not None and i not in self.small)

    def body(self, batch: bool) -> bytes | None:
        if not self.ids:
            return None
        out = [self.parts[i] if i < self.cut or i in self.small else _dump(_error(ResponseTooLarge(self.limit), self.ids[i]))
               for i in sorted(self.ids)]
        return b"[" + b",".join(p for p in out if p is not None) + b"]" if batch else out[0]


@functools.lru_cache(maxsize=8)
def _too_large_size(limit: int) -> int:
    """How long a -32005 answer for `limit` is, its id aside: every call's answer is measured
    against it, so it is worked out once, not built and serialized per call."""
    return len(_dump(_error(ResponseTooLarge(limit), None))) - len(b"null")


def _parse(body: bytes) -> Any:
    """The request, parsed once with orjson. orjson reads an integer past 64 bits as a float,
    so a request with a non-integral id is parsed again by the standard library, which keeps
    every integer exact: its id must come back exactly as sent."""
    payload = orjson.loads(body)
    members = payload if isinstance(payload, list) else [payload]
    if any(isinstance(m, dict) and isinstance(m.get("id"), float) for m in members):
        return json.loads(body)
    return payload


def _error(exc: RpcError, request_id: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.data is not None:
        error["data"] = exc.data
    return {"jsonrpc": "2.0", "error": error, "id": request_id}


def _dump(response: Any) -> bytes:
    try:
        return orjson.dumps(response)
    except orjson.JSONEncodeError:  # an id past 64 bits, kept exact by _parse
        return json.dumps(response, separators=(",", ":"), ensure_ascii=False).encode()


def error_body(exc: RpcError) -> bytes:
    """The answer to a request refused as a whole, before any of it was read as calls: its id is
    unknown, so null (daemon.web.refusals sends it under an HTTP status)."""
    return _dump(_error(exc, None))
