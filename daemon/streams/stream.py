"""A stream in Redis fed from an outbox: the exactly-once append, and what consumers, `tail` and
`verify` read. One class for every stream; what differs between them is their Source.

Exactly once: the relay deletes an outbox row only after its entry is in the stream, so a crash,
a lost reply or a second daemon can send an entry again. The append is therefore a Lua script
that sets a marker key `<stream>:relayed:<id>:<digest of the row's identity>` (audit:
`<tx_id>:<digest of user_id and transaction_key>`; events: `<event_id>:<digest of graph_exec_id,
node_exec_id, status and at>`) with SET NX and appends only when the marker was new, atomically
in Redis (one script call carries a whole batch, entry by entry). A re-send finds the marker and
appends nothing. Markers expire after STREAM_DEDUPE_TTL_S, far longer than
any re-send window (an outbox row outlives its append only until the relay's next delete succeeds).
The digest makes the marker name the outbox's row, not only its id: a database restored from a
backup, or made anew beside the same Redis, hands out old ids again, and those rows must not be
taken for re-sends.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any, cast

import orjson
import redis.asyncio as aioredis

from daemon.constants import STREAM_DEDUPE_INFIX, STREAM_DEDUPE_TTL_S
from daemon.streams.source import Source

# KEYS: the stream, then one marker per entry; ARGV: the markers' TTL, then the entries as one
# JSON array of [field, value, field, value, …] arrays (an array keeps the fields in order).
# One call per batch: redis-py would otherwise spend more time packing 500 commands than Redis
# spends running them. Each entry is still its own check-and-append.
APPEND_ONCE = """
local entries = cjson.decode(ARGV[2])
local appended = 0
for i, fields in ipairs(entries) do
  if redis.call('SET', KEYS[i + 1], '1', 'NX', 'EX', ARGV[1]) then
    redis.call('XADD', KEYS[1], '*', unpack(fields))
    appended = appended + 1
  end
end
return appended
"""


class Stream:
    def __init__(self, redis: aioredis.Redis, key: str, source: Source):
        self.redis = redis
        self.key = key
        self.source = source
        self._append_once = redis.register_script(APPEND_ONCE)

    async def append(self, entries: list[dict[str, str]]) -> int:
        """Appends each entry unless its row already was; returns how many were new."""
        if not entries:
            return 0
        fields = orjson.dumps([[x for pair in e.items() for x in pair] for e in entries])
        markers = [self.marker(e) for e in entries]
        return cast(int, await self._append_once(keys=[self.key, *markers], args=[STREAM_DEDUPE_TTL_S, fields]))

    def marker(self, entry: dict[str, str]) -> str:
        identity = "\0".join(entry[field] for field in self.source.identity)
        row = hashlib.blake2b(identity.encode(), digest_size=8).hexdigest()
        return f"{self.key}{STREAM_DEDUPE_INFIX}{entry[self.source.id_field]}:{row}"

    async def entries(self, start: str = "-", chunk: int = 1000) -> AsyncIterator[tuple[str, dict[str, str]]]:
        """Every entry from `start` on, oldest first, read in chunks."""
        while True:
            # decode_responses: ids and fields are str
            batch = cast(list[tuple[str, dict[str, str]]], await self.redis.xrange(self.key, min=start, count=chunk))
            for entry_id, fields in batch:
                yield entry_id, fields
            if len(batch) < chunk:
                return
            start = "(" + batch[-1][0]


def as_json_line(entry_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"id": entry_id, **fields}
