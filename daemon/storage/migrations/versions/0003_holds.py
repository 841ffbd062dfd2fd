"""credit holds: the holds table, balances.held, and dbm_spend_available

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Frozen once released: a later change is a new revision, never an edit of this one.

A hold sets credits aside (daemon/domains/credits/holds.py explains the rules); `balances.held`
is the sum of a user's HELD holds, so a spend checks `balance - held` on the row it already locks.

dbm_spend_available is dbm_spend_batch (revision 0002) with two changes; this release's daemons
call it. dbm_spend_batch stays for daemons of the release before while they still run (a rolling
upgrade), replaced in place to draw on `balance - held` too, so they cannot spend what a hold set
aside either. A spend draws on `balance - held`, and when that is short it first lets go of the
user's holds that have lapsed (status HELD past expires_at), then tries once more: a lapsed hold
stops counting at once, whether or not the sweeper has marked it yet. And each row also returns
what was available, for the 1001 answer. Locks are taken balance row first, then holds, as every
other writer of holds does, so none of them can deadlock with another.
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_SPEND_AVAILABLE = r"""
CREATE FUNCTION dbm_spend_available(p_user_ids text[], p_costs bigint[], p_keys text[], p_hashes text[],
                                    p_metadata text[])
RETURNS TABLE (call_index integer, error_code integer, result_balance bigint, result_available bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
    n integer;
    attempt integer;
    v_balance bigint;
    v_held bigint;
    v_freed bigint;
    v_prior record;
BEGIN
    FOR n IN SELECT s.n FROM unnest(p_user_ids) WITH ORDINALITY AS s(user_id, n) ORDER BY s.user_id, s.n LOOP
        call_index := n;
        error_code := 0;
        result_balance := NULL;
        result_available := NULL;
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
        FOR attempt IN 1..2 LOOP
            WITH spent AS (
                UPDATE balances b SET balance = b.balance - p_costs[n]
                WHERE b.user_id = p_user_ids[n] AND b.balance - b.held >= p_costs[n]
                RETURNING b.user_id, b.balance
            ), tx AS (
                INSERT INTO transactions (user_id, transaction_key, type, amount, running_balance, metadata, created_at,
                                          request_hash)
                SELECT spent.user_id, coalesce(p_keys[n], replace(gen_random_uuid()::text, '-', '')), 'USAGE', -p_costs[n],
                       spent.balance, p_metadata[n],
                       to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p_hashes[n]
                FROM spent
                RETURNING id, running_balance
            ), queued AS (
                INSERT INTO audit_outbox (tx_id) SELECT tx.id FROM tx
            )
            SELECT tx.running_balance INTO result_balance FROM tx;
            EXIT WHEN result_balance IS NOT NULL OR attempt = 2;
            -- short: let go of the user's lapsed holds (balance row first, then holds), then once more
            PERFORM 1 FROM balances b WHERE b.user_id = p_user_ids[n] FOR UPDATE;
            WITH lapsed AS (
                UPDATE holds h SET status = 'EXPIRED'
                WHERE h.user_id = p_user_ids[n] AND h.status = 'HELD'
                  AND h.expires_at <= to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                RETURNING h.amount
            )
            SELECT coalesce(sum(lapsed.amount), 0) INTO v_freed FROM lapsed;
            EXIT WHEN v_freed = 0;
            UPDATE balances b SET held = b.held - v_freed WHERE b.user_id = p_user_ids[n];
        END LOOP;
        IF result_balance IS NULL THEN
            SELECT b.balance, b.held INTO v_balance, v_held FROM balances b WHERE b.user_id = p_user_ids[n];
            error_code := CASE WHEN FOUND THEN 1001 ELSE 1002 END;
            result_balance := v_balance;
            result_available := v_balance - v_held;
        END IF;
        RETURN NEXT;
    END LOOP;
END
$fn$
"""


# revision 0002's function, the one change being `b.balance - b.held` in the spend's condition
_SPEND_BATCH_HONOURING_HOLDS = r"""
CREATE OR REPLACE FUNCTION dbm_spend_batch(p_user_ids text[], p_costs bigint[], p_keys text[], p_hashes text[],
                                           p_metadata text[])
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
            WHERE b.user_id = p_user_ids[n] AND b.balance - b.held >= p_costs[n]
            RETURNING b.user_id, b.balance
        ), tx AS (
            INSERT INTO transactions (user_id, transaction_key, type, amount, running_balance, metadata, created_at,
                                      request_hash)
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
    op.create_table(
        'holds',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.String(length=255), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('captured', sa.BigInteger(), nullable=False),
        sa.Column('expires_at', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.String(length=32), nullable=False),
        sa.Column('transaction_key', sa.String(length=255), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('metadata', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'transaction_key', name='uq_holds_user_key'),
    )
    op.create_index('ix_holds_user_id_status', 'holds', ['user_id', 'status'])
    op.create_index('ix_holds_status_expires_at', 'holds', ['status', 'expires_at'])
    with op.batch_alter_table('balances') as batch_op:
        batch_op.add_column(sa.Column('held', sa.BigInteger(), server_default='0', nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.get_bind().exec_driver_sql(_SPEND_AVAILABLE)
        op.get_bind().exec_driver_sql(_SPEND_BATCH_HONOURING_HOLDS)


def downgrade() -> None:
    raise NotImplementedError("dbmanager migrates forward only; restore a backup to go back")
