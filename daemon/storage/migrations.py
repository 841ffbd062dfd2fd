"""Versioned schema migrations, applied by `serve` and by `dbmanager migrate`.

Each migration is (version, name, statements). They run in one transaction that first takes a
lock (a PostgreSQL advisory lock; BEGIN IMMEDIATE on SQLite), so two daemons starting at once on
one database apply each migration exactly once: the second waits, then finds nothing to do.
A new migration is appended to MIGRATIONS; a released one is never edited.
"""

from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from daemon.clock import now_rfc3339
from daemon.storage import tables
from daemon.storage.database import Database

log = logging.getLogger(__name__)

_ADVISORY_LOCK_ID = 0x64626D6D  # "dbmm"


def _create(*names: str) -> Callable[[Dialect], list[str]]:
    def ddl(dialect: Dialect) -> list[str]:
        statements = []
        for name in names:
            table = tables.metadata.tables[name]
            statements.append(str(CreateTable(table).compile(dialect=dialect)))
            statements += [str(CreateIndex(index).compile(dialect=dialect)) for index in table.indexes]
        return statements
    return ddl


def _postgresql_only(*statements: str) -> Callable[[Dialect], list[str]]:
    return lambda dialect: list(statements) if dialect.name == "postgresql" else []


# dbm_spend_batch: a group of spends in one statement, hence one round trip and one commit (the
# group commit of daemon/methods/spend_batcher.py, which explains the design). Each spend gets its
# own row: (its 1-based index in the arrays, 0 or 1001/1002/1003, the new or replayed balance; for
# 1001 the balance found). Spends run one after another in user order, so that any two groups,
# from one daemon or several, lock balance rows in the same order: they may wait, never deadlock.
# A spend with a key first locks the balance row and looks the key up, as the one-call path does;
# one without a key (given one here, like the one-call path's uuid4().hex) is a single statement.
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


MIGRATIONS: list[tuple[int, str, Callable[[Dialect], list[str]]]] = [
    (1, "users, balances, ledger, audit outbox", _create("users", "balances", "transactions", "audit_outbox")),
    (2, "dbm_spend_batch: spends by group commit (PostgreSQL)", _postgresql_only(_SPEND_BATCH)),
]


async def migrate(db: Database) -> list[int]:
    """Apply pending migrations; returns the versions applied by this call."""
    dialect = postgresql.dialect() if db.kind == "postgresql" else sqlite.dialect()
    if db.kind == "sqlite":
        async with db.session() as conn:  # WAL: readers never wait for the writer; persists in the file
            await conn.execute("PRAGMA journal_mode=WAL")
    applied = []
    async with db.write() as conn:
        if db.kind == "postgresql":
            await conn.execute(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_ID})")
        await conn.execute(str(CreateTable(tables.schema_migrations, if_not_exists=True).compile(dialect=dialect)))
        done = {row[0] for row in await conn.fetch_all(select(tables.schema_migrations.c.version))}
        for version, name, ddl in MIGRATIONS:
            if version in done:
                continue
            for statement in ddl(dialect):
                await conn.execute(statement)
            await conn.execute(tables.schema_migrations.insert().values(
                version=version, name=name, applied_at=now_rfc3339()))
            applied.append(version)
            log.info("applied migration %d: %s", version, name)
    return applied
