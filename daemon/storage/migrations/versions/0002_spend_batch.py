"""dbm_spend_batch: spends by group commit (PostgreSQL)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Frozen once released: a later change is a new revision (CREATE OR REPLACE FUNCTION), never an
edit of this one. This is release 0.1.0's migration 2, the same function.

dbm_spend_batch applies a group of spends in one statement, hence one round trip and one commit
(the group commit of daemon/domains/credits/batcher.py, which explains the design). Each spend
gets its own row: (its 1-based index in the arrays, 0 or 1001/1002/1003, the new or replayed
balance; for 1001 the balance found). Spends run one after another in user order, so that any
two groups, from one daemon or several, lock balance rows in the same order: they may wait,
never deadlock. A spend with a key first locks the balance row and looks the key up, as the
one-call path does; one without a key (given one here, like the one-call path's uuid4().hex) is
a single statement. SQLite has no such function: there every spend takes the one-call path.
"""

from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_SPEND_BATCH = r"""
CREATE FUNCTION dbm_spend_batch(p_user_ids text[], p_costs bigint[], p_keys text[], p_hashes text[], p_metadata text[])
RETURNS TABLE (call_index integer, error_code integer, result_balance bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    n integer;
    v_balance bigint;
    v_prior record;
BEGIN
    FOR n IN SELECT s.n FROM unnest(p_user_ids) WITH ORDINALITY AS s(user_id, n) ORDER BY s.user_id, s.n LOOP
        call_index := n;
        error_code := 0;
        result_balance := NULL;
        IF p_keys[n] IS NOT NULL THEN
            SELECT b.balance INTO v_balance FROM balances b WHERE b.user_id = p_user_ids[n] FOR UPDATE;
            IF NOT FOUND THEN
                error_code := 1002;
                RETURN NEXT;
                CONTINUE;
            END IF;
            SELECT t.request_hash, t.running_balance INTO v_prior FROM transactions t
                WHERE t.user_id = p_user_ids[n] AND t.transaction_key = p_keys[n];
            IF FOUND THEN
                IF v_prior.request_hash = p_hashes[n] THEN
                    result_balance := v_prior.running_balance;
                ELSE
                    error_code := 1003;
                END IF;
                RETURN NEXT;
                CONTINUE;
            END IF;
        END IF;
        WITH spent AS (
            UPDATE balances b SET balance = b.balance - p_costs[n]
            WHERE b.user_id = p_user_ids[n] AND b.balance >= p_costs[n]
            RETURNING b.user_id, b.balance
        ), tx AS (
            INSERT INTO transactions (user_id, transaction_key, type, amount, running_balance, metadata, created_at, request_hash)
            SELECT spent.user_id, coalesce(p_keys[n], replace(gen_random_uuid()::text, '-', '')), 'USAGE', -p_costs[n],
                   spent.balance, p_metadata[n],
                   to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p_hashes[n]
            FROM spent
            RETURNING id, running_balance
        ), queued AS (
            INSERT INTO audit_outbox (tx_id) SELECT tx.id FROM tx
        )
        SELECT tx.running_balance INTO result_balance FROM tx;
        IF result_balance IS NULL THEN
            SELECT b.balance INTO v_balance FROM balances b WHERE b.user_id = p_user_ids[n];
            error_code := CASE WHEN FOUND THEN 1001 ELSE 1002 END;
            result_balance := v_balance;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.get_bind().exec_driver_sql(_SPEND_BATCH)


def downgrade() -> None:
    raise NotImplementedError("dbmanager migrates forward only; restore a backup to go back")
