"""An outbox's upkeep on PostgreSQL (daemon/streams/source.py): VACUUM between relayed batches."""

import redis as sync_redis

from daemon.streams.audit import AUDIT
from tests.support import REDIS_URL


async def test_vacuum_between_batches_loses_nothing_waiting(rpc, stream_key):
    await rpc.result("create_user", {"email": "v@x.io", "user_id": "v"})
    await rpc.result("top_up_credits", ["v", 10])
    await rpc.services.audit_relay.relay_once()
    await rpc.result("spend_credits", ["v", 1])
    await AUDIT.vacuum(rpc.services.db)  # a no-op on SQLite
    await rpc.services.audit_relay.relay_once()
    client = sync_redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        entries = [fields for _, fields in client.xrange(stream_key)]
    finally:
        client.close()
    assert [e["type"] for e in entries] == ["TOP_UP", "USAGE"]
    assert await AUDIT.pending(rpc.services.db, 10) == []
