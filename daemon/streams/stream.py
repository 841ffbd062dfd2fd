"""A stream in Redis fed from an outbox: the exactly-once append, and what consumers, `tail` and
`verify` read. One class for every stream; what differs between them is their Source.

Exactly once: the relay deletes an outbox row only after its entry is in the stream, so a crash,
a lost reply or a second daemon can send an entry again. The append is therefore a Lua script
that sets a marker key `{<stream>}:relayed:<id>:<digest of the row's identity>` (audit:
`<tx_id>:<digest of user_id and transaction_key>`; events: `<event_id>:<digest of graph_exec_id,
node_exec_id, status and at>`) with SET NX and appends only when the marker was new, atomically
in Redis (one script call carries a whole batch, entry by entry). A re-send finds the marker and
appends nothing. Markers expire after STREAM_DEDUPE_TTL_S, far longer than
any re-send window (an outbox row outlives its append only until the relay's next delete succeeds).
The digest makes the marker name the outbox's row, not only its id: a database restored from a
backup, or made anew beside the same Redis, hands out old ids again, and those rows must not be
taken for re-sends.

Hash slots: a script may touch only keys of one slot on a Redis Cluster, so a marker starts with
the stream's key in braces (`{dbmanager:audit:credits}:relayed:…`), which Redis hashes as it hashes
the stream's own key; a key that already has a `{tag}` keeps it and the plain `<stream>:relayed:…`
form. Releases before 0.4 wrote `<stream>:relayed:…` for every key: on a single Redis or under
Sentinel (where those releases ran) the script also looks for that older marker, so an upgrade
never appends a row twice; on a cluster, which they did not support, there are none to find.

Replicas: see `_replicated`. A master with replicas keeps an outbox row until one of them has the
row's entry, so a fail-over to that replica loses nothing the outbox has let go of.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any, cast

import orjson
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import AbstractConnection

from daemon.constants import REPLICA_ACK_TIMEOUT_MS, STREAM_DEDUPE_INFIX, STREAM_DEDUPE_TTL_S
from daemon.errors import ConfigError
from daemon.storage.redis import Primary, RedisClient
from daemon.streams.source import Source

# KEYS: the stream, then each entry's marker (and, when ARGV[3] is 2, the marker an older release
# would have written for it); ARGV: the markers' TTL, the entries as one JSON array of
# [field, value, field, value, …] arrays (an array keeps the fields in order), keys per entry.
# One call per batch: redis-py would otherwise spend more time packing 500 commands than Redis
# spends running them. Each entry is still its own check-and-append.
APPEND_ONCE = """
local entries = cjson.decode(ARGV[2])
local per = tonumber(ARGV[3])
local appended = 0
for i, fields in ipairs(entries) do
  local first = 2 + (i - 1) * per
  local older = per == 2 and redis.call('EXISTS', KEYS[first + 1]) == 1
  if not older and redis.call('SET', KEYS[first], '1', 'NX', 'EX', ARGV[1]) then
    redis.call('XADD', KEYS[1], '*', unpack(fields))
    appended = appended + 1
  end
end
return appended
"""


class NotReplicated(Exception):
    """The master has replicas and none acknowledged a batch in time: its outbox rows stay."""


def hash_tag(key: str) -> str | None:
    """The part of `key` Redis Cluster hashes, when it is not the whole key: the text between the
    first `{` and the first `}` after it, if that is not empty (the Redis Cluster specification)."""
    start = key.find("{")
    end = key.find("}", start + 1) if start >= 0 else -1
    return key[start + 1:end] if end > start + 1 else None


def slot_prefix(key: str) -> str | None:
    """A prefix that puts a key in `key`'s hash slot: `key` itself if it has a tag, else `{key}`;
    None for an untagged key holding a `}`, whose slot no other key is sure to share."""
    if hash_tag(key) is not None:
        return key
    return None if "}" in key else "{" + key + "}"


class Stream:
    def __init__(self, redis: RedisClient, key: str, source: Source):
        self.redis = redis
        self.key = key
        self.source = source
        self.primary = Primary(redis, key)
        prefix = slot_prefix(key)
        if prefix is None and isinstance(redis, RedisCluster):
            raise ConfigError(f"DBM_{source.key_setting.upper()}={key!r}: on a Redis Cluster a stream key "
                              "needs a {tag}, or no }, so that its markers share its hash slot")
        self._prefix = prefix or key
        # where markers of older releases may exist and are in reach of one script (see above)
        self._older_markers = self._prefix != key and not isinstance(redis, RedisCluster)

    async def append(self, entries: list[dict[str, str]]) -> int:
        """Appends each entry unless its row already was; returns how many were new. Raises
        NotReplicated when the master's replicas did not take the batch in time."""
        if not entries:
            return 0
        fields = orjson.dumps([[x for pair in e.items() for x in pair] for e in entries])
        keys = [self.key]
        for entry in entries:
            keys.append(self.marker(entry))
            if self._older_markers:
                keys.append(self.older_marker(entry))
        per = 2 if self._older_markers else 1
        async with self.primary.connection() as conn:
            await conn.send_packed_command(conn.pack_commands([
                ("INFO", "replication"),
                ("EVAL", APPEND_ONCE, len(keys), *keys, STREAM_DEDUPE_TTL_S, fields, per),
            ]))
            replicas = _connected_replicas(cast(str, await conn.read_response()))
            appended = cast(int, await conn.read_response())
            if replicas:
                await _replicated(conn)
        return appended

    def marker(self, entry: dict[str, str]) -> str:
        return f"{self._prefix}{STREAM_DEDUPE_INFIX}{entry[self.source.id_field]}:{self._row_digest(entry)}"

    def older_marker(self, entry: dict[str, str]) -> str:
        """The marker releases before 0.4 wrote for the same row."""
        return f"{self.key}{STREAM_DEDUPE_INFIX}{entry[self.source.id_field]}:{self._row_digest(entry)}"

    def _row_digest(self, entry: dict[str, str]) -> str:
        identity = "\0".join(entry[field] for field in self.source.identity)
        return hashlib.blake2b(identity.encode(), digest_size=8).hexdigest()

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


def _connected_replicas(info: str) -> int:
    for line in info.splitlines():
        if line.startswith("connected_slaves:"):
            return int(line.partition(":")[2])
    return 0


async def _replicated(conn: AbstractConnection) -> None:
    """Redis replicates asynchronously: a master that fails over before a replica has an entry
    loses it, and its outbox row, already deleted, cannot bring it back. So where replicas are
    connected, WAIT (on the connection that appended, as WAIT counts that connection's writes)
    until one has the batch; if none does within REPLICA_ACK_TIMEOUT_MS the rows stay in the
    outbox and are sent again later, which the markers make harmless. A master with no replica
    connected is trusted as it is: there is nothing to wait for."""
    await conn.send_command("WAIT", 1, REPLICA_ACK_TIMEOUT_MS)
    if cast(int, await conn.read_response()) < 1:
        raise NotReplicated(f"no replica acknowledged within {REPLICA_ACK_TIMEOUT_MS} ms")


def as_json_line(entry_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {"id": entry_id, **fields}
