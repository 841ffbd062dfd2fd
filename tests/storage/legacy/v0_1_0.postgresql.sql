SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;
CREATE FUNCTION public.dbm_spend_batch(p_user_ids text[], p_costs bigint[], p_keys text[], p_hashes text[], p_metadata text[]) RETURNS TABLE(call_index integer, error_code integer, result_balance bigint)
    LANGUAGE plpgsql
    AS $$
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
$$;
SET default_tablespace = '';
SET default_table_access_method = heap;
CREATE TABLE public.audit_outbox (
    tx_id bigint NOT NULL
);
CREATE TABLE public.balances (
    user_id character varying(255) NOT NULL,
    balance bigint NOT NULL
);
CREATE TABLE public.schema_migrations (
    version integer NOT NULL,
    name character varying(100) NOT NULL,
    applied_at character varying(32) NOT NULL
);
CREATE SEQUENCE public.schema_migrations_version_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.schema_migrations_version_seq OWNED BY public.schema_migrations.version;
CREATE TABLE public.transactions (
    id bigint NOT NULL,
    user_id character varying(255) NOT NULL,
    transaction_key character varying(255) NOT NULL,
    type character varying(16) NOT NULL,
    amount bigint NOT NULL,
    running_balance bigint NOT NULL,
    metadata text NOT NULL,
    created_at character varying(32) NOT NULL,
    request_hash character varying(64) NOT NULL,
    refund_of bigint
);
CREATE SEQUENCE public.transactions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.transactions_id_seq OWNED BY public.transactions.id;
CREATE TABLE public.users (
    id character varying(255) NOT NULL,
    email character varying(320) NOT NULL,
    name text,
    metadata text NOT NULL,
    created_at character varying(32) NOT NULL
);
ALTER TABLE ONLY public.schema_migrations ALTER COLUMN version SET DEFAULT nextval('public.schema_migrations_version_seq'::regclass);
ALTER TABLE ONLY public.transactions ALTER COLUMN id SET DEFAULT nextval('public.transactions_id_seq'::regclass);
INSERT INTO public.audit_outbox VALUES (5);
INSERT INTO public.audit_outbox VALUES (6);
INSERT INTO public.balances VALUES ('alice', 870);
INSERT INTO public.balances VALUES ('bob', 0);
INSERT INTO public.schema_migrations VALUES (1, 'users, balances, ledger, audit outbox', '2026-12-01T05:02:44.867773Z');
INSERT INTO public.schema_migrations VALUES (2, 'dbm_spend_batch: spends by group commit (PostgreSQL)', '2026-12-01T05:02:44.870944Z');
INSERT INTO public.transactions VALUES (1, 'alice', 'top-1', 'TOP_UP', 1000, 1000, '{"source":"stripe"}', '2026-12-01T05:02:44.888609Z', 'bb59bdeaf679fde5289824e9b58bb57e72fd9b643edacf3b3dfd9c9a98a735ba', NULL);
INSERT INTO public.transactions VALUES (2, 'bob', 'grant-1', 'GRANT', 50, 50, '{"reason":"welcome"}', '2026-12-01T05:02:44.893897Z', '8f95bdc923634bde1885a3a62e6c8e8a5c572e2e3bae83d0bce92fa1b7625ea4', NULL);
INSERT INTO public.transactions VALUES (3, 'alice', 'spend-1', 'USAGE', -120, 880, '{"graph_id":"g1","node_id":"n1"}', '2026-12-01T05:02:44.904939Z', 'e81d160836ec0c3b2d6f11c0f102b240fa3417bc5f510d4589f365adb1e09456', NULL);
INSERT INTO public.transactions VALUES (4, 'alice', 'spend-2', 'USAGE', -30, 850, '{}', '2026-12-01T05:02:44.906499Z', '87cb749a9413bd9fb6479db0458a7f5da47125c4882d13aaa3cd5348d0411103', NULL);
INSERT INTO public.transactions VALUES (5, 'alice', 'refund-1', 'REFUND', 20, 870, '{"reason":"partial","spend_transaction_key":"spend-1"}', '2026-12-01T05:02:44.911667Z', '6ac8e23d4a883cf37678d080e433c3d5571c0dcb48df9a21bf460a5677e82113', 3);
INSERT INTO public.transactions VALUES (6, 'bob', 'spend-3', 'USAGE', -50, 0, '{"reason":"all of it"}', '2026-12-01T05:02:44.914021Z', 'd7b73e42a2ab96de26e0cef286fe223387060f1cc6f50acaf6a2067090d1893d', NULL);
INSERT INTO public.users VALUES ('alice', 'alice@example.com', 'Alice', '{"plan":"pro"}', '2026-12-01T05:02:44.877020Z');
INSERT INTO public.users VALUES ('bob', 'bob@example.com', NULL, '{}', '2026-12-01T05:02:44.882135Z');
SELECT pg_catalog.setval('public.schema_migrations_version_seq', 1, false);
SELECT pg_catalog.setval('public.transactions_id_seq', 6, true);
ALTER TABLE ONLY public.audit_outbox
    ADD CONSTRAINT audit_outbox_pkey PRIMARY KEY (tx_id);
ALTER TABLE ONLY public.balances
    ADD CONSTRAINT balances_pkey PRIMARY KEY (user_id);
ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);
ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT transactions_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT uq_transactions_user_key UNIQUE (user_id, transaction_key);
ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);
ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);
CREATE INDEX ix_transactions_refund_of ON public.transactions USING btree (refund_of);
CREATE INDEX ix_transactions_user_id_id ON public.transactions USING btree (user_id, id);
ALTER TABLE ONLY public.audit_outbox
    ADD CONSTRAINT audit_outbox_tx_id_fkey FOREIGN KEY (tx_id) REFERENCES public.transactions(id);
ALTER TABLE ONLY public.balances
    ADD CONSTRAINT balances_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);
ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT transactions_refund_of_fkey FOREIGN KEY (refund_of) REFERENCES public.transactions(id);
ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT transactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);
