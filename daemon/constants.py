"""Limits, key names and timings that more than one module relies on, in one place."""

MAX_ROW_ID = 2**63 - 1  # a BIGINT: a cursor past it is no row's, and no database may be asked for it
MAX_SAFE_INTEGER = 2**53 - 1  # amounts are 0 ≤ n ≤ 2^53−1 so that every JSON client reads them exactly
NAME_MIN_CHARS, NAME_MAX_CHARS = 1, 255  # user_id, transaction_key, …
MIN_TOKEN_CHARS = 32  # bearer tokens: `openssl rand -hex 32` gives 64
MAX_METADATA_BYTES = 16 * 1024  # metadata, serialized
# how deep a JSON param (metadata) may nest: orjson writes at most 254 levels, and a response
# wraps metadata in up to 5 more (batch, response, result, transactions, transaction)
MAX_JSON_DEPTH = 64
HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT = 50, 1000

HEALTH_CHECK_TIMEOUT_S = 2.0
HEALTH_CACHE_S = 1.0  # /healthz needs no token: its store checks run at most this often
LISTEN_BACKLOG = 1024  # connections past DBM_MAX_CONNECTIONS wait here, in the kernel
FD_RESERVE = 64  # file descriptors kept beyond clients and pool: Redis, the SQLite files, logs
LOG_RATE_INTERVAL_S = 10.0  # refused requests and malformed HTTP: at most one log line per this, with a count
LOG_FLUSH_INTERVAL_S = 0.1  # log lines wait at most this long in the daemon before the write to stderr …
LOG_FLUSH_BYTES = 64 * 1024  # … or until this many bytes of them wait: one write for many lines
# an idle connection, or one still sending its request line and headers, is closed after this long
# (aiohttp's own default is an hour); above the 60 s a reverse proxy keeps idle upstream connections
HTTP_KEEPALIVE_TIMEOUT_S = 75.0
# how long a browser may reuse a CORS preflight's answer: a changed DBM_CORS_ORIGINS reaches
# browsers within this (Chromium caps it at 2 h anyway)
CORS_MAX_AGE_S = 600
DB_ACQUIRE_TIMEOUT_S = 5.0
# asyncpg's statement timeout is DBM_CALL_TIMEOUT_S plus this: later than a call's deadline, which
# fires at most one tick (≤ 1 s) late, so the call answers -32003 and the backstop never races it
STATEMENT_TIMEOUT_MARGIN_S = 1.5
SQLITE_BUSY_TIMEOUT_S = 10.0  # a SQLite writer waits this long for another process's writer
SQLITE_BEGIN_SLICE_MS = 50  # … in slices this long, so that a call's timeout can interrupt it
REDIS_SOCKET_TIMEOUT_S = 5.0
SHUTDOWN_GRACE_S = 20.0
GC_THRESHOLDS = (50_000, 20, 20)  # gc.set_threshold once serving (Python's default: 700, 10, 10); see serve._tune_gc

# Spends by group commit (PostgreSQL): see domains/credits/batcher.py
SPEND_GROUP_MAX = 500  # spends per statement
SPEND_LANES = 2  # groups at the database at once, each holding one pooled connection

# Credit holds: lapsed ones are marked EXPIRED this often, this many users at a time
HOLD_SWEEP_INTERVAL_S = 1.0
HOLD_SWEEP_BATCH = 500

# Start-up: each store is retried with back-off this long at first, doubling up to the ceiling
START_RETRY_FIRST_S, START_RETRY_MAX_S = 0.2, 5.0

# The relays, one per stream (daemon/streams/): the audit stream's and the execution event stream's
RELAY_BATCH = 500  # outbox rows per relay batch (one Redis script call)
RELAY_IDLE_POLL_S = 1.0  # wake-up when nothing signalled: rows left by a crash or by another daemon
RELAY_VACUUM_EVERY = 100_000  # relayed rows between VACUUMs of an outbox (PostgreSQL): see Source.vacuum
# back-off while a store is down (a relay; tail --follow reconnecting): first, ceiling
RELAY_RETRY_FIRST_S, RELAY_RETRY_MAX_S = 0.05, 5.0
STREAM_DEDUPE_TTL_S = 7 * 24 * 3600  # how long a relayed row is remembered against a re-send
STREAM_DEDUPE_INFIX = ":relayed:"  # {stream key} + this + id:row digest: the marker that an entry was appended
# a master with replicas: how long the relay waits for one to acknowledge a batch (WAIT) before it
# keeps the batch's outbox rows for a later re-send (daemon/streams/stream.py)
REPLICA_ACK_TIMEOUT_MS = 200

TAIL_RECLAIM_IDLE_MS = 60_000  # tail --group: reclaim entries another consumer left unacknowledged this long

EMBEDDED_REDIS_SOCKET = "redis.sock"
EMBEDDED_REDIS_DIR = "redis"
EMBEDDED_REDIS_SOCKET_POINTER = "socket-path"  # in EMBEDDED_REDIS_DIR: where the socket is when that is too deep for one
