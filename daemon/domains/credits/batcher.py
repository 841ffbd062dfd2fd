"""Group commit for spends on PostgreSQL: many concurrent `spend_credits` calls, one round trip.

Why: a spend through the one-call path (`credits._write`) costs six round trips (BEGIN, lock,
update, two inserts, COMMIT) and a commit of its own, and while it holds its pooled connection
other spends wait for one. Spends are the hot write, so on PostgreSQL they are grouped instead.

How:
- `spend()` queues the call in its user's lane and awaits its own future. A lane sends its queue
  on the event loop's next turn, so every spend that arrived in the same turn (all of a JSON-RPC
  batch, say) rides in one group; while the lane's group is at the database, new spends keep
  collecting and go together as soon as it returns. Under no load a spend goes alone at once;
  under load groups grow by themselves, up to SPEND_GROUP_MAX.
- SPEND_LANES lanes split the users (by hash), so the groups at the database at once never touch the
  same user: they never wait for each other's row locks, and one user's spends to this daemon
  are applied in the order they arrived.
- A group is one call of the `dbm_spend_available` function (Alembic revision 0003, in
  storage/migrations/versions/): one statement, so one round trip and one commit for the whole group. The function applies the
  spends one after another, each with the same rules as the one-call path: the balance row is
  locked from the check to the write, a known `transaction_key` replays its first result or is
  1003 with other params, a spend past `balance - held` (holds.py; lapsed holds let go first) is
  1001 and changes nothing, and the ledger row and its
  audit outbox row are written in the same transaction. Each call gets its own answer.
- Spends run in user order inside the function, so two groups that do touch the same users
  (from two daemons sharing the database) lock them in the same order: one waits for the other,
  they never deadlock. Later spends of one user in one group see the earlier ones.
- If the statement fails as a whole, nothing of the group was committed and every caller gets
  that failure: -32002 Unavailable when the database went away (safe to retry with the key).
- A caller that timed out before its group left is dropped from it rather than applied late.

SQLite keeps the one-call path: its writers are serialized by a lock anyway.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any, cast

import orjson

from daemon.constants import SPEND_GROUP_MAX, SPEND_LANES
from daemon.context import StateKey
from daemon.domains.credits.ledger import reused_key
from daemon.errors import InsufficientBalance, NotFound
from daemon.storage.database import Database

BATCHER: StateKey[SpendBatcher] = StateKey("credits.batcher")  # set on PostgreSQL only

_APPLY = "SELECT call_index, error_code, result_balance, result_available FROM dbm_spend_available($1, $2, $3, $4, $5)"


@dataclasses.dataclass(slots=True)
class _Spend:
    user_id: str
    cost: int
    key: str | None
    request_hash: str
    metadata: str  # JSON text
    future: asyncio.Future[int]


@dataclasses.dataclass
class _Lane:
    """The spends of some users: one group at the database at a time, the next one waiting."""
    waiting: list[_Spend] = dataclasses.field(default_factory=list)
    busy: bool = False


class SpendBatcher:
    def __init__(self, db: Database, on_commit: Callable[[], None], max_group: int = SPEND_GROUP_MAX,
                 lanes: int = SPEND_LANES):
        self._db = db
        self._on_commit = on_commit  # wakes the audit relay
        self._max_group = max_group
        self._lanes = [_Lane() for _ in range(lanes)]
        self._flush_scheduled = False
        self._groups: set[asyncio.Task[None]] = set()

    async def spend(self, user_id: str, cost: int, metadata: dict[str, Any], key: str | None, request_hash: str) -> int:
        """The new balance (or a replayed one); raises 1001, 1002 or 1003 like the one-call path."""
        loop = asyncio.get_running_loop()
        spend = _Spend(user_id, cost, key, request_hash, orjson.dumps(metadata).decode(), loop.create_future())
        self._lanes[hash(user_id) % len(self._lanes)].waiting.append(spend)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)
        return await spend.future

    def _flush(self) -> None:
        self._flush_scheduled = False
        for lane in self._lanes:
            if not lane.busy:
                self._start(lane)

    def _start(self, lane: _Lane) -> None:
        group: list[_Spend] = []
        while lane.waiting and not group:
            taken = lane.waiting[:self._max_group]
            del lane.waiting[:len(taken)]
            group = [s for s in taken if not s.future.done()]  # done already: its caller timed out
        if group:
            lane.busy = True
            task = asyncio.create_task(self._commit(lane, group), name="spend-group")
            self._groups.add(task)
            task.add_done_callback(self._groups.discard)

    async def _commit(self, lane: _Lane, group: list[_Spend]) -> None:
        try:
            rows = await self._apply(group)
        except asyncio.CancelledError:
            for spend in group:
                spend.future.cancel()
            raise
        except Exception as exc:  # nothing of the group committed
            for spend in group:
                if not spend.future.done():
                    spend.future.set_exception(exc)
        else:
            self._on_commit()
            for index, code, balance, available in rows:
                self._answer(group[index - 1], code, balance, available)
        finally:
            lane.busy = False
            self._start(lane)

    async def _apply(self, group: list[_Spend]) -> list[Any]:
        async with self._db.session() as conn:
            return cast(list[Any], await conn.raw_connection.fetch(
                _APPLY, [s.user_id for s in group], [s.cost for s in group], [s.key for s in group],
                [s.request_hash for s in group], [s.metadata for s in group]))

    def _answer(self, spend: _Spend, code: int, balance: int | None, available: int | None) -> None:
        if spend.future.done():
            return
        if code == 0:
            assert balance is not None  # dbm_spend_batch gives a balance with codes 0 and 1001
            spend.future.set_result(balance)
        elif code == InsufficientBalance.code:
            assert balance is not None and available is not None
            spend.future.set_exception(InsufficientBalance(spend.user_id, balance, spend.cost, available))
        elif code == NotFound.code:
            spend.future.set_exception(NotFound("user", spend.user_id))
        else:
            spend.future.set_exception(reused_key(spend.key))
