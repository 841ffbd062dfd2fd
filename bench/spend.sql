-- pgbench script for bench/run.py: one spend of 1 credit as ONE statement against the daemon's
-- own schema (made by `dbmanager migrate`): lock-and-decrement the balance (refusing an overdraft),
-- insert the ledger row and its audit outbox row. Run with -M prepared -D users=N.
-- (created_at is RFC 3339 like the daemon's; its colons are written chr(58) because pgbench reads
-- a colon followed by a name as one of its variables, even inside a string.)
\set uid random(1, :users)
WITH spent AS (
    UPDATE balances SET balance = balance - 1
    WHERE user_id = 'u' || (:uid)::text AND balance >= 1
    RETURNING user_id, balance
), tx AS (
    INSERT INTO transactions (user_id, transaction_key, type, amount, running_balance, metadata, created_at, request_hash)
    SELECT user_id, md5(random()::text), 'USAGE', -1, balance, '{}',
           replace(to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24#MI#SS.US"Z"'), '#', chr(58)), md5('USAGE 1')
    FROM spent
    RETURNING id
)
INSERT INTO audit_outbox (tx_id) SELECT id FROM tx;
