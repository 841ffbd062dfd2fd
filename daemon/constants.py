"""Limits, key names and timings that more than one module relies on, in one place."""

MAX_SAFE_INTEGER = 2**53 - 1  # amounts are 0 ≤ n ≤ 2^53−1 so that every JSON client reads them exactly
NAME_MIN_CHARS, NAME_MAX_CHARS = 1, 255  # user_id, transaction_key, …
MAX_METADATA_BYTES = 16 * 1024  # metadata, serialized
HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT = 50, 1000

HEALTH_CHECK_TIMEOUT_S = 2.0
DB_ACQUIRE_TIMEOUT_S = 5.0
REDIS_SOCKET_TIMEOUT_S = 5.0
SHUTDOWN_GRACE_S = 20.0

# The audit relay
AUDIT_BATCH = 500  # outbox rows per XADD pipeline
AUDIT_IDLE_POLL_S = 1.0  # wake-up when nothing signalled: rows left by a crash or by another daemon
AUDIT_RETRY_MAX_S = 5.0  # back-off ceiling while Redis is down
AUDIT_DEDUPE_TTL_S = 7 * 24 * 3600  # how long a relayed tx_id is remembered against a re-send
AUDIT_DEDUPE_INFIX = ":relayed:"  # stream key + this + tx_id: the marker that an entry was appended

EMBEDDED_REDIS_SOCKET = "redis.sock"
EMBEDDED_REDIS_DIR = "redis"
