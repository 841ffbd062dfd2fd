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
CREATE FUNCTION public.dbm_spend_available(p_user_ids text[], p_costs bigint[], p_keys text[], p_hashes text[], p_metadata text[]) RETURNS TABLE(call_index integer, error_code integer, result_balance bigint, result_available bigint)
    LANGUAGE plpgsql
    AS $$
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
$$;
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
$$;
SET default_tablespace = '';
SET default_table_access_method = heap;
CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);
CREATE TABLE public.audit_outbox (
    tx_id bigint NOT NULL
);
CREATE TABLE public.balances (
    user_id character varying(255) NOT NULL,
    balance bigint NOT NULL,
    held bigint DEFAULT '0'::bigint NOT NULL
);
CREATE TABLE public.holds (
    id character varying(32) NOT NULL,
    user_id character varying(255) NOT NULL,
    amount bigint NOT NULL,
    status character varying(16) NOT NULL,
    captured bigint NOT NULL,
    expires_at character varying(32) NOT NULL,
    created_at character varying(32) NOT NULL,
    transaction_key character varying(255) NOT NULL,
    request_hash character varying(64) NOT NULL,
    metadata text NOT NULL
);
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
ALTER TABLE ONLY public.transactions ALTER COLUMN id SET DEFAULT nextval('public.transactions_id_seq'::regclass);
INSERT INTO public.alembic_version VALUES ('0003');
INSERT INTO public.balances VALUES ('dave', 0, 0);
INSERT INTO public.balances VALUES ('carol', 430, 100);
INSERT INTO public.holds VALUES ('cd6870787b1541d59bb74c84512ca3d3', 'carol', 100, 'HELD', 0, '2026-12-02T11:14:54.471711Z', '2026-12-01T11:14:54.471711Z', 'hold-held', 'f347770899cd07342409613df537901410b8f85e0aefd9e791516926e46e3b33', '{}');
INSERT INTO public.holds VALUES ('c5b2e67d984a47da9d568195f08390ad', 'carol', 50, 'CAPTURED', 30, '2026-12-02T11:14:54.479035Z', '2026-12-01T11:14:54.479035Z', 'hold-cap', '5bca04976fe553b99dd5da0777e82903710e98719e434a9e7cea611976bf2dde', '{}');
INSERT INTO public.holds VALUES ('eddaa48c3f9c4c3ea29fdad5f3bf475e', 'carol', 20, 'RELEASED', 0, '2026-12-02T11:14:54.543230Z', '2026-12-01T11:14:54.543230Z', 'hold-rel', '2328ff16c00aa1deb141cb228b96c07de77c08fd5d4c600f1c99e6b4e5ca94d0', '{}');
INSERT INTO public.transactions VALUES (1, 'carol', 'top-1', 'TOP_UP', 500, 500, '{}', '2026-12-01T11:14:54.372208Z', '8502012c1039ca156fbea070806f1fb535c11d11702f54d511c8fca9410030f2', NULL);
INSERT INTO public.transactions VALUES (2, 'carol', 'spend-1', 'USAGE', -40, 460, '{"graph_id":"g2"}', '2026-12-01T11:14:54.430494Z', 'f216b9fa16151f6f55e771856e148c6dcf68bf856b0078375ba702e7d59c3080', NULL);
INSERT INTO public.transactions VALUES (3, 'carol', 'cap-1', 'USAGE', -30, 430, '{"hold_id":"c5b2e67d984a47da9d568195f08390ad"}', '2026-12-01T11:14:54.519278Z', 'ebbee5e95f0db2144b9e095da4abdc205a3e2f6c3b5a3bd08465b5e587a450e7', NULL);
INSERT INTO public.users VALUES ('carol', 'carol@example.com', 'Carol', '{"plan":"team"}', '2026-12-01T11:14:54.244316Z');
INSERT INTO public.users VALUES ('dave', 'dave@example.com', NULL, '{}', '2026-12-01T11:14:54.330879Z');
SELECT pg_catalog.setval('public.transactions_id_seq', 3, true);
ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);
ALTER TABLE ONLY public.audit_outbox
    ADD CONSTRAINT audit_outbox_pkey PRIMARY KEY (tx_id);
ALTER TABLE ONLY public.balances
    ADD CONSTRAINT balances_pkey PRIMARY KEY (user_id);
ALTER TABLE ONLY public.holds
    ADD CONSTRAINT holds_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT transactions_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.holds
    ADD CONSTRAINT uq_holds_user_key UNIQUE (user_id, transaction_key);
ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT uq_transactions_user_key UNIQUE (user_id, transaction_key);
ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);
ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);
CREATE INDEX ix_holds_status_expires_at ON public.holds USING btree (status, expires_at);
CREATE INDEX ix_holds_user_id_status ON public.holds USING btree (user_id, status);
CREATE INDEX ix_transactions_refund_of ON public.transactions USING btree (refund_of);
CREATE INDEX ix_transactions_user_id_id ON public.transactions USING btree (user_id, id);
ALTER TABLE ONLY public.audit_outbox
    ADD CONSTRAINT audit_outbox_tx_id_fkey FOREIGN KEY (tx_id) REFERENCES public.transactions(id);
ALTER TABLE ONLY public.balances
    ADD CONSTRAINT balances_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);
ALTER TABLE ONLY public.holds
    ADD CONSTRAINT holds_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);
ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT transactions_refund_of_fkey FOREIGN KEY (refund_of) REFERENCES public.transactions(id);
ALTER TABLE ONLY public.transactions
    ADD CONSTRAINT transactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);
