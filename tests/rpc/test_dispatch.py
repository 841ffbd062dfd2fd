"""What dispatch bounds: methods that wait on a store hold a call slot within the call deadline;
ping and rpc.discover, which answer from memory, need neither."""

import dataclasses
from typing import Any

import orjson

from daemon.auth import EVERYTHING
from daemon.context import Context
from daemon.domains.system import DOMAIN as SYSTEM
from daemon.rpc.deadlines import Deadlines
from daemon.rpc.dispatch import Call, Dispatcher, Limits
from daemon.rpc.registry import Domain, Registry, rpc_method
from daemon.rpc.slots import Slots
from daemon.web.metrics import Metrics


@rpc_method(retry="safe")
async def reads_a_store(ctx: Context) -> int:
    """Stands for any method that awaits the database or Redis."""
    return 1


@dataclasses.dataclass
class _Daemon:
    """The part of the daemon dispatch reads, with every call slot taken."""
    metrics: Metrics = dataclasses.field(default_factory=Metrics)
    deadlines: Deadlines = dataclasses.field(default_factory=lambda: Deadlines(0.2))
    call_slots: Slots = dataclasses.field(default_factory=lambda: Slots(0))
    openrpc: dict[str, Any] = dataclasses.field(default_factory=lambda: {"openrpc": "1.3.2"})


async def _answer(method: str) -> dict[str, Any]:
    registry = Registry([SYSTEM, Domain("test", "a method that uses a store", methods=(reads_a_store,))])
    body = orjson.dumps({"jsonrpc": "2.0", "method": method, "id": 7})
    answer = await Dispatcher(registry).handle(body, Call(_Daemon(), EVERYTHING.allows), Limits(100, 10**6, 10))  # type: ignore[arg-type]
    assert answer is not None
    return orjson.loads(answer)


async def test_ping_and_discover_answer_while_every_call_slot_is_taken():
    assert await _answer("ping") == {"jsonrpc": "2.0", "result": "pong", "id": 7}
    assert (await _answer("rpc.discover"))["result"] == {"openrpc": "1.3.2"}


async def test_a_method_that_uses_a_store_waits_for_a_slot_within_the_deadline():
    assert await _answer("reads_a_store") == {"jsonrpc": "2.0", "error": {"code": -32003, "message": "Timeout"}, "id": 7}
